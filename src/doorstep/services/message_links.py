"""The tracking link in a customer message: one link per order, reused while it is live.

Only a link's hash is stored, so a link cannot be shown again from the tracking table; the
message that first carried it keeps it in its facts (the e-mail held it anyway). A later
message of the order reuses that link while it still opens the page; otherwise, and the
first time, a new link is issued (which revokes an older one, as for staff).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, replace

from doorstep.domain.errors import Conflict, NotFound
from doorstep.domain.messages import Message, Trigger
from doorstep.domain.tracking import hash_token
from doorstep.services.authorization import system_principal
from doorstep.services.ports import Clock, IdGenerator, SecretGenerator, UnitOfWork
from doorstep.services.tracking_links import issue_link

# The messages after which the customer may want to act or look: where is it, what now
# (after a move: is the new day right, or would another suit better).
LINKED = frozenset(
    {
        Trigger.OUT_FOR_DELIVERY,
        Trigger.STOPS_AWAY,
        Trigger.ATTEMPT_FAILED,
        Trigger.DELAYED,
        Trigger.RESCHEDULED,
    }
)
PAGE = "/t/"


@dataclass(frozen=True)
class LinkPorts:
    uow: Callable[[], UnitOfWork]
    clock: Clock
    ids: IdGenerator
    secrets: SecretGenerator
    public_url: str  # where customers reach doorstep, e.g. https://track.example.com


def with_link(message: Message, ports: LinkPorts) -> Message:
    """The message with its order's tracking URL in its facts, when its trigger offers one."""
    facts = json.loads(message.facts)
    if message.trigger not in LINKED or "tracking_url" in facts:
        return message
    url = _live(message, ports) or _issue(message, ports)
    if url is None:
        return message
    return replace(message, facts=json.dumps({**facts, "tracking_url": url}, sort_keys=True))


def _live(message: Message, ports: LinkPorts) -> str | None:
    org, now = message.organisation_id, ports.clock.now()
    with ports.uow() as uow:
        order = uow.orders.get(org, message.order_id)
        for earlier in uow.messages.list(org, order_id=message.order_id, limit=50):
            url = json.loads(earlier.facts).get("tracking_url")
            if not isinstance(url, str) or PAGE not in url:
                continue
            link = uow.tracking.get_by_hash(hash_token(url.rsplit(PAGE, 1)[1]))
            if link is not None and order is not None and link.live(order, now):
                return url
    return None


def _issue(message: Message, ports: LinkPorts) -> str | None:
    try:
        issued = issue_link(
            system_principal(message.organisation_id), message.order_id, uow=ports.uow(),
            clock=ports.clock, ids=ports.ids, secrets=ports.secrets,
        )  # fmt: skip
    except (Conflict, NotFound):  # closed long ago, or gone: the message goes without
        return None
    return f"{ports.public_url.rstrip('/')}{PAGE}{issued.token}"
