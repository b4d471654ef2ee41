"""Creating, changing, cancelling and listing orders."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from doorstep.domain.errors import Conflict, InvalidTransition, InvalidValue, NotFound
from doorstep.domain.geo import Location
from doorstep.domain.order_status import OrderStatus
from doorstep.domain.orders import Order, Parcel, Recipient
from doorstep.domain.stations import Station
from doorstep.services import orders, stations
from doorstep.services.authorization import Principal
from doorstep.services.orders import encode_cursor
from doorstep.services.ports import OrderFilter, Position
from tests.services.conftest import T0, Ports, order_fields, station_fields

HERE = Location(60.2, 24.9)
S = OrderStatus


@pytest.fixture
def station(ports: Ports, admin: Principal) -> Station:
    return stations.add_station(admin, station_fields("HEL1"), uow=ports.uow, ids=ports.ids)


def create(
    ports: Ports, principal: Principal, reference: str, *barcodes: str, **changes: Any
) -> Order:
    fields = order_fields(reference, *barcodes, **changes)
    return orders.create_order(principal, fields, uow=ports.uow, clock=ports.clock, ids=ports.ids)


def update(ports: Ports, principal: Principal, order: Order, **changes: Any) -> Order:
    return orders.update_order(principal, order.id, changes, uow=ports.uow, clock=ports.clock)


def receive(ports: Ports, order: Order) -> None:
    """Move a ready order on to RECEIVED, as a station scan will."""
    with ports.uow as uow:
        stored = uow.orders.get(order.organisation_id, order.id)
        assert stored is not None
        stored.move_to(S.RECEIVED, ports.clock.now(), "scanned")
        uow.orders.update(stored)
        uow.commit()


def test_complete_order_is_ready(ports: Ports, admin: Principal, station: Station) -> None:
    """An order with a station (by code) and a location goes straight to READY."""
    order = create(ports, admin, "R-1", station_id="HEL1", location=HERE)
    assert (order.status, order.station_id) == (S.READY, station.id)
    assert [(c.from_status, c.to_status) for c in order.history] == [(S.CREATED, S.READY)]
    assert ports.uow.tables.orders[order.id] == order


@pytest.mark.parametrize(
    ("changes", "missing"),
    [
        ({"station_id": "HEL1"}, "no location"),
        ({"location": HERE}, "no_station"),
        ({}, "no_station, no location"),
    ],
)
def test_incomplete_order_needs_attention(
    ports: Ports, admin: Principal, station: Station, changes: dict[str, Any], missing: str
) -> None:
    """Without a station or a location an order needs attention, saying what is missing."""
    order = create(ports, admin, "R-1", **changes)
    assert order.status is S.NEEDS_ATTENTION
    assert order.history[-1].reason == missing


def test_update_triages_both_ways(ports: Ports, admin: Principal, station: Station) -> None:
    """Completing an order makes it ready; taking its location away sends it back."""
    order = create(ports, admin, "R-1", station_id=station.id)
    ready = update(ports, admin, order, location=HERE)
    assert ready.status is S.READY
    again = update(ports, admin, ready, location=None)
    assert again.status is S.NEEDS_ATTENTION
    assert [c.to_status for c in ports.uow.tables.orders[order.id].history] == [
        S.NEEDS_ATTENTION,
        S.READY,
        S.NEEDS_ATTENTION,
    ]


def test_duplicate_shipper_reference_conflicts(
    ports: Ports, admin: Principal, rival: Principal
) -> None:
    """A shipper's reference names one order per organisation, on create and on update."""
    first = create(ports, admin, "R-1", "B-1")
    with pytest.raises(Conflict) as raised:
        create(ports, admin, "R-1", "B-2")
    assert raised.value.field == "shipper_reference"
    other = create(ports, admin, "R-2", "B-3")
    with pytest.raises(Conflict) as raised:
        update(ports, admin, other, shipper_reference="R-1")
    assert raised.value.field == "shipper_reference"
    create(ports, admin, "R-1", "B-4", shipper="globex")
    create(ports, rival, "R-1", "B-1")
    assert ports.uow.tables.orders[first.id].shipper_reference == "R-1"


def test_barcode_of_another_order_conflicts(ports: Ports, admin: Principal) -> None:
    """A barcode scans to one parcel: reusing another order's barcode is refused."""
    create(ports, admin, "R-1", "B-1")
    with pytest.raises(Conflict) as raised:
        create(ports, admin, "R-2", "B-2", "B-1")
    assert raised.value.field == "parcels"
    second = create(ports, admin, "R-2", "B-2")
    with pytest.raises(Conflict) as raised:
        update(ports, admin, second, parcels=(Parcel("B-1"),))
    assert raised.value.field == "parcels"
    kept = update(ports, admin, second, parcels=(Parcel("B-2", 3.0), Parcel("B-3")))
    assert [p.barcode for p in kept.parcels] == ["B-2", "B-3"]


