"""Rules of snapshots: their lifecycle and the meaning of a request key. Pure: no I/O, no
framework."""

from enum import StrEnum

from atelier.contracts import ErrorCode, ErrorItem
from atelier.contracts.canonical import SpecInvalid, canonicalize
from atelier.contracts.snapshot import SnapshotStatus
from atelier.contracts.spec import DesignSpec


class Action(StrEnum):
    VALIDATE = "validate"
    LOCK = "lock"


# The whole lifecycle: a pair not listed here is refused. The database trigger of the first
# migration enforces the same edges, whoever holds a connection.
LIFECYCLE: dict[tuple[SnapshotStatus, Action], SnapshotStatus] = {
    (SnapshotStatus.CREATED, Action.VALIDATE): SnapshotStatus.VALIDATED,
    (SnapshotStatus.CREATED, Action.LOCK): SnapshotStatus.LOCKED,
    (SnapshotStatus.VALIDATED, Action.LOCK): SnapshotStatus.LOCKED,
}
PAST = {Action.VALIDATE: "validated", Action.LOCK: "locked"}


class IllegalTransition(Exception):
    def __init__(self, current: SnapshotStatus, action: Action) -> None:
        message = f"A {current.value} snapshot cannot be {PAST[action]}."
        super().__init__(message)
        self.error = ErrorItem(field="status", code=ErrorCode.INVALID_TRANSITION, message=message)


def next_status(current: SnapshotStatus, action: Action) -> SnapshotStatus:
    try:
        return LIFECYCLE[(current, action)]
    except KeyError:
        raise IllegalTransition(current, action) from None


def spec_hash_errors(spec: DesignSpec, spec_hash: str) -> list[ErrorItem]:
    """A snapshot freezes a spec under its hash, which orders and production files use to name
    it: the two must agree, whoever sent them."""
    try:
        actual = canonicalize(spec).hash
    except SpecInvalid as exc:
        return exc.errors
    if actual == spec_hash:
        return []
    return [ErrorItem(field="spec_hash", code=ErrorCode.SPEC_HASH_MISMATCH,
                      message=f"The spec hashes to {actual}, not {spec_hash}.")]
