from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    ColumnElement,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    func,
    literal,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel

from atelier.contracts.spec import FONT_OBJECTS, PHOTO_OBJECTS


class Base(SQLModel, registry=registry(metadata=MetaData(schema="personalization"))):
    """Every table of this service, in its own Postgres schema."""


def server_timestamp() -> Any:
    """A timestamp column the database fills in."""
    return Field(
        default=None,
        sa_column=Column(DateTime(timezone=True), nullable=False, server_default=func.now()),
    )


class ProductRow(Base, table=True):
    """A brand's product; what a shopper personalizes is its current template."""

    __tablename__ = "products"

    id: str = Field(primary_key=True, max_length=64)
    brand_id: str = Field(max_length=64, index=True)
    name: str = Field(max_length=200)
    current_template_version: int
    created_at: datetime | None = server_timestamp()


class TemplateRow(Base, table=True):
    """One published version of a product's zones. Insert-only: a database trigger
    (``templates_immutable``, see the first migration) refuses UPDATE and DELETE."""

    __tablename__ = "templates"

    product_id: str = Field(
        sa_column=Column(
            String(64), ForeignKey("personalization.products.id"), primary_key=True
        )
    )
    version: int = Field(primary_key=True)
    brand_id: str = Field(max_length=64)
    # None: published before views existed (its zones are stacked on one view when read)
    views: list[dict[str, Any]] | None = Field(default=None, sa_column=Column(JSONB))
    zones: list[dict[str, Any]] = Field(sa_column=Column(JSONB, nullable=False))
    # None: the product has no 3D model
    model: dict[str, Any] | None = Field(default=None, sa_column=Column(JSONB))
    published_at: datetime | None = server_timestamp()


class FontRow(Base, table=True):
    """A font a brand uploaded; its bytes live in object storage under ``fonts/<sha256>``."""

    __tablename__ = "fonts"
    __table_args__ = (UniqueConstraint("brand_id", "sha256", name="fonts_brand_sha256"),)

    id: str = Field(primary_key=True, max_length=64)
    brand_id: str = Field(max_length=64)
    family: str = Field(max_length=200)
    sha256: str = Field(max_length=64)
    object_key: str = Field(max_length=255)
    size_bytes: int
    filename: str = Field(max_length=255)
    created_at: datetime | None = server_timestamp()


class PhotoRow(Base, table=True):
    """A product photo a brand uploaded; its bytes live in object storage under
    ``photos/<sha256>``, checked by the gateway before they were stored."""

    __tablename__ = "photos"

    brand_id: str = Field(primary_key=True, max_length=64)
    sha256: str = Field(primary_key=True, max_length=64)
    width_px: int
    height_px: int
    content_type: str = Field(max_length=32)
    size_bytes: int
    created_at: datetime | None = server_timestamp()


class ModelRow(Base, table=True):
    """A 3D model (GLB) a brand uploaded; its bytes live in object storage under
    ``models/<sha256>``, checked by the gateway before they were stored."""

    __tablename__ = "models"

    brand_id: str = Field(primary_key=True, max_length=64)
    sha256: str = Field(primary_key=True, max_length=64)
    size_bytes: int
    triangles: int
    created_at: datetime | None = server_timestamp()


class WordListRow(Base, table=True):
    """A brand's word rules (``atelier.contracts.personalization.WordList``)."""

    __tablename__ = "word_lists"

    brand_id: str = Field(primary_key=True, max_length=64)
    blocked: list[str] = Field(sa_column=Column(ARRAY(Text), nullable=False))
    review: list[str] = Field(sa_column=Column(ARRAY(Text), nullable=False))
    allowed: list[str] = Field(sa_column=Column(ARRAY(Text), nullable=False))
    defaults: list[str] = Field(sa_column=Column(ARRAY(Text), nullable=False))
    removed: list[str] = Field(sa_column=Column(ARRAY(Text), nullable=False))
    substitutions: list[str] = Field(sa_column=Column(ARRAY(Text), nullable=False))
    message: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    updated_at: datetime | None = server_timestamp()


class WidgetEventRow(Base, table=True):
    """One thing a shopper's widget did (``atelier.contracts.analytics.WidgetEvent``), as the
    gateway received it. Insert-only; deleted past ``analytics_retention_days``."""

    __tablename__ = "widget_events"
    # the funnel's reads, answered from the indexes alone; housekeeping's, by age (migration 0007)
    __table_args__ = (
        Index("widget_events_product_funnel", "brand_id", "product_id", "received_at",
              postgresql_include=["session_id", "name"]),
        Index("widget_events_brand_funnel", "brand_id", "received_at",
              postgresql_include=["session_id", "name"]),
        Index("widget_events_received_at", "received_at", postgresql_using="brin"),
    )

    brand_id: str = Field(primary_key=True, max_length=64)
    id: int | None = Field(default=None, sa_column=Column(BigInteger, Identity(),
                                                          primary_key=True))
    product_id: str = Field(max_length=64)
    session_id: str = Field(max_length=64)
    name: str = Field(max_length=32)
    occurred_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    received_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    props: dict[str, Any] = Field(sa_column=Column(JSONB, nullable=False))


def stored_objects() -> dict[str, ColumnElement[str]]:
    """What the service's rows name in the object store, by prefix: the fonts and photos the
    gateway stored for it (housekeeping deletes the objects under these that no row names)."""
    fonts, photos = FontRow.__table__.c, PhotoRow.__table__.c  # type: ignore[attr-defined]
    return {FONT_OBJECTS: fonts.object_key,
            PHOTO_OBJECTS: literal(PHOTO_OBJECTS, String) + photos.sha256}
