"""Rules of snapshots: their lifecycle and the meaning of a request key. Pure: no I/O, no
framework."""

from enum import StrEnum

from atelier.contracts import ErrorCode, ErrorItem
from atelier.contracts.snapshot import SnapshotStatus


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
