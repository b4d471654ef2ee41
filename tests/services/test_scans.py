"""Scan ingestion: every event stored once, parcels replayed, orders following their parcels."""

from __future__ import annotations

import itertools
from dataclasses import replace
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from doorstep.domain.accounts import Role
from doorstep.domain.errors import InvalidValue, PermissionDenied
from doorstep.domain.geo import Location
from doorstep.domain.order_status import OrderStatus as S
from doorstep.domain.orders import Address, Order
from doorstep.domain.scans import FailReason, ScanEvent, ScanKind, replay
from doorstep.services import orders, scans, stations
from doorstep.services.authorization import Principal
from doorstep.services.scans import IncomingScan, Outcome
from tests.services.conftest import T0, Ports, make_admin, order_fields, station_fields
from tests.services.fakes import FakeUnitOfWork

K = ScanKind
HERE = Location(60.17, 24.94)
EXTRA: dict[ScanKind, dict[str, object]] = {
    K.SORT: {"lane": "A3"},
    K.LOAD: {"vehicle_id": "veh_1"},
    K.FAIL: {"reason": FailReason.NO_ACCESS},
}


def event(n: int, kind: ScanKind, barcode: str, minute: int | None = None) -> IncomingScan:
    at = T0 + timedelta(minutes=10 * n if minute is None else minute)
    return IncomingScan(f"evt-{barcode}-{n:04d}", kind, barcode, at, **EXTRA.get(kind, {}))  # type: ignore[arg-type]


def day(barcode: str, *kinds: ScanKind) -> list[IncomingScan]:
    return [event(n, kind, barcode) for n, kind in enumerate(kinds)]


FULL_DAY = (K.RECEIVE, K.SORT, K.LOAD, K.DEPART, K.FAIL, K.DELIVER)


def ready_order(ports: Ports, admin: Principal, reference: str, *barcodes: str) -> Order:
    if not ports.uow.tables.stations:
        stations.add_station(admin, station_fields("HEL1"), uow=ports.uow, ids=ports.ids)
    address = Address(f"Main St {reference}, Helsinki")  # not a likely double of another
    fields = order_fields(reference, *barcodes, station_id="HEL1", location=HERE, address=address)
    order = orders.create_order(admin, fields, uow=ports.uow, clock=ports.clock, ids=ports.ids)
    assert order.status is S.READY
    return order


def send(ports: Ports, who: Principal, batch: list[IncomingScan]) -> scans.IngestReport:
    return scans.ingest(who, batch, uow=ports.uow, clock=ports.clock)


def stored(ports: Ports, order: Order) -> Order:
    return ports.uow.tables.orders[order.id]


def test_the_order_follows_its_parcels_scans_to_delivered(ports: Ports, admin: Principal) -> None:
    order = ready_order(ports, admin, "R-1", "P1")
    report = send(ports, admin, day("P1", *FULL_DAY))
    assert report.counts == {
        "stored": 6,
        "duplicate": 0,
        "conflict": 0,
        "rejected": 0,
        "problems": 0,
    }
    assert stored(ports, order).status is S.DELIVERED
    assert [r.parcel_status for r in report.results] == [S.DELIVERED] * 6
    assert stored(ports, order).history[-1].reason == "scans"


def test_resending_a_batch_changes_nothing(ports: Ports, admin: Principal) -> None:
    """A retry after a lost answer: every event a duplicate, no status change recorded twice."""
    order = ready_order(ports, admin, "R-1", "P1")
    batch = day("P1", K.RECEIVE, K.SORT)
    send(ports, admin, batch)
    history = list(stored(ports, order).history)
    again = send(ports, admin, batch)
    assert [r.outcome for r in again.results] == [Outcome.DUPLICATE] * 2
    assert stored(ports, order).history == history
    assert len(ports.uow.tables.scan_events) == 2


def test_an_id_used_again_for_other_content_is_a_conflict_not_stored(
    ports: Ports, admin: Principal
) -> None:
    ready_order(ports, admin, "R-1", "P1")
    send(ports, admin, day("P1", K.RECEIVE, K.SORT))
    other = replace(event(1, K.SORT, "P1"), lane="B9")
    report = send(ports, admin, [other])
    assert report.results[0].outcome is Outcome.CONFLICT
    assert "was used before for another event" in report.results[0].message
    assert ports.uow.tables.parcel_states[(admin.organisation_id, "P1")][1].lane == "A3"


def test_an_unknown_barcode_is_stored_with_the_reason(ports: Ports, admin: Principal) -> None:
    report = send(ports, admin, [event(0, K.RECEIVE, "NOBODY")])
    result = report.results[0]
    assert result.outcome is Outcome.STORED
    assert result.problem is not None
    assert "no parcel of this organisation" in result.problem
    kept = ports.uow.tables.scan_events[(admin.organisation_id, result.id)]
    assert (kept.order_id, kept.problem) == (None, result.problem)


def test_an_invalid_event_is_rejected_and_the_rest_stored(ports: Ports, admin: Principal) -> None:
    ready_order(ports, admin, "R-1", "P1")
    bad = replace(event(1, K.SORT, "P1"), lane="")
    report = send(ports, admin, [event(0, K.RECEIVE, "P1"), bad])
    assert [r.outcome for r in report.results] == [Outcome.REJECTED, Outcome.STORED]
    assert report.results[0].message.startswith("lane:")


