from datetime import datetime
from typing import Any

from sqlalchemy import Column, DateTime, ForeignKey, String, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field

from atelier.kit.db import model_base
from atelier.kit.outbox import add_outbox_and_inbox

Base = model_base("personalization")


class ProductRow(Base, table=True):  # type: ignore[call-arg]
    """A brand's product; what a shopper personalizes is its current template."""

    __tablename__ = "products"

    id: str = Field(primary_key=True, max_length=64)
    brand_id: str = Field(max_length=64, index=True)
    name: str = Field(max_length=200)
    current_template_version: int
    created_at: datetime | None = Field(
        default=None,
        sa_column=Column(DateTime(timezone=True), nullable=False, server_default=func.now()),
    )


class TemplateRow(Base, table=True):  # type: ignore[call-arg]
    """One published version of a product's zones; never updated (a change is a new version)."""

    __tablename__ = "templates"

    product_id: str = Field(
        sa_column=Column(
            String(64), ForeignKey("personalization.products.id"), primary_key=True
        )
    )
    version: int = Field(primary_key=True)
    brand_id: str = Field(max_length=64)
    zones: list[dict[str, Any]] = Field(sa_column=Column(JSONB, nullable=False))
    published_at: datetime | None = Field(
        default=None,
        sa_column=Column(DateTime(timezone=True), nullable=False, server_default=func.now()),
    )


outbox, inbox = add_outbox_and_inbox(Base.metadata)
