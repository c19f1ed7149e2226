import secrets
from pathlib import Path
from typing import ClassVar

from pydantic import Field, SecretStr

from atelier.kit.settings import ServiceSettings

# services/gateway/src/atelier/gateway/settings.py -> the repository, where the widget is built
REPOSITORY = Path(__file__).resolve().parents[5]


class GatewaySettings(ServiceSettings):
    service: ClassVar[str] = "gateway"
    http_port: int = 8000
    ops_port: int | None = 8100  # health, metrics and /schema: not on the public port
    platform_token: SecretStr | None = Field(
        default=None,
        description="operator token for /v1/platform; unset, the platform endpoints answer 404",
    )
    request_max_body_size: int = Field(default=64 * 1024, gt=0, description="bytes")
    idempotency_claim_timeout_s: float = Field(
        default=60.0,
        gt=0,
        description="an unanswered claim of an Idempotency-Key older than this is taken over "
        "(its request died with the process)",
    )
    idempotency_retention_h: float = Field(
        default=24.0, gt=0,
        description="how long an Idempotency-Key is remembered; later, the key is a new request",
    )
    # brand users' JWTs on the admin API (see ``tokens``): a shared secret, a JWKS URL, or both
    admin_jwt_secret: SecretStr | None = Field(default=None, description="HS256 (Supabase)")
    admin_jwks_url: str | None = Field(default=None, description="RS256/ES256/EdDSA keys")
    admin_jwt_audience: str = "authenticated"
    admin_jwt_issuer: str | None = None
    admin_jwks_ttl_s: float = Field(default=600.0, gt=0)
    # rate limits (DESIGN §8), per gateway process; a rate of 0 turns a limit off
    rate_per_address_per_s: float = Field(default=20.0, ge=0, description="requests a second")
    burst_per_address: int = Field(default=60, ge=1)
    rate_per_key_per_s: float = Field(
        default=1000.0, ge=0, description="requests a second, all of a brand's shoppers together"
    )
    burst_per_key: int = Field(default=2000, ge=1)
    trusted_proxies: list[str] = Field(
        default=["127.0.0.1", "::1"],
        description="peers whose X-Forwarded-For names the client (our balancer, never a client)",
    )
    cors_max_age_s: int = Field(default=600, ge=0, description="how long browsers keep a preflight")
    events_limit_s: float = Field(
        default=300.0, gt=0, description="how long a server-sent event stream of a render's "
        "status stays open at most (the browser reconnects, and gets the status first)",
    )
    events_keepalive_s: float = Field(
        default=15.0, gt=0, description="a comment on a quiet event stream this often (proxies "
        "close idle connections), and the status asked again (an event missed while NATS was "
        "away)",
    )
    download_secret: SecretStr = Field(
        default_factory=lambda: SecretStr(secrets.token_hex(32)),
        description="signs the gateway's download links to private objects (bundles) when the "
        "object store has no signed URLs of its own (the local directory); unset, a random "
        "one per process: set the same on every gateway replica",
    )
    download_ttl_s: int = Field(default=300, ge=10, le=7 * 24 * 3600,
                                description="how long a download link to a bundle works")
    key_cache_ttl_s: float = Field(
        default=30.0, gt=0, description="how long a resolved API key is trusted without a lookup: "
        "a revoked key stops working within this time",
    )
    widget_dir: Path = Field(
        default=REPOSITORY / "widget" / "dist",
        description="the widget's build (manifest.json and the files it lists), served under "
        "/widget/<version>/",
    )
    widget_previous_dirs: list[Path] = Field(
        default=[], description="earlier builds still served under their versions (a "
        "deployment keeps the previous release's build here, for pages loaded before it)",
    )
