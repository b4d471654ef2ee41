"""The customer's tracking link: issuing it, opening the page, and the proof files it grants.

No login: the token is the whole authority, and it grants one order. A wrong, unknown,
revoked or expired token gets the same NotFound, so a guesser learns nothing from the answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from doorstep.domain.errors import Conflict, NotFound
from doorstep.domain.orders import Order
from doorstep.domain.permissions import Permission
from doorstep.domain.tracking import LINK_PREFIX, MAX_TOKEN_LENGTH, TrackingToken, hash_token
from doorstep.services.authorization import Principal, require
from doorstep.services.ports import (
    Clock,
    EtaWindows,
    IdGenerator,
    ProofStore,
    SecretGenerator,
    UnitOfWork,
)
from doorstep.services.tracking_view import PlannedEta, TrackingView, delivery_proof, view


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


def open_order(uow: UnitOfWork, token: str, now: datetime) -> tuple[TrackingToken, Order]:
    """The link and its order, inside the caller's unit; NotFound alike for every failure."""
    link = None
    if 0 < len(token) <= MAX_TOKEN_LENGTH:
        link = uow.tracking.get_by_hash(hash_token(token))
    order = uow.orders.get(link.organisation_id, link.order_id) if link else None
    if link is None or order is None or not link.live(order, now):
        raise NotFound("tracking page", "of this link", "the link may have expired")
    return link, order


def track(
    token: str, *, uow: UnitOfWork, clock: Clock, eta: EtaWindows | None = None
) -> TrackingView:
    """What the recipient's page shows (see ``tracking_view``)."""
    now = clock.now()
    with uow:
        link, order = open_order(uow, token, now)
        return view(uow, link, order, now, eta or PlannedEta())


def proof_file(
    token: str, sha256: str, *, uow: UnitOfWork, clock: Clock, store: ProofStore
) -> tuple[bytes, str]:
    """A photo or signature of this order's delivery proof; any other file is not found."""
    with uow:
        link, order = open_order(uow, token, clock.now())
        proof = delivery_proof(uow, order)
    found = store.get(link.organisation_id, sha256) if proof and sha256 in proof.files else None
    if found is None:
        raise NotFound("proof file", sha256)
    return found
