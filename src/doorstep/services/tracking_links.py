"""Issuing a tracking link: one live token per order, shown once, stored only as its hash.

Apart from the page (``services.tracking``) so that customer messages can issue links
without importing what the page shows.
"""

from __future__ import annotations

from dataclasses import dataclass

from doorstep.domain.errors import Conflict, NotFound
from doorstep.domain.permissions import Permission
from doorstep.domain.tracking import LINK_PREFIX, TrackingToken
from doorstep.services.authorization import Principal, require
from doorstep.services.ports import Clock, IdGenerator, SecretGenerator, UnitOfWork


@dataclass(frozen=True)
class IssuedLink:
    """A new link; ``token`` is shown this once (only its hash is stored)."""

    token: str
    record: TrackingToken


def issue_link(
    principal: Principal,
    order_id: str,
    *,
    uow: UnitOfWork,
    clock: Clock,
    ids: IdGenerator,
    secrets: SecretGenerator,
) -> IssuedLink:
    """Give the order a new tracking token and revoke the one it had: one live token an order.

    The notifications call this (as the organisation's system principal) for the link in a
    message. Since only hashes are stored, an earlier link cannot be handed out again.
    """
    require(principal, Permission.ORDERS_WRITE)
    now = clock.now()
    with uow:
        order = uow.orders.get(principal.organisation_id, order_id)
        if order is None:
            raise NotFound("order", order_id)
        secret = secrets.token(LINK_PREFIX)
        token = TrackingToken.issue(ids.new_id("tlk"), order, secret, now)
        if not token.live(order, now):
            raise Conflict(f"order {order.id} closed too long ago to offer a tracking page")
        previous = uow.tracking.live_of_order(order.organisation_id, order.id)
        if previous is not None:
            previous.revoke(now)
            uow.tracking.update(previous)
        uow.tracking.add(token)
        uow.commit()
    return IssuedLink(secret, token)
