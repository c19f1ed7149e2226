"""Immutable snapshots of a design, referenced by cart lines and order items.

Lifecycle: ``created`` → ``validated`` (a brand user approved it) → ``locked`` (ordered), or
``created`` → ``locked`` directly. Nothing else: any other transition is refused (409), and a
locked snapshot can never change, which the database itself enforces.
"""

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, Field

from atelier.contracts.spec import AnySpec
from atelier.contracts.types import Id, Line


class SnapshotStatus(StrEnum):
    CREATED = "created"
    VALIDATED = "validated"
    LOCKED = "locked"


class Provenance(BaseModel):
    """Where a snapshot came from, recorded with it."""

    source: str = Field(description="widget | api")
    key_prefix: str | None = Field(default=None, description="the API key's visible prefix")
    origin: str | None = Field(default=None, description="the storefront origin, if any")
    user_agent: str | None = Field(default=None, max_length=500)
    correlation_id: str | None = None


class HeldWord(BaseModel):
    """A word of the design that the brand's word rules send to review (issue 16), recorded
    when the snapshot is created: an order item of a snapshot with any is held until a person
    releases it, before production."""

    zone: str = Field(max_length=64, description="the zone's key")
    entry: Line = Field(max_length=100, description="the entry of the word rules that matched")
    source: str = Field(max_length=16, description="brand, or the default list (en, fr)")
    position: int = Field(ge=0, le=10_000, description="grapheme index in the zone's text")
    matched: Line = Field(max_length=10_000, description="the text that matched")


class CreateSnapshot(BaseModel):
    """Freeze a resolved design (the rules engine's, never the client's). The snapshot service
    names it by its own hash of the spec's canonical form, and the spec service stores the spec
    from the ``snapshot.created`` event: one call creates both."""

    spec: AnySpec
    provenance: Provenance = Field(default_factory=lambda: Provenance(source="api"))
    review: list[HeldWord] = Field(
        default_factory=list, max_length=200,
        description="words for review the rules engine found in the design (the gateway's)")


class GetSnapshot(BaseModel):
    snapshot_id: Id


class ValidateSnapshot(BaseModel):
    snapshot_id: Id
    by: Line = Field(min_length=1, max_length=200, description="who approved it")


class LockSnapshot(BaseModel):
    snapshot_id: Id
    by: Line = Field(min_length=1, max_length=200)
    reason: Line = Field(min_length=1, max_length=500, description="e.g. order:<id>")


class SnapshotView(BaseModel):
    id: str
    product_id: str
    spec_hash: str
    template_version: int
    status: SnapshotStatus
    created_at: datetime
    provenance: Provenance | None = None
    review: list[HeldWord] = Field(
        default_factory=list, description="words for review: an order item of it is held")
    validated_at: datetime | None = None
    validated_by: str | None = None
    locked_at: datetime | None = None
    locked_by: str | None = None
    lock_reason: str | None = None


class SnapshotCreated(BaseModel):
    snapshot_id: str
    spec_hash: str
    spec: AnySpec


class SnapshotValidated(BaseModel):
    snapshot_id: str
    spec_hash: str
    by: str


class SnapshotLocked(BaseModel):
    snapshot_id: str
    spec_hash: str
    by: str
    reason: str
