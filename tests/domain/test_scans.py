"""Scan events replay to one parcel state, whatever order and however often they arrive."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from doorstep.domain.errors import InvalidValue
from doorstep.domain.order_status import OrderStatus as S
from doorstep.domain.scans import (
    FailReason,
    ParcelState,
    ScanEvent,
    ScanKind,
    extend,
    order_status,
    replay,
)
from doorstep.domain.sorting import Assignment

T0 = datetime(2026, 11, 21, 6, 0, tzinfo=UTC)
K = ScanKind
MIN = timedelta(minutes=1)


def scan(n: int, kind: ScanKind, minute: int, barcode: str = "P1", **extra: object) -> ScanEvent:
    fields: dict[str, object] = {
        K.SORT: {"lane": "A3"},
        K.LOAD: {"vehicle_id": "veh_1"},
        K.FAIL: {"reason": FailReason.RECIPIENT_ABSENT},
    }.get(kind, {})
    return ScanEvent(
        id=f"evt-{barcode}-{n:04d}",
        organisation_id="org_1",
        kind=kind,
        barcode=barcode,
        device_time=T0 + timedelta(minutes=minute),
        server_time=T0 + timedelta(hours=12),
        actor_id="usr_1",
        **(fields | extra),  # type: ignore[arg-type]
    )


def day_of(barcode: str, kinds: list[ScanKind]) -> list[ScanEvent]:
    return [scan(n, kind, 10 * n, barcode) for n, kind in enumerate(kinds)]


DELIVERED = [K.RECEIVE, K.SORT, K.LOAD, K.DEPART, K.FAIL, K.DELIVER]
BACK = [K.RECEIVE, K.SORT, K.LOAD, K.DEPART, K.FAIL, K.RECEIVE, K.DAMAGED]
UNLOADED = [K.RECEIVE, K.SORT, K.LOAD, K.UNLOAD, K.SORT]


def test_a_days_scans_take_the_parcel_through_its_states() -> None:
    """Received, sorted, loaded, out, one failed attempt, delivered; where it was on the way."""
    result = replay("P1", day_of("P1", DELIVERED))
    assert result.problems == {}
    assert result.state.status is S.DELIVERED
    assert (result.state.lane, result.state.vehicle_id) == ("A3", "veh_1")
    assert (result.state.attempts, result.state.last_reason) == (1, FailReason.RECIPIENT_ABSENT)
    assert result.state.last_event_at == T0 + timedelta(minutes=50)


def test_a_parcel_brought_back_is_received_again_and_off_the_van() -> None:
    result = replay("P1", day_of("P1", BACK))
    assert result.state.status is S.RECEIVED
    assert (result.state.vehicle_id, result.state.damaged) == ("", True)


def test_an_impossible_scan_is_kept_with_the_reason_and_changes_nothing() -> None:
    """A delivery of a parcel never loaded: the state stays, the event says why."""
    events = [*day_of("P1", [K.RECEIVE, K.SORT]), scan(9, K.DELIVER, 60)]
    result = replay("P1", events)
    assert result.state.status is S.SORTED
    problem = result.problems["evt-P1-0009"]
    assert "deliver scan cannot apply to a parcel that is sorted" in problem
    assert "failed_attempt, handed_off, out_for_delivery" in problem


def test_a_late_scan_slots_into_place_and_the_problem_goes() -> None:
    """The load and departure arrive after the delivery (no signal in the basement)."""
    early = [scan(0, K.RECEIVE, 0), scan(1, K.SORT, 10), scan(4, K.DELIVER, 40)]
    assert replay("P1", early).problems
    late = [scan(2, K.LOAD, 20), scan(3, K.DEPART, 30)]
    result = replay("P1", early + late)
    assert (result.state.status, result.problems) == (S.DELIVERED, {})


def test_scans_at_the_same_instant_apply_in_the_order_the_work_happens() -> None:
    """A handheld that stamps whole seconds: receive, sort and load in one second still work."""
    same = [scan(3, K.LOAD, 0), scan(1, K.RECEIVE, 0), scan(2, K.SORT, 0)]
    assert replay("P1", same).state.status is S.LOADED


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"id": "short"}, "id"),
        ({"device_time": datetime(2026, 11, 21, 9, 0)}, "device_time"),
        ({"kind": K.SORT, "lane": ""}, "lane"),
        ({"kind": K.LOAD, "vehicle_id": ""}, "vehicle_id"),
        ({"kind": K.FAIL, "reason": None}, "reason"),
    ],
)
def test_an_event_missing_what_it_needs_names_the_field(
    change: dict[str, object], field: str
) -> None:
    fields = {
        "id": "evt-00000001",
        "organisation_id": "org_1",
        "kind": K.RECEIVE,
        "barcode": "P1",
        "device_time": T0,
        "server_time": T0,
        "actor_id": "usr_1",
    }
    with pytest.raises(InvalidValue) as raised:
        ScanEvent(**(fields | change))  # type: ignore[arg-type]
    assert raised.value.field == field


def test_the_same_id_with_other_content_has_another_fingerprint() -> None:
    a = scan(1, K.SORT, 0)
    assert a.fingerprint == scan(1, K.SORT, 0).fingerprint
    assert a.fingerprint != scan(1, K.SORT, 0, lane="B1").fingerprint
    assert a.fingerprint != scan(1, K.SORT, 1).fingerprint


def test_an_order_stands_where_its_least_advanced_parcel_stands() -> None:
    states = [ParcelState("P1", S.DELIVERED), ParcelState("P2", S.OUT_FOR_DELIVERY)]
    assert order_status(states) is S.OUT_FOR_DELIVERY
    assert order_status([ParcelState("P1", S.DELIVERED)] * 2) is S.DELIVERED
    assert order_status([]) is None


# A day's valid streams for a few parcels, with an impossible event thrown in, so the property
# covers problems as well as applied events.
_DAYS = st.sampled_from([DELIVERED, BACK, UNLOADED, DELIVERED[:3]])


@st.composite
def arrivals(draw: st.DrawFn) -> tuple[list[ScanEvent], list[ScanEvent]]:
    """A day's events, and the same events arriving shuffled with some sent more than once."""
    events = [e for n in range(3) for e in day_of(f"P{n}", draw(_DAYS))]
    events.append(scan(99, K.DELIVER, 5, "P0"))  # before P0 left: a problem either way
    copies = draw(st.lists(st.sampled_from(events), max_size=len(events)))
    arrived = draw(st.permutations(events + copies))
    return events, arrived