def test_received_order_locks_content_but_not_contact(
    ports: Ports, admin: Principal, station: Station
) -> None:
    """After RECEIVED, parcels and address are locked but the recipient's details may change."""
    order = create(ports, admin, "R-1", station_id=station.id, location=HERE)
    receive(ports, order)
    with pytest.raises(Conflict) as raised:
        update(ports, admin, order, parcels=(Parcel("B-9"),), recipient=Recipient("Bo"))
    assert raised.value.field == "parcels"
    changed = update(ports, admin, order, recipient=Recipient("Bo", phone="+358 50 111 2222"))
    assert (changed.status, changed.recipient.name) == (S.RECEIVED, "Bo")
    assert ports.uow.tables.orders[order.id].parcels == order.parcels


def test_cancelling_twice_is_an_invalid_transition(ports: Ports, admin: Principal) -> None:
    """A cancelled order is final: cancelling it again is refused naming both statuses."""
    order = create(ports, admin, "R-1")
    cancelled = orders.cancel_order(admin, order.id, "", uow=ports.uow, clock=ports.clock)
    assert cancelled.status is S.CANCELLED
    with pytest.raises(InvalidTransition, match="'cancelled' to 'cancelled'"):
        orders.cancel_order(admin, order.id, "again", uow=ports.uow, clock=ports.clock)
    assert len(ports.uow.tables.orders[order.id].history) == 2


def test_another_organisations_order_is_not_found(
    ports: Ports, admin: Principal, rival: Principal
) -> None:
    """A tenant cannot read, change or cancel another tenant's order."""
    order = create(ports, rival, "R-1")
    with pytest.raises(NotFound):
        orders.get_order(admin, order.id, uow=ports.uow)
    with pytest.raises(NotFound):
        update(ports, admin, order, access_notes="mine")
    with pytest.raises(NotFound):
        orders.cancel_order(admin, order.id, "", uow=ports.uow, clock=ports.clock)


@pytest.mark.parametrize("step", [timedelta(seconds=30), timedelta(0)])
def test_pages_cover_every_order_once(
    ports: Ports, admin: Principal, rival: Principal, step: timedelta
) -> None:
    """Pages of 3 over 7 orders hold 3+3+1 in creation order, with ties broken by id."""
    ports.clock.step = step
    created = [create(ports, admin, f"R-{i}").id for i in range(7)]
    create(ports, rival, "R-x")
    sizes, seen, cursor = [], [], None
    for _ in range(4):
        page = orders.list_orders(admin, OrderFilter(), cursor=cursor, limit=3, uow=ports.uow)
        sizes.append(len(page.orders))
        seen += [o.id for o in page.orders]
        cursor = page.next_cursor
        if cursor is None:
            break
    assert (sizes, seen) == ([3, 3, 1], created)


def test_exact_page_has_no_next_cursor(ports: Ports, admin: Principal) -> None:
    """When the last page is exactly full there is no cursor pointing at an empty page."""
    for i in range(3):
        create(ports, admin, f"R-{i}")
    page = orders.list_orders(admin, OrderFilter(), cursor=None, limit=3, uow=ports.uow)
    assert (len(page.orders), page.next_cursor) == (3, None)


@pytest.mark.parametrize(
    "cursor",
    ["garbage", "!!!", encode_cursor(Position(T0, "x"))[:-3], "W10", "WyIyMDI2LTAxLTAxIiwieCJd"],
)
def test_bad_cursor_is_refused(ports: Ports, admin: Principal, cursor: str) -> None:
    """A cursor the API did not issue, including one with a naive time, names the cursor field."""
    with pytest.raises(InvalidValue) as raised:
        orders.list_orders(admin, OrderFilter(), cursor=cursor, limit=3, uow=ports.uow)
    assert raised.value.field == "cursor"


@pytest.mark.parametrize("limit", [0, -1, 501])
def test_limit_out_of_range_is_refused(ports: Ports, admin: Principal, limit: int) -> None:
    """Page sizes are 1-500."""
    with pytest.raises(InvalidValue) as raised:
        orders.list_orders(admin, OrderFilter(), cursor=None, limit=limit, uow=ports.uow)
    assert raised.value.field == "limit"
    assert (
        len(orders.list_orders(admin, OrderFilter(), cursor=None, limit=500, uow=ports.uow).orders)
        == 0
    )
