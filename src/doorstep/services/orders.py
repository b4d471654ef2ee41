"""Creating, finding, changing and cancelling orders."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from doorstep.domain.errors import Conflict, InvalidValue, NotFound
from doorstep.domain.flags import Flag, FlagCode
from doorstep.domain.order_status import OrderStatus
from doorstep.domain.orders import LocationSource, Order
from doorstep.domain.permissions import Permission
from doorstep.services import webhooks
from doorstep.services.authorization import Principal, require
from doorstep.services.intake.checks import OrderChecks, finish
from doorstep.services.ports import Clock, IdGenerator, OrderFilter, Position, UnitOfWork
from doorstep.services.stations import resolve_station

MAX_PAGE = 500


@dataclass(frozen=True)
class OrderPage:
    orders: Sequence[Order]
    next_cursor: str | None


def create_order(
    principal: Principal,
    fields: Mapping[str, Any],
    *,
    uow: UnitOfWork,
    clock: Clock,
    ids: IdGenerator,
    checks: OrderChecks | None = None,
) -> Order:
    """Store a new order; it is ready when the data checks find nothing that blocks it.

    Without ``checks`` (unit tests of other rules) only a station and a location are required.
    """
    require(principal, Permission.ORDERS_WRITE)
    with uow:
        values = _resolve_refs(uow, principal, fields)
        order = Order(
            id=ids.new_id("ord"),
            organisation_id=principal.organisation_id,
            created_at=clock.now(),
            **values,
        )
        existing = uow.orders.get_by_reference(
            order.organisation_id, order.shipper, order.shipper_reference
        )
        if existing is not None:
            raise Conflict(
                f"order {existing.id} already has shipper reference {order.shipper_reference!r} "
                f"for shipper {order.shipper!r}",
                field="shipper_reference",
            )
        _check_barcodes(uow, order)
        if order.location is not None:
            order.location_source = LocationSource.GIVEN
        _assess(uow, order, checks, clock.now())
        uow.orders.add(order)
        webhooks.publish_created(uow, principal.organisation_id, [order], order.created_at)
        uow.commit()
    return order


def get_order(principal: Principal, order_id: str, *, uow: UnitOfWork) -> Order:
    require(principal, Permission.ORDERS_READ)
    with uow:
        return _load(uow, principal.organisation_id, order_id)


def list_orders(
    principal: Principal, where: OrderFilter, *, cursor: str | None, limit: int, uow: UnitOfWork
) -> OrderPage:
    """One page in creation order; pass ``next_cursor`` back to get the next page."""
    require(principal, Permission.ORDERS_READ)
    if not 1 <= limit <= MAX_PAGE:
        raise InvalidValue("limit", f"must be between 1 and {MAX_PAGE}, got {limit}")
    with uow:
        orders = uow.orders.list(
            principal.organisation_id,
            where,
            after=decode_cursor(cursor) if cursor else None,
            limit=limit + 1,
        )
    more = len(orders) > limit
    page = list(orders[:limit])
    return OrderPage(
        page, encode_cursor(Position(page[-1].created_at, page[-1].id)) if more else None
    )


def update_order(
    principal: Principal,
    order_id: str,
    changes: Mapping[str, Any],
    *,
    uow: UnitOfWork,
    clock: Clock,
    checks: OrderChecks | None = None,
) -> Order:
    """Change an order before the station receives it; contact details and notes until it closes."""
    require(principal, Permission.ORDERS_WRITE)
    with uow:
        order = _load(uow, principal.organisation_id, order_id)
        _check_editable(order, changes)
        values = _resolve_refs(uow, principal, changes)
        updated = replace(order, **values, updated_at=clock.now(), history=list(order.history))
        if "parcels" in values:
            _check_barcodes(uow, updated)
        _check_reference_free(uow, updated)
        if "location" in values and updated.location != order.location:
            updated.location_source = LocationSource.GIVEN if updated.location else None
        elif updated.address != order.address and order.location_source is not None:
            # A new address is placed afresh rather than left at the old address's point.
            updated.location, updated.location_source, updated.geocode = None, None, None
        _assess(uow, updated, checks, clock.now())
        uow.orders.update(updated)
        uow.commit()
    return updated


def cancel_order(
    principal: Principal, order_id: str, reason: str, *, uow: UnitOfWork, clock: Clock
) -> Order:
    require(principal, Permission.ORDERS_WRITE)
    with uow:
        order = _load(uow, principal.organisation_id, order_id)
        order.move_to(OrderStatus.CANCELLED, clock.now(), reason or "cancelled")
        uow.orders.update(order)
        uow.commit()
    return order


# Contact details, notes and preferences may change while the parcel is on its way.
_ALWAYS_EDITABLE = frozenset({"recipient", "access_notes", "preferences", "priority"})


def _check_editable(order: Order, changes: Mapping[str, Any]) -> None:
    if order.status in {
        OrderStatus.DELIVERED,
        OrderStatus.CANCELLED,
        OrderStatus.RETURNED_TO_SENDER,
    }:
        raise Conflict(f"order {order.id} is {order.status.value} and can no longer change")
    locked = sorted(set(changes) - _ALWAYS_EDITABLE)
    if locked and not order.editable:
        raise Conflict(
            f"order {order.id} is {order.status.value}: {', '.join(locked)} can only change before "
            "the station receives it",
            field=locked[0],
        )


def _assess(uow: UnitOfWork, order: Order, checks: OrderChecks | None, at: datetime) -> None:
    """Run the data checks and move an editable order between ready and needs_attention."""
    if checks is not None:
        station = uow.stations.get(order.organisation_id, order.station_id or "")
        checks.run([order], {station.id: station} if station else {})
    elif order.station_id is None:
        order.flags = (Flag(FlagCode.NO_STATION, "no station serves this order", "station_id"),)
    else:
        order.flags = ()
    finish(order, uow, at)


def _resolve_refs(
    uow: UnitOfWork, principal: Principal, fields: Mapping[str, Any]
) -> dict[str, Any]:
    values = dict(fields)
    if values.get("station_id"):
        values["station_id"] = resolve_station(
            uow, principal.organisation_id, "station_id", values["station_id"]
        ).id
    return values


def _check_barcodes(uow: UnitOfWork, order: Order) -> None:
    taken = uow.orders.barcodes_taken(
        order.organisation_id, [p.barcode for p in order.parcels], exclude_order=order.id
    )
    if taken:
        raise Conflict(
            f"barcodes already belong to other orders: {', '.join(sorted(taken))}", field="parcels"
        )


def _check_reference_free(uow: UnitOfWork, order: Order) -> None:
    existing = uow.orders.get_by_reference(
        order.organisation_id, order.shipper, order.shipper_reference
    )
    if existing is not None and existing.id != order.id:
        raise Conflict(
            f"order {existing.id} already has this shipper reference", field="shipper_reference"
        )


def _load(uow: UnitOfWork, organisation_id: str, order_id: str) -> Order:
    order = uow.orders.get(organisation_id, order_id)
    if order is None:
        raise NotFound("order", order_id)
    return order


def encode_cursor(position: Position) -> str:
    raw = json.dumps([position.created_at.isoformat(), position.id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> Position:
    try:
        created_at, order_id = json.loads(
            base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        )
        at = datetime.fromisoformat(created_at)
        if at.tzinfo is None:
            raise ValueError("cursor time without offset")
        # Normalise here: a forged time at the edge of the calendar overflows when converted.
        return Position(at.astimezone(UTC), str(order_id))
    except (ValueError, TypeError, OverflowError, binascii.Error):
        raise InvalidValue(
            "cursor", "is not a cursor returned by this API; start without one"
        ) from None


def orders_matching(uow: UnitOfWork, organisation_id: str, where: OrderFilter) -> list[Order]:
    """Every order matching ``where``, read in pages (for services inside their own unit)."""
    found: list[Order] = []
    after: Position | None = None
    while True:
        page = uow.orders.list(organisation_id, where, after=after, limit=1000)
        found.extend(page)
        if len(page) < 1000:
            return found
        after = Position(page[-1].created_at, page[-1].id)
