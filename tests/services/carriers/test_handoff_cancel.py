"""Cancelling a hand-off puts the order back where it stood (ready, received or sorted), with a
scan of its own that the replay reads as undoing the hand-off: not a station's receive."""

from __future__ import annotations

from datetime import timedelta

import pytest

from doorstep.domain.carriers import ServiceLevel
from doorstep.domain.exceptions import ExceptionType
from doorstep.domain.messages import Trigger
from doorstep.domain.order_status import OrderStatus
from doorstep.domain.orders import Recipient
from doorstep.domain.scans import ScanKind, replay
from doorstep.services import scans
from doorstep.services.authorization import Principal
from doorstep.services.carriers import handoff
from tests.services.carriers.test_handoff import (
    PARTNER,
    FakeGateway,
    gateway,
    hports,
    partner,
    ready_order,
    status_of,
)
from tests.services.conftest import Ports
from tests.services.planning.test_runs import plan, station, van

__all__ = ["gateway", "hports", "partner", "station"]  # fixtures


def scan(
    ports: Ports, admin: Principal, n: int, kind: ScanKind, barcode: str, **extra: str
) -> None:
    incoming = scans.IncomingScan(
        f"dev-{n:04d}", kind, barcode, ports.clock.now(), device="tc52", **extra
    )
    report = scans.ingest(admin, [incoming], uow=ports.uow, clock=ports.clock)
    assert report.counts["stored"] == 1
    assert report.counts["problems"] == 0, report.results


def stored_events(ports: Ports, admin: Principal, barcode: str) -> list[scans.ScanEvent]:
    with ports.uow:
        found = ports.uow.scans.of_barcodes(admin.organisation_id, [barcode])
    return [r.event for r in found[barcode]]


@pytest.mark.usefixtures("partner")
def test_a_ready_order_is_ready_again_plannable_and_can_be_handed_off_again(
    ports: Ports, admin: Principal, gateway: FakeGateway, hports: handoff.HandoffPorts
) -> None:
    van(ports, admin, "Van 1")
    other = ready_order(ports, admin, "C-0")  # so the first run has a stop to plan
    order = ready_order(ports, admin, "C-1")
    first = handoff.hand_off(admin, "C-1", PARTNER, ServiceLevel.SAME_DAY, ports=hports)
    draft = plan(ports, admin)
    assert {s.id for s in draft.inputs.stops} == {other.id}, "handed off: out of planning"
    # Cancelled at the very instant of the booking: the cancel still replays after it.
    handoff.cancel(admin, first.id, ports=hports)
    assert status_of(ports, admin, order.id) is OrderStatus.READY
    events = stored_events(ports, admin, "B-C-1")
    assert [e.kind for e in events] == [ScanKind.HAND_OFF, ScanKind.HAND_OFF_CANCEL]
    assert ScanKind.RECEIVE not in {e.kind for e in events}, "the station scanned nothing"
    with ports.uow:
        state = ports.uow.scans.context(admin.organisation_id, ["B-C-1"]).states["B-C-1"]
    assert (state.status, state.trips, state.before_hand_off) == (OrderStatus.READY, 0, None)
    # Plannable again: the next run takes it.
    again = plan(ports, admin)
    assert {s.id for s in again.inputs.stops} == {other.id, order.id}
    assert again.plan.route_of(order.id) is not None
    # And handed off again, in the same instant as the cancel: a new booking, after it.
    second = handoff.hand_off(admin, "C-1", PARTNER, ServiceLevel.SAME_DAY, ports=hports)
    assert gateway.requests[-1].idempotency_key == f"{order.id}:2"
    assert second.booking_id != first.booking_id
    assert status_of(ports, admin, order.id) is OrderStatus.HANDED_OFF
    handoff.cancel(admin, second.id, ports=hports)
    assert status_of(ports, admin, order.id) is OrderStatus.READY
    # The stored events in any order replay to the same state.
    events = stored_events(ports, admin, "B-C-1")
    assert len(events) == 4
    assert replay("B-C-1", events).state.status is OrderStatus.READY
    assert replay("B-C-1", reversed(events)).state == replay("B-C-1", events).state


