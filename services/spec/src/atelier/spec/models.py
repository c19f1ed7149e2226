from datetime import datetime

from sqlalchemy import Column, DateTime, Text, func
from sqlmodel import Field

from atelier.kit.db import model_base

Base = model_base("spec")


class DesignSpecRow(Base, table=True):  # type: ignore[call-arg]
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