def test_an_impossible_scan_applies_once_the_missing_one_arrives(
    ports: Ports, admin: Principal
) -> None:
    """Delivered before the load scan synced: a problem, then none, the order delivered."""
    order = ready_order(ports, admin, "R-1", "P1")
    first = [event(0, K.RECEIVE, "P1"), event(1, K.SORT, "P1"), event(4, K.DELIVER, "P1")]
    report = send(ports, admin, first)
    assert report.results[2].problem is not None
    assert stored(ports, order).status is S.SORTED
    later = send(ports, admin, [event(2, K.LOAD, "P1"), event(3, K.DEPART, "P1")])
    assert later.counts["problems"] == 0
    assert stored(ports, order).status is S.DELIVERED
    kept = ports.uow.tables.scan_events[(admin.organisation_id, "evt-P1-0004")]
    assert kept.problem is None


def test_an_order_of_two_parcels_waits_for_both(ports: Ports, admin: Principal) -> None:
    order = ready_order(ports, admin, "R-1", "P1", "P2")
    send(ports, admin, day("P1", *FULL_DAY))
    assert stored(ports, order).status is S.READY
    send(ports, admin, day("P2", *FULL_DAY[:4]))
    assert stored(ports, order).status is S.OUT_FOR_DELIVERY


def test_an_order_needing_attention_keeps_its_status(ports: Ports, admin: Principal) -> None:
    """People decide that status; the parcel's scans are kept and its state follows them."""
    stations.add_station(admin, station_fields("HEL1"), uow=ports.uow, ids=ports.ids)
    fields = order_fields("R-1", "P1", station_id="HEL1")  # no location: needs attention
    order = orders.create_order(admin, fields, uow=ports.uow, clock=ports.clock, ids=ports.ids)
    send(ports, admin, day("P1", K.RECEIVE))
    assert stored(ports, order).status is S.NEEDS_ATTENTION
    assert ports.uow.tables.parcel_states[(admin.organisation_id, "P1")][1].status is S.RECEIVED


def test_drivers_and_station_staff_may_scan_viewers_may_not(ports: Ports, admin: Principal) -> None:
    for role in (Role.DRIVER, Role.STATION_ASSOCIATE, Role.DISPATCHER):
        send(ports, replace(admin, roles=frozenset({role})), [])
    with pytest.raises(PermissionDenied, match="scans:write"):
        send(ports, replace(admin, roles=frozenset({Role.VIEWER})), [])


def test_a_batch_over_the_limit_is_refused_whole(ports: Ports, admin: Principal) -> None:
    batch = [event(n, K.RECEIVE, "P1") for n in range(scans.MAX_BATCH + 1)]
    with pytest.raises(InvalidValue, match="at most 1000 events per request"):
        send(ports, admin, batch)
    assert ports.uow.tables.scan_events == {}


def test_tenants_do_not_see_each_others_parcels(
    ports: Ports, admin: Principal, rival: Principal
) -> None:
    order = ready_order(ports, admin, "R-1", "P1")
    report = send(ports, rival, [event(0, K.RECEIVE, "P1")])
    assert report.results[0].problem is not None
    assert stored(ports, order).status is S.READY


@st.composite
def batches(draw: st.DrawFn) -> list[list[IncomingScan]]:
    """The day's events in any order, some sent again, cut into batches of any size."""
    events = [e for b, kinds in PLAN.items() for e in day(b, *kinds)]
    events.append(event(99, K.DELIVER, "P3", minute=1))  # before it left: stays a problem
    copies = draw(st.lists(st.sampled_from(events), max_size=6))
    arrived = draw(st.permutations(events + copies))
    cuts = sorted(draw(st.lists(st.integers(0, len(arrived)), max_size=5)))
    edges = [0, *cuts, len(arrived)]
    return [arrived[a:b] for a, b in itertools.pairwise(edges)]


PLAN = {
    "P1": FULL_DAY,
    "P2": (*FULL_DAY[:5], K.RECEIVE),
    "P3": (K.RECEIVE, K.SORT, K.LOAD),
    "P4": (K.RECEIVE, K.SORT, K.LOAD, K.UNLOAD),
}


def final_state(batches: list[list[IncomingScan]]) -> tuple[object, ...]:
    """Order statuses, parcel states and stored problems after sending ``batches``."""
    ports = Ports(FakeUnitOfWork(), *_fresh_rest())
    admin = make_admin(ports, "City Couriers")
    made = [ready_order(ports, admin, "R-1", "P1", "P2"), ready_order(ports, admin, "R-2", "P3")]
    made.append(ready_order(ports, admin, "R-3", "P4"))
    for batch in batches:
        send(ports, admin, batch)
    tables = ports.uow.tables
    return (
        [stored(ports, o).status for o in made],
        sorted((b, s) for (_, b), (_, s) in tables.parcel_states.items()),
        sorted((i, r.problem) for (_, i), r in tables.scan_events.items()),
    )


def _fresh_rest() -> tuple[object, ...]:
    from tests.services.fakes import FakeClock, FakePasswords, FakeSecrets, SequentialIds

    return FakeClock(T0), SequentialIds(), FakeSecrets(), FakePasswords()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(batches())
def test_any_order_duplication_and_batching_gives_the_same_final_state(
    arrived: list[list[IncomingScan]],
) -> None:
    """The acceptance property, through the service: the state depends on the events only."""
    in_order = [[e for b, kinds in PLAN.items() for e in day(b, *kinds)]]
    in_order[0].append(event(99, K.DELIVER, "P3", minute=1))
    got = final_state(arrived)
    assert got == final_state(in_order)
    events = [
        ScanEvent(organisation_id="o", server_time=T0, actor_id="a", **vars(e)) for e in in_order[0]
    ]
    oracle = [(b, replay(b, [e for e in events if e.barcode == b]).state) for b in sorted(PLAN)]
    assert got[1] == oracle
