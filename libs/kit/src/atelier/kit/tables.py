"""The kit's own tables, in the schema of every service that uses it: the outbox, the inbox and
the request keys. Their history is the kit's (``atelier/kit/history``, version table
``kit_alembic_version``), applied by every service's setup before the service's own migrations,
so no service copies them."""

from dataclasses import dataclass

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Identity,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB

OUTBOX_PENDING = "outbox_pending"
OUTBOX_PARKED = "outbox_parked"
INBOX_BY_AGE = "inbox_received_at"
REQUEST_KEYS_BY_AGE = "request_keys_created_at"


@dataclass(frozen=True)
class KitTables:
    outbox: Table
    inbox: Table
    request_keys: Table

    @property
    def metadata(self) -> MetaData:
        return self.outbox.metadata


def kit_tables(schema: str) -> KitTables:
    """The kit's tables as they are at the head of its history, in ``schema``."""
    metadata = MetaData(schema=schema)
    outbox = Table(
        "outbox",
        metadata,
        Column("seq", BigInteger, Identity(), primary_key=True),
        Column("message_id", String(64), nullable=False, unique=True),
        Column("subject", String(255), nullable=False),
        Column("payload", LargeBinary, nullable=False),
        Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
        Column("published_at", DateTime(timezone=True)),
        # publications the broker refused, and the last reason
        Column("attempts", Integer, nullable=False, server_default="0"),
        Column("last_error", Text),
        # the emitter's trace context (W3C traceparent/tracestate), so that the trace goes on
        # through the relay to every consumer
        Column("trace_headers", JSONB, nullable=False, server_default="{}"),
        # after a refusal, not before (NULL: at once); after the last attempt, parked: left for
        # a person (`dlq list`, `dlq retry-outbox`) instead of blocking the rows behind it
        Column("next_attempt_at", DateTime(timezone=True)),
        Column("parked_at", DateTime(timezone=True)),
        # the relay's queries read only these small indexes, however many rows were published
        Index(OUTBOX_PENDING, "seq",
              postgresql_where=text("published_at IS NULL AND parked_at IS NULL")),
        Index(OUTBOX_PARKED, "seq", postgresql_where=text("parked_at IS NOT NULL")),
    )
    inbox = Table(
        "inbox",
        metadata,
        Column("consumer", String(128), nullable=False),
        Column("message_id", String(64), nullable=False),
        Column("received_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
        PrimaryKeyConstraint("consumer", "message_id"),
        Index(INBOX_BY_AGE, "received_at"),  # housekeeping finds the old entries
    )
    request_keys = Table(
        "request_keys",
        metadata,
        # the rpc method (its subject without namespace), the caller's brand and its key, which
        # names one request: the caller binds it to the request's content (the gateway derives
        # it from the client's Idempotency-Key and the request's hash)
        Column("method", String(255), nullable=False),
        Column("brand_id", String(64), nullable=False),
        Column("request_key", String(255), nullable=False),
        # the serialized reply, sent again byte for byte to a retry
        Column("reply", LargeBinary),
        Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
        PrimaryKeyConstraint("method", "brand_id", "request_key"),
        Index(REQUEST_KEYS_BY_AGE, "created_at"),
    )
    return KitTables(outbox, inbox, request_keys)
