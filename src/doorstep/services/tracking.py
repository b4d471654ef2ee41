"""The customer's tracking link: issuing it, opening the page, and the proof files it grants.

No login: the token is the whole authority, and it grants one order. A wrong, unknown,
revoked or expired token gets the same NotFound, so a guesser learns nothing from the answer.
"""

from __future__ import annotations

from datetime import datetime

from doorstep.domain.errors import NotFound
from doorstep.domain.orders import Order
from doorstep.domain.tracking import MAX_TOKEN_LENGTH, TrackingToken, hash_token
from doorstep.services.ports import (
    Clock,
    EtaWindows,
    ProofStore,
    UnitOfWork,
)
from doorstep.services.tracking_links import IssuedLink, issue_link
from doorstep.services.tracking_view import PlannedEta, TrackingView, delivery_proof, view

__all__ = ["IssuedLink", "issue_link", "open_order", "proof_file", "track"]


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