@pytest.mark.usefixtures("partner")
def test_a_received_order_is_received_again_and_a_sorted_one_sorted_in_its_lane(
    ports: Ports, admin: Principal, hports: handoff.HandoffPorts
) -> None:
    received = ready_order(ports, admin, "C-2")
    scan(ports, admin, 1, ScanKind.RECEIVE, "B-C-2")
    sorted_ = ready_order(ports, admin, "C-3")
    scan(ports, admin, 2, ScanKind.RECEIVE, "B-C-3")
    scan(ports, admin, 3, ScanKind.SORT, "B-C-3", lane="A3")
    ports.clock.current += timedelta(minutes=1)
    made = [
        handoff.hand_off(admin, ref, PARTNER, ServiceLevel.SAME_DAY, ports=hports)
        for ref in ("C-2", "C-3")
    ]
    ports.clock.current += timedelta(minutes=5)
    for h in made:
        handoff.cancel(admin, h.id, ports=hports)
    assert status_of(ports, admin, received.id) is OrderStatus.RECEIVED
    assert status_of(ports, admin, sorted_.id) is OrderStatus.SORTED
    with ports.uow:
        states = ports.uow.scans.context(admin.organisation_id, ["B-C-2", "B-C-3"]).states
        # A cancel is not a missed scan put right, nor any other case.
        cases = ports.uow.exceptions.open_of_orders(
            admin.organisation_id, [received.id, sorted_.id], ExceptionType.MISSED_SCAN
        )
    assert states["B-C-3"].lane == "A3"
    assert (states["B-C-2"].trips, states["B-C-3"].trips) == (0, 0)
    assert cases == []


@pytest.mark.usefixtures("partner")
def test_a_cancel_applies_once_and_the_cancelled_bookings_events_are_ignored(
    ports: Ports, admin: Principal, gateway: FakeGateway, hports: handoff.HandoffPorts
) -> None:
    from doorstep.domain.handoffs import PartnerStatus, TrackingEvent

    order = ready_order(ports, admin, "C-4")
    made = handoff.hand_off(admin, "C-4", PARTNER, ServiceLevel.SAME_DAY, ports=hports)
    ports.clock.current += timedelta(minutes=1)
    handoff.cancel(admin, made.id, ports=hports)
    handoff.cancel(admin, made.id, ports=hports)  # again: nothing more
    assert gateway.cancelled == [made.booking_id]
    kinds = [e.kind for e in stored_events(ports, admin, "B-C-4")]
    assert kinds == [ScanKind.HAND_OFF, ScanKind.HAND_OFF_CANCEL]
    late = TrackingEvent("late-1", made.booking_id, PartnerStatus.PICKED_UP, ports.clock.now())
    report = handoff.apply_events(admin, made.carrier_id, [late], ports=hports)
    assert report.unknown_bookings == [made.booking_id]
    assert status_of(ports, admin, order.id) is OrderStatus.READY


def received_messages(ports: Ports, order_id: str) -> int:
    with ports.uow:
        table = ports.uow.current().messages
        return sum(
            1
            for m in table.values()
            if m.order_id == order_id and m.trigger is Trigger.ORDER_RECEIVED
        )


@pytest.mark.usefixtures("partner")
def test_a_cancel_tells_the_customer_nothing_and_names_the_change(
    ports: Ports, admin: Principal, hports: handoff.HandoffPorts
) -> None:
    """Received on Monday (the customer hears of it), handed off, cancelled on Tuesday: no
    second "at the station" message, and the order's history says what happened."""
    order = ready_order(ports, admin, "C-5", recipient=Recipient("Ann", email="ann@example.test"))
    scan(ports, admin, 5, ScanKind.RECEIVE, "B-C-5")
    assert received_messages(ports, order.id) == 1
    made = handoff.hand_off(admin, "C-5", PARTNER, ServiceLevel.SAME_DAY, ports=hports)
    ports.clock.current += timedelta(days=1)
    handoff.cancel(admin, made.id, ports=hports)
    with ports.uow:
        found = ports.uow.orders.get(admin.organisation_id, order.id)
    assert found is not None
    last = found.history[-1]
    assert (last.from_status, last.to_status, last.reason) == (
        OrderStatus.HANDED_OFF,
        OrderStatus.RECEIVED,
        "hand-off cancelled",
    )
    assert received_messages(ports, order.id) == 1
