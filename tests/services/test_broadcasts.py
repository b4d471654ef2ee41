"""What the live pages are told: after the commit, one notice per kind, to the right channel."""

from __future__ import annotations

import pytest

from doorstep.domain.accounts import Role
from doorstep.domain.errors import NotFound, PermissionDenied
from doorstep.domain.exceptions import ExceptionType
from doorstep.domain.orders import Order
from doorstep.domain.scans import ScanKind
from doorstep.services import dispatch, scans, streams, tracking
from doorstep.services.authorization import ActorKind, Principal
from doorstep.services.broadcasts import MAX_LISTED, order_channel, organisation_channel
from tests.services.conftest import Ports
from tests.services.fakes import FakeBroadcaster
from tests.services.planning.test_runs import DAY
from tests.services.test_loadout import day, station
from tests.services.test_scans import event, ready_order
from tests.services.test_sorting import published

__all__ = ["day", "station"]  # fixtures, used by name


def test_a_scan_batch_announces_its_changes_once_per_kind_after_the_commit(
    ports: Ports, admin: Principal
) -> None:
    """Two orders move: one orders.changed and one parcels.changed for the organisation, one
    order.changed per order, all sent outside the transaction."""
    first, second = (
        ready_order(ports, admin, "R-1", "P1", "P2"),
        ready_order(ports, admin, "R-2", "P3"),
    )
    batch = [event(n, ScanKind.RECEIVE, b) for n, b in enumerate(["P1", "P2", "P3"])]
    sent = FakeBroadcaster(ports.uow)
    scans.ingest(admin, batch, uow=ports.uow, clock=ports.clock, broadcast=sent)
    staff = organisation_channel(admin.organisation_id)
    status = ports.uow.tables.orders[first.id].status.value
    assert sent.published == [
        (
            staff,
            {"kind": "orders.changed", "orders": {first.id: status, second.id: status}, "more": 0},
        ),
        (staff, {"kind": "parcels.changed", "count": 3}),
        (order_channel(first.id), {"kind": "order.changed", "status": status}),
        (order_channel(second.id), {"kind": "order.changed", "status": status}),
    ]
    assert not sent.sent_in_transaction


def test_a_retried_batch_announces_nothing(ports: Ports, admin: Principal) -> None:
    """Duplicates change no parcel and no order, so no page needs to reload."""
    ready_order(ports, admin, "R-1", "P1")
    batch = [event(0, ScanKind.RECEIVE, "P1")]
    scans.ingest(admin, batch, uow=ports.uow, clock=ports.clock)
    sent = FakeBroadcaster(ports.uow)
    scans.ingest(admin, batch, uow=ports.uow, clock=ports.clock, broadcast=sent)
    assert sent.published == []


def test_a_big_batch_lists_a_bounded_number_of_orders(ports: Ports, admin: Principal) -> None:
    """Past MAX_LISTED orders the organisation's notice counts the rest instead of naming them."""
    count = MAX_LISTED + 7
    for n in range(count):
        ready_order(ports, admin, f"R-{n}", f"P{n}")
    batch = [event(0, ScanKind.RECEIVE, f"P{n}", minute=n) for n in range(count)]
    sent = FakeBroadcaster(ports.uow)
    scans.ingest(admin, batch, uow=ports.uow, clock=ports.clock, broadcast=sent)
    (notice,) = [p for _, p in sent.published if p["kind"] == "orders.changed"]
    assert len(notice["orders"]) == MAX_LISTED  # type: ignore[arg-type]
    assert notice["more"] == 7
    assert sum(1 for _, p in sent.published if p["kind"] == "order.changed") == count


def test_the_watch_announces_the_board(ports: Ports, admin: Principal, day: list[Order]) -> None:
    """After the watch commits, the station's board of the day is announced as changed."""
    version = published(ports, admin)
    sent = FakeBroadcaster(ports.uow)
    dispatch.watch(admin, "HEL1", DAY, uow=ports.uow, clock=ports.clock, broadcast=sent)
    payload = {"kind": "board.changed", "station_id": version.station_id, "date": DAY.isoformat()}
    assert sent.published == [(organisation_channel(admin.organisation_id), payload)]
    assert not sent.sent_in_transaction


