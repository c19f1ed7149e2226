"""Settings: one environment prefix per service, shared defaults under ``ATELIER_``.

``ATELIER_SPEC_DATABASE_URL`` configures only the spec service; ``ATELIER_DATABASE_URL`` every
service that has no value of its own. Settings are built inside each app factory, never at import.
"""

import importlib
from typing import ClassVar

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import (
    BaseSettings,
    EnvSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

from atelier.kit.retry import Backoff


class ServiceSettings(BaseSettings):
    service: ClassVar[str] = "service"

    model_config = SettingsConfigDict(extra="ignore")

    # the owner of the service's tables: ``setup`` migrates as it. The service itself connects
    # to the same database as ``database_role`` (by default atelier_<service>; empty: as
    # database_url's own user), which ``setup`` creates when missing and grants the rows of the
    # service's tables, not their ownership: so row-level security walls off each brand's rows
    database_url: str = "postgresql+asyncpg://postgres@127.0.0.1:5432/atelier"
    database_role: str | None = Field(default=None, validate_default=True)
    database_role_password: SecretStr | None = Field(
        default=None, description="needed unless the server trusts the role (local Postgres)"
    )
    nats_url: str = "nats://127.0.0.1:4222"
    bus_namespace: str = Field(
        default="", pattern=r"^[a-z0-9]*$", description="prefix of every subject and stream"
    )
    http_host: str = "127.0.0.1"
    http_port: int = 8000
    ops_host: str = Field(
        default="127.0.0.1", description="the address the operational listener binds (ops_port)"
    )
    ops_port: int | None = Field(
        default=None,
        description="the port of /health/live, /health/ready, /metrics and /schema, which the "
        "listener on http_port then refuses (404): services with public routes set it; unset, "
        "http_port serves them (a port that is internal already)",
    )
    http_header_timeout_s: float = Field(
        default=10.0, gt=0,
        description="a client that has not sent a request's whole head (request line and "
        "headers) within this time is disconnected; the same bounds an idle keep-alive connection",
    )
    http_body_timeout_s: float = Field(
        default=30.0, gt=0,
        description="a client that has not sent a request's whole body within this time of the "
        "app asking for it gets 408 and its connection closed",
    )
    log_level: str = "INFO"
    log_json: bool = True
    # object storage: "local" (a directory, the embedded default) or "s3" (MinIO, S3, R2, GCS)
    storage_backend: str = "local"
    storage_dir: str = "var/objects"
    s3_endpoint: str = "127.0.0.1:9000"
    s3_access_key: str = "minioadmin"
    s3_secret_key: str = "minioadmin"
    s3_bucket: str = "atelier"
    s3_secure: bool = False
    s3_region: str = "us-east-1"
    # delivery: JetStream AckWait and the retry schedule of events. A consumer's message is
    # tried max_deliver times, an outbox row outbox_max_attempts times, the waits doubling from
    # retry_base_delay_s up to retry_max_delay_s: by default 1 s, 2 s … 64 s, then 2 min, about
    # 18 minutes in all, so that an outage of the database, NATS or the object store of 15
    # minutes loses nothing (a test holds the defaults to it)
    ack_wait_s: float = Field(default=30.0, gt=0)
    max_deliver: int = Field(default=16, ge=2)
    retry_base_delay_s: float = Field(default=1.0, gt=0)
    retry_max_delay_s: float = Field(default=120.0, gt=0)
    outbox_max_attempts: int = Field(
        default=16, ge=1,
        description="publications of an outbox row the broker refuses before it is parked "
        "(listed and retried with `dlq`); an unreachable NATS counts against no row",
    )
    handler_timeout_s: float = Field(
        default=120.0, gt=0,
        description="a consumer's handler running longer is cut off, rolled back and retried",
    )
    rpc_concurrency: int = Field(default=64, ge=1, description="rpc requests handled at once")
    rpc_queue_limit: int = Field(
        default=256, ge=0,
        description="rpc requests waiting for a slot; beyond it a request is refused at once "
        "with 'unavailable' and a retry hint, rather than left to time out",
    )
    rpc_call_timeout_s: float = Field(
        default=5.0, gt=0, description="how long a caller waits for an rpc answer (a command is "
        "sent once more, under its request key, when it gets none)",
    )
    rpc_handler_timeout_s: float = Field(
        default=10.0, gt=0, description="an rpc handler running longer answers 'unavailable'"
    )
    outbox_poll_s: float = Field(default=2.0, gt=0, description="fallback poll; NOTIFY wakes it")
    gc_freeze: bool = Field(
        default=True, description="exempt start-up objects from garbage collection (servers)"
    )
    gc_young_threshold: int = Field(
        default=50_000, ge=700,
        description="allocations between collections of the young generation (Python's 700 "
        "collects several times per request on the hot path)",
    )
    # NATS credentials: none for a development server without authentication; a server run with
    # deploy/nats/<environment>.conf has a user per service (atelier.devstack.nats_config)
    nats_user: str | None = None
    nats_password: SecretStr | None = None
    nats_nkey_seed: SecretStr | None = Field(
        default=None, description="the user's nkey seed (SU…), instead of a user and password"
    )
    # housekeeping: how long rows that served their purpose are kept
    housekeeping_interval_s: float = Field(default=3600.0, gt=0)
    outbox_retention_h: float = Field(default=168.0, gt=0, description="published outbox rows")
    inbox_retention_h: float = Field(
        default=720.0, ge=72,
        description="inbox entries; longer than any redelivery (Stripe retries for 3 days)",
    )
    request_key_retention_h: float = Field(
        default=72.0, ge=24,
        description="answers kept for retried rpc commands; at least the gateway's "
        "Idempotency-Key retention",
    )
    orphan_grace_h: float = Field(
        default=1.0, gt=0,
        description="age past which a stored object no row refers to is an orphan and deleted; "
        "far longer than any upload or render takes from storing it to committing its row",
    )
    # telemetry
    consumer_lag_interval_s: float = Field(
        default=15.0, gt=0, description="how often the consumers' queue lag is read for /metrics"
    )
    otlp_endpoint: str | None = None
    trace_sample_ratio: float = Field(
        default=1.0, ge=0, le=1, description="share of new traces recorded (with an endpoint)"
    )
    # the process
    run_relay: bool = True
    run_housekeeping: bool = True

    @field_validator("database_role")
    @classmethod
    def _role_of_the_service(cls, role: str | None) -> str:
        return f"atelier_{cls.service}" if role is None else role

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        own = EnvSettingsSource(settings_cls, env_prefix=f"ATELIER_{cls.service.upper()}_")
        shared = EnvSettingsSource(settings_cls, env_prefix="ATELIER_")
        return (init_settings, own, shared)

    @property
    def database_schema(self) -> str:
        """The Postgres schema this service owns."""
        return self.service

    @property
    def delivery_backoff(self) -> Backoff:
        """When a consumer's message comes back after a transient failure."""
        return Backoff(self.retry_base_delay_s, self.retry_max_delay_s, self.max_deliver)

    @property
    def outbox_backoff(self) -> Backoff:
        """When the relay tries again an outbox row the broker refused."""
        return Backoff(self.retry_base_delay_s, self.retry_max_delay_s, self.outbox_max_attempts)


def settings_class(service: str) -> type[ServiceSettings]:
    """The settings class of ``atelier.<service>`` (for tools that handle every service)."""
    module = importlib.import_module(f"atelier.{service}.settings")
    return next(
        v for v in vars(module).values()
        if isinstance(v, type) and issubclass(v, ServiceSettings) and v is not ServiceSettings
    )
