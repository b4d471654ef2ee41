"""Who may follow which live notices: staff their organisation, a tracking link its one order."""

from __future__ import annotations

from doorstep.domain.permissions import Permission
from doorstep.services.authorization import Principal, require
from doorstep.services.broadcasts import order_channel, organisation_channel
from doorstep.services.ports import Clock, UnitOfWork
from doorstep.services.tracking import open_order


def staff_channel(principal: Principal) -> str:
    """The channel a staff member's pages may follow: their organisation's."""
    require(principal, Permission.ORDERS_READ)
    return organisation_channel(principal.organisation_id)


def tracking_channel(token: str, *, uow: UnitOfWork, clock: Clock) -> str:
    """The channel of the one order a tracking link grants; NotFound as for the page itself."""
    with uow:
        _, order = open_order(uow, token, clock.now())
    return order_channel(order.id)
