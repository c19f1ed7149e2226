"""The lifecycle as a pure state machine: every (state, action) pair, exhaustively."""

import pytest

from atelier.contracts import ErrorCode
from atelier.contracts.snapshot import SnapshotStatus
from atelier.snapshot import domain
from atelier.snapshot.domain import Action

CREATED, VALIDATED, LOCKED = SnapshotStatus


@pytest.mark.parametrize(
    ("current", "action", "outcome"),
    [
        (CREATED, Action.VALIDATE, VALIDATED),
        (CREATED, Action.LOCK, LOCKED),
        (VALIDATED, Action.LOCK, LOCKED),
        (VALIDATED, Action.VALIDATE, "A validated snapshot cannot be validated."),
        (LOCKED, Action.VALIDATE, "A locked snapshot cannot be validated."),
        (LOCKED, Action.LOCK, "A locked snapshot cannot be locked."),
    ],
)
def test_each_state_and_action(current, action, outcome) -> None:
    if isinstance(outcome, SnapshotStatus):
        assert domain.next_status(current, action) == outcome
        return
    with pytest.raises(domain.IllegalTransition) as refused:
        domain.next_status(current, action)
    assert (refused.value.error.field, refused.value.error.code, refused.value.error.message) == (
        "status", ErrorCode.INVALID_TRANSITION, outcome
    )