def test_staff_follow_their_organisation_if_they_may_read_orders(admin: Principal) -> None:
    """An admin gets the organisation's channel; a driver, who reads no orders, is refused."""
    assert streams.staff_channel(admin) == organisation_channel(admin.organisation_id)
    driver = Principal(admin.organisation_id, "usr_d", ActorKind.USER, frozenset({Role.DRIVER}))
    with pytest.raises(PermissionDenied):
        streams.staff_channel(driver)


def test_a_tracking_link_grants_its_order_channel_only(ports: Ports, admin: Principal) -> None:
    """A live token gives its order's channel; an unknown or revoked one is not found."""
    order = ready_order(ports, admin, "R-1", "P1")

    def issue() -> str:
        return tracking.issue_link(
            admin, order.id, uow=ports.uow, clock=ports.clock, ids=ports.ids, secrets=ports.secrets
        ).token

    first = issue()
    found = streams.tracking_channel(first, uow=ports.uow, clock=ports.clock)
    assert found == order_channel(order.id)
    with pytest.raises(NotFound):
        streams.tracking_channel("tl_nope", uow=ports.uow, clock=ports.clock)
    issue()  # revokes the first link
    with pytest.raises(NotFound):
        streams.tracking_channel(first, uow=ports.uow, clock=ports.clock)


def test_publishing_departing_pinging_and_taking_a_case_each_tell_the_pages(
    ports: Ports, admin: Principal, day: list[Order]
) -> None:
    """The control tower hears of a new published version, a van leaving, its GPS and a
    person's hand on a case, each after the commit that made it."""
    from datetime import timedelta

    from doorstep.services import exceptions, loadout, positions, sorting
    from doorstep.services.planning import runs
    from doorstep.services.positions import IncomingPing
    from tests.services.planning.test_runs import plan
    from tests.services.test_loadout import inspected, load

    staff = organisation_channel(admin.organisation_id)
    sent = FakeBroadcaster(ports.uow)
    version = plan(ports, admin)
    runs.publish(admin, version.id, uow=ports.uow, clock=ports.clock, broadcast=sent)
    day_text = DAY.isoformat()
    assert sent.published == [
        (
            staff,
            {"kind": "plan.changed", "station_id": version.station_id, "date": day_text,
             "plan_id": version.id},
        )
    ]  # fmt: skip
    lines = sorting.sort_plan(admin, "HEL1", DAY, uow=ports.uow).lines
    vehicle = lines[0].assignment.vehicle_id
    load(ports, admin, [line.assignment.barcode for line in lines], vehicle)
    inspected(ports, admin)
    sent.published.clear()
    loadout.depart(
        admin, "HEL1", DAY, "Van 1", uow=ports.uow, clock=ports.clock, ids=ports.ids,
        broadcast=sent,
    )  # fmt: skip
    assert sent.published == [
        (
            staff,
            {"kind": "route.departed", "station_id": version.station_id, "date": day_text,
             "vehicle_id": vehicle},
        )
    ]  # fmt: skip
    sent.published.clear()
    at = ports.clock.now() - timedelta(minutes=1)
    ping = IncomingPing("phone-1", vehicle, at, 60.17, 24.94, 5.0, 3.0)
    positions.ingest(admin, [ping], uow=ports.uow, clock=ports.clock, broadcast=sent)
    positions.ingest(admin, [ping], uow=ports.uow, clock=ports.clock, broadcast=sent)  # a retry
    assert sent.published == [(staff, {"kind": "positions.changed", "vehicles": [vehicle]})]
    barcode = lines[0].assignment.barcode
    trouble = exceptions.Trouble(
        ExceptionType.DAMAGED,
        f"damaged:{barcode}",
        "box crushed",
        barcode,
        lines[0].assignment.order_id,
    )
    with ports.uow:
        exceptions.raise_cases(ports.uow, admin.organisation_id, [trouble], ports.clock.now())
        ports.uow.commit()
    case = next(iter(ports.uow.tables.exception_cases.values()))
    sent.published.clear()
    exceptions.assign(admin, case.id, admin.actor_id, uow=ports.uow, broadcast=sent)
    assert ports.uow.tables.exception_cases[case.id].owner_id == admin.actor_id
    assert sent.published == [
        (staff, {"kind": "case.changed", "case_id": case.id, "status": "open"})
    ]
    assert not sent.sent_in_transaction