@given(arrivals())
def test_any_order_and_any_duplication_of_a_days_events_gives_the_same_states(
    pair: tuple[list[ScanEvent], list[ScanEvent]],
) -> None:
    events, arrived = pair
    for barcode in ("P0", "P1", "P2"):
        want = replay(barcode, [e for e in events if e.barcode == barcode])
        got = replay(barcode, [e for e in arrived if e.barcode == barcode])
        assert got == want


def test_later_events_carry_the_state_on_an_earlier_one_asks_for_a_whole_replay() -> None:
    """extend gives what replaying everything gives, or None when an event slots in earlier."""
    events = day_of("P1", DELIVERED)
    head = replay("P1", events[:3])
    carried = extend(head.state, events[3:])
    assert carried is not None
    assert (carried.state, carried.whole) == (replay("P1", events).state, False)
    assert extend(head.state, [events[1]]) is None
    # A delivery that could not apply still counts as replayed: the load scan that arrives
    # later but happened before it must go through a whole replay, which then applies both.
    stuck = replay("P1", [*events[:2], scan(9, K.DELIVER, 25)])
    assert stuck.problems
    assert extend(stuck.state, events[2:3]) is None


def test_a_sort_to_another_lane_is_refused_naming_the_right_one() -> None:
    """Against the published sort plan: a mis-sort and a mis-load do not apply."""
    plan = Assignment("P1", "ord_1", "veh_1", "L03", 7, 2)
    wrong = [scan(0, K.RECEIVE, 0), scan(1, K.SORT, 10, lane="L05")]
    result = replay("P1", wrong, plan)
    assert result.state.status is S.RECEIVED
    assert (
        "mis-sort: this parcel belongs in lane L03 (stop 7), not L05"
        in result.problems["evt-P1-0001"]
    )
    right = [*wrong, scan(2, K.SORT, 11, lane="L03"), scan(3, K.LOAD, 20, vehicle_id="veh_9")]
    result = replay("P1", right, plan)
    assert result.state.status is S.SORTED
    assert result.problems["evt-P1-0003"] == (
        "mis-load: this parcel belongs on vehicle veh_1 (lane L03), not vehicle veh_9; take it off"
    )
    # With the names people know the vans by; a vehicle of no name keeps its id.
    named = replay("P1", right, plan, {"veh_1": "Van 1", "veh_9": "Van 9"})
    assert named.problems["evt-P1-0003"] == (
        "mis-load: this parcel belongs on Van 1 (lane L03), not Van 9; take it off"
    )
    half = replay("P1", right, plan, {"veh_1": "Van 1"})
    assert half.problems["evt-P1-0003"] == (
        "mis-load: this parcel belongs on Van 1 (lane L03), not vehicle veh_9; take it off"
    )
    assert replay("P1", wrong).problems == {}  # no published plan: any lane will do


def test_a_parcel_brought_back_without_a_failure_starts_a_new_trip() -> None:
    """Towed back on a broken-down van: no failed attempt, but a new trip. The plan made for
    that trip judges its sort (L02 is right now), never the morning's sort to L03."""
    out = [scan(0, K.RECEIVE, 0), scan(1, K.SORT, 10, lane="L03"), scan(2, K.LOAD, 20)]
    out += [scan(3, K.DEPART, 30), scan(4, K.RECEIVE, 90), scan(5, K.SORT, 100, lane="L02")]
    new_plan = Assignment("P1", "ord_1", "veh_2", "L02", 4, 1, attempt=1)
    result = replay("P1", out, new_plan)
    assert result.problems == {}
    assert (result.state.status, result.state.trips, result.state.attempts) == (S.SORTED, 1, 0)
    old_plan = Assignment("P1", "ord_1", "veh_1", "L03", 7, 2)  # trip 0's: not judged again
    assert replay("P1", out, old_plan).problems == {}
    assert replay("P1", day_of("P1", BACK)).state.trips == 1  # a failure brought back too


def test_arriving_marks_the_stop_until_the_parcel_is_delivered_or_failed() -> None:
    day = day_of("P1", [K.RECEIVE, K.SORT, K.LOAD, K.DEPART])
    there = replay("P1", [*day, scan(10, K.ARRIVE, 50)])
    assert (there.state.status, there.state.arrived_at) == (S.OUT_FOR_DELIVERY, T0 + 50 * MIN)
    gone = replay("P1", [*day, scan(10, K.ARRIVE, 50), scan(11, K.DELIVER, 55)])
    assert gone.state.arrived_at is None
    assert replay("P1", [scan(10, K.ARRIVE, 50)]).problems  # not out for delivery
