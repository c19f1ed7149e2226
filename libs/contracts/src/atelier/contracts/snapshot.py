"""Immutable snapshots of a design, referenced by cart lines and order items."""

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel

from atelier.contracts.spec import DesignSpec


class SnapshotStatus(StrEnum):
    CREATED = "created"
    VALIDATED = "validated"
    LOCKED = "locked"


class CreateSnapshot(BaseModel):
    spec_hash: str
    spec: DesignSpec


class GetSnapshot(BaseModel):
    snapshot_id: str


class SnapshotView(BaseModel):
    id: str
    product_id: str
    spec_hash: str
    template_version: int
    status: SnapshotStatus
    created_at: datetime


class SnapshotCreated(BaseModel):
    snapshot_id: str
    spec_hash: str
    spec: DesignSpec
