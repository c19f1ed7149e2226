from datetime import datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    MetaData,
    Text,
    false,
    func,
)
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel


class Base(SQLModel, registry=registry(metadata=MetaData(schema="render"))):
    """Every table of this service, in its own Postgres schema."""


# a ready render always says where its object is and what it is
READY_HAS_OBJECT = (
    "status <> 'ready' OR (object_key IS NOT NULL AND content_type IS NOT NULL"
    " AND width_px IS NOT NULL AND height_px IS NOT NULL AND rendered_at IS NOT NULL)"
)


class RenderResult(Base, table=True):
    """One output (a kind and variant: the mockup of a view, say) of one brand's design:
    requested (pending), then ready or failed. A failure is
    for good when the design cannot be drawn; it is ``retryable`` when the render gave up after
    transient faults (the store was down, say): the next request of the design, or a replay of
    the dead-lettered job, tries again.

    The object itself is content-addressed (``renders/<spec_hash>/…``); the row is per brand so a
    brand only ever sees the renders it asked for.
    """

    __tablename__ = "render_results"
    __table_args__ = (
        CheckConstraint("status IN ('pending', 'ready', 'failed')", name="render_results_status"),
        CheckConstraint(READY_HAS_OBJECT, name="render_results_ready_has_object"),
    )

    brand_id: str = Field(primary_key=True, max_length=64)
    spec_hash: str = Field(primary_key=True, max_length=64)
    kind: str = Field(primary_key=True, max_length=32)
    variant: str = Field(primary_key=True, max_length=96)  # e.g. front.jpg (domain.variant)
    status: str = Field(max_length=16)
    object_key: str | None = Field(default=None, max_length=255)
    content_type: str | None = Field(default=None, max_length=64)
    width_px: int | None = None
    height_px: int | None = None
    reason: str | None = Field(default=None, sa_column=Column(Text))
    retryable: bool = Field(
        default=False, sa_column=Column(Boolean, nullable=False, server_default=false())
    )
    created_at: datetime | None = Field(
        default=None,
        sa_column=Column(DateTime(timezone=True), nullable=False, server_default=func.now()),
    )
    rendered_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True))
    )
