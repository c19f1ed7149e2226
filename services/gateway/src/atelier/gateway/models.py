"""The gateway's tables: brands, their API keys (hashed), and Idempotency-Key records."""

from datetime import datetime

from sqlalchemy import (
    ARRAY,
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    MetaData,
    String,
    Text,
    func,
)
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel


class Base(SQLModel, registry=registry(metadata=MetaData(schema="gateway"))):
    """Every table of this service, in its own Postgres schema."""


def _timestamp(nullable: bool = False) -> Column:
    return Column(
        DateTime(timezone=True),
        nullable=nullable,
        server_default=None if nullable else func.now(),
    )


class BrandRow(Base, table=True):
    __tablename__ = "brands"

    id: str = Field(primary_key=True, max_length=64)
    name: str = Field(max_length=200)
    allowed_origins: list[str] = Field(sa_column=Column(ARRAY(Text), nullable=False))
    created_at: datetime | None = Field(default=None, sa_column=_timestamp())


class ApiKeyRow(Base, table=True):
    """Only the SHA-256 of a key is stored; the key itself is shown once, when it is made."""

    __tablename__ = "api_keys"
    __table_args__ = (
        CheckConstraint("kind IN ('publishable', 'secret')", name="api_keys_kind"),
    )

    id: str = Field(primary_key=True, max_length=64)
    brand_id: str = Field(
        sa_column=Column(String(64), ForeignKey("gateway.brands.id"), nullable=False, index=True)
    )
    kind: str = Field(max_length=16)
    key_prefix: str = Field(max_length=12)
    key_hash: str = Field(max_length=64, unique=True)
    created_at: datetime | None = Field(default=None, sa_column=_timestamp())
    revoked_at: datetime | None = Field(default=None, sa_column=_timestamp(nullable=True))


class IdempotencyRow(Base, table=True):
    """An Idempotency-Key of a brand; ``status_code`` is NULL while its request is in flight."""

    __tablename__ = "idempotency_keys"

    brand_id: str = Field(primary_key=True, max_length=64)
    key: str = Field(primary_key=True, max_length=255)
    request_hash: str = Field(max_length=64)
    status_code: int | None = None
    response_body: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    created_at: datetime | None = Field(default=None, sa_column=_timestamp())
