"""A cancelled hand-off, replayed: the parcel stands where it stood before the hand-off, in
whatever order the scans arrive, and a cancel is not a receive."""

from __future__ import annotations

from dataclasses import replace
from itertools import permutations

import pytest

from doorstep.domain.kpis import scan_compliance
from doorstep.domain.order_status import OrderStatus as S
from doorstep.domain.scans import ParcelState, ScanKind, extend, replay
from tests.domain.test_scans import T0, scan

K = ScanKind


@pytest.mark.parametrize(
    ("before", "expected"),
    [
        ([], S.READY),  # announced, never at the station
        ([K.RECEIVE], S.RECEIVED),
        ([K.RECEIVE, K.SORT], S.SORTED),
    ],
)
def test_a_cancel_restores_where_the_parcel_stood(before: list[ScanKind], expected: S) -> None:
    events = [scan(n, kind, n) for n, kind in enumerate(before)]
    handed = scan(10, K.HAND_OFF, 20)
    picked = scan(11, K.HAND_OFF, 25)  # the partner's picked_up: a hand-off scan too
    cancel = scan(12, K.HAND_OFF_CANCEL, 30)
    result = replay("P1", [*events, handed, picked, cancel])
    assert result.problems == {}
    state = result.state
    assert (state.status, state.before_hand_off, state.trips) == (expected, None, 0)
    assert state.lane == ("A3" if K.SORT in before else "")
    # Every arrival order gives the same state, and so does carrying a state on.
    for shuffled in permutations([*events, handed, picked, cancel]):
        assert replay("P1", shuffled).state == state
    halfway = replay("P1", [*events, handed]).state
    assert halfway.before_hand_off is expected
    carried = extend(halfway, [cancel, picked])
    assert carried is not None
    assert replace(carried.state, replayed_to=None) == replace(state, replayed_to=None)


def test_at_the_same_instant_the_cancel_comes_after_the_hand_off() -> None:
    handed = scan(2, K.HAND_OFF, 5)
    cancel = scan(1, K.HAND_OFF_CANCEL, 5)  # a lower id, and the same device time
    assert replay("P1", [cancel, handed]).state.status is S.READY


def test_handed_off_again_after_a_cancel_and_cancelled_again() -> None:
    events = [
        scan(0, K.RECEIVE, 0),
        scan(1, K.HAND_OFF, 10),
        scan(2, K.HAND_OFF_CANCEL, 20),
        scan(3, K.SORT, 30),
        scan(4, K.HAND_OFF, 40),
    ]
    state = replay("P1", events).state
    assert (state.status, state.before_hand_off) == (S.HANDED_OFF, S.SORTED)
    again = replay("P1", [*events, scan(5, K.HAND_OFF_CANCEL, 50)]).state
    assert again.status is S.SORTED


def test_a_cancel_without_a_hand_off_does_not_apply() -> None:
    result = replay("P1", [scan(0, K.RECEIVE, 0), scan(1, K.HAND_OFF_CANCEL, 10)])
    assert result.state.status is S.RECEIVED
    assert result.problems["evt-P1-0001"].startswith(
        "a hand_off_cancel scan cannot apply to a parcel that is received"
    )


def test_a_parcel_handed_off_before_the_state_was_kept_comes_back_received() -> None:
    """Stored states of before migration 0013 know no ``before_hand_off``."""
    old = ParcelState("P1", S.HANDED_OFF, last_event_at=T0, replayed_to=(T0, 0, "evt-P1-0000"))
    carried = extend(old, [scan(1, K.HAND_OFF_CANCEL, 10)])
    assert carried is not None
    assert carried.state.status is S.RECEIVED


def test_a_delivery_moves_on_and_forgets_the_state_before() -> None:
    state = replay("P1", [scan(0, K.HAND_OFF, 0), scan(1, K.DELIVER, 10)]).state
    assert (state.status, state.before_hand_off) == (S.DELIVERED, None)


def test_a_cancel_is_no_station_scan_for_scan_compliance() -> None:
    """A ready parcel handed off and cancelled has not been received: a sort right after the
    cancel does not apply (a problem of the day), the station's receive does."""
    from datetime import timedelta

    from doorstep.domain.day_facts import DayFacts, OrderFacts, outcomes

    events = (
        scan(0, K.HAND_OFF, 0),
        scan(1, K.HAND_OFF_CANCEL, 10),
        scan(2, K.SORT, 15),
        scan(3, K.RECEIVE, 20),
        scan(4, K.SORT, 30),
        scan(5, K.LOAD, 40),
        scan(6, K.DEPART, 50),
        scan(7, K.DELIVER, 60),
    )
    assert set(replay("P1", events).problems) == {"evt-P1-0002"}
    start = T0.replace(hour=0)
    facts = DayFacts(
        T0.date(),
        start,
        start + timedelta(days=1),
        orders={"o1": OrderFacts("o1", ("P1",))},
        events=events,
    )
    full, problems = scan_compliance(outcomes(facts))
    assert (str(full), str(problems)) == ("1/1", "1/8")
