from datetime import datetime

from sqlalchemy import Column, DateTime, MetaData, Text, func
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel


class Base(SQLModel, registry=registry(metadata=MetaData(schema="spec"))):
    """Every table of this service, in its own Postgres schema."""


class DesignSpecRow(Base, table=True):
    """One distinct design of one brand; never updated (content-addressed)."""

    __tablename__ = "design_specs"

    brand_id: str = Field(primary_key=True, max_length=64)
    spec_hash: str = Field(primary_key=True, max_length=64)
    spec_version: int
    product_id: str = Field(max_length=64, index=True)
    template_version: int
    canonical_json: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime | None = Field(
        default=None,
        sa_column=Column(DateTime(timezone=True), nullable=False, server_default=func.now()),
    )
