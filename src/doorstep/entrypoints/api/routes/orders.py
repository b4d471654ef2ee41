"""Orders: create, find, change, cancel."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, status
from pydantic import AwareDatetime

from doorstep.domain.flags import FlagCode
from doorstep.domain.order_status import OrderStatus
from doorstep.domain.orders import OrderKind
from doorstep.entrypoints.api.deps import ContainerDep, IdempotentDep, Keep, PrincipalDep
from doorstep.entrypoints.api.schemas.orders import (
    CancelIn,
    OrderIn,
    OrderOut,
    OrderPageOut,
    OrderPatch,
    RescheduleIn,
    RescheduleOut,
)
from doorstep.services import orders, reschedule
from doorstep.services.orders import MAX_PAGE
from doorstep.services.ports import OrderFilter, UnitOfWork

router = APIRouter(prefix="/orders", tags=["orders"])


@router.get("", summary="List orders, oldest first, one page at a time")
def list_orders(
    principal: PrincipalDep,
    c: ContainerDep,
    status_: Annotated[list[OrderStatus] | None, Query(alias="status")] = None,
    station_id: str | None = None,
    kind: OrderKind | None = None,
    shipper: str | None = None,
    shipper_reference: str | None = None,
    service_date: date | None = None,
    flag: Annotated[FlagCode | None, Query(description="only orders with this flag")] = None,
    created_from: AwareDatetime | None = None,
    created_before: AwareDatetime | None = None,
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 50,
) -> OrderPageOut:
    where = OrderFilter(
        statuses=frozenset(status_ or ()),
        station_id=station_id,
        kind=kind,
        shipper=shipper,
        shipper_reference=shipper_reference,
        service_date=service_date,
        flag=flag,
        created_from=created_from,
        created_before=created_before,
    )
    page = orders.list_orders(principal, where, cursor=cursor, limit=limit, uow=c.reader())
    return OrderPageOut(items=[OrderOut.of(o) for o in page.orders], next_cursor=page.next_cursor)


@router.post(
    "", status_code=status.HTTP_201_CREATED, response_model=OrderOut, summary="Create an order"
)
def create_order(
    body: OrderIn, principal: PrincipalDep, c: ContainerDep, once: IdempotentDep
) -> object:
    return once.run(
        201,
        lambda uow: OrderOut.of(
            orders.create_order(
                principal,
                body.domain_fields(),
                uow=uow,
                clock=c.clock,
                ids=c.ids,
                checks=c.checks(),
            )
        ),
    )


@router.get("/{order_id}", summary="One order with its parcels and status history")
def get_order(order_id: str, principal: PrincipalDep, c: ContainerDep) -> OrderOut:
    return OrderOut.of(orders.get_order(principal, order_id, uow=c.reader()))


@router.patch("/{order_id}", summary="Change an order")
def update_order(
    order_id: str, body: OrderPatch, principal: PrincipalDep, c: ContainerDep
) -> OrderOut:
    changes = body.domain_fields()
    return OrderOut.of(
        orders.update_order(
            principal, order_id, changes, uow=c.uow(), clock=c.clock, checks=c.checks()
        )
    )


@router.post(
    "/{order_id}:cancel", response_model=OrderOut, summary="Cancel an order, with a reason"
)
def cancel_order(
    order_id: str, body: CancelIn, principal: PrincipalDep, c: ContainerDep, once: IdempotentDep
) -> object:
    return once.run(
        200,
        lambda uow: OrderOut.of(
            orders.cancel_order(principal, order_id, body.reason, uow=uow, clock=c.clock)
        ),
    )


@router.post(
    "/{order_id}:reschedule",
    response_model=RescheduleOut,
    summary="Move an order to another day, out of today's running plan; the parcel stays",
)
def reschedule_order(
    order_id: str, body: RescheduleIn, principal: PrincipalDep, c: ContainerDep, once: IdempotentDep
) -> object:
    """For an order not yet on a van (ready, received, sorted). Its stop leaves its day's latest
    plan as the next version (published at once if that one was); a loaded or out-for-delivery
    order is refused (409). Repeating the request changes nothing more; with an Idempotency-Key
    a retry replays the first answer."""
    window = reschedule.parse_window(body.window) if body.window is not None else None

    def act(keep: Keep | None) -> RescheduleOut:
        def remember(uow: UnitOfWork, done: reschedule.Rescheduled) -> None:
            if keep is not None:
                keep(uow, RescheduleOut.of(done))

        done = reschedule.reschedule(
            principal, order_id, body.date, window, ports=c.live_ports(), keep=remember
        )
        return RescheduleOut.of(done)

    return once.run_staged(200, act)


@router.delete("/{order_id}", summary="Cancel an order (same as :cancel without a reason)")
def delete_order(order_id: str, principal: PrincipalDep, c: ContainerDep) -> OrderOut:
    return OrderOut.of(orders.cancel_order(principal, order_id, "", uow=c.uow(), clock=c.clock))
