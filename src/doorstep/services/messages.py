"""Customer messages: queued with the change that calls for them, sent later from the outbox.

Queueing happens inside the transaction of the change (a scan batch, the dispatcher's watch,
a dispatcher moving an order to another day), so a message exists exactly when its change
committed; the outbox's unique key per order, moment and channel makes a retried batch or a
replayed event queue nothing new. Where only the latest news of a trigger matters (a second
move of the delivery while the first message waits out the quiet hours), the newer message
supersedes the older one still queued, which stays in the log (``domain.messages.LATEST_ONLY``).
Sending is ``send_due``, run by the outbox worker: it claims due messages (a lease, so two
workers never send one twice), renders and sends outside any transaction (a slow SMTP server
must not hold the database), then records each attempt in the log.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from doorstep.domain.dispatch import RouteProgress, RouteState
from doorstep.domain.errors import InvalidValue
from doorstep.domain.messages import Message, MessageSettings, Trigger, day_words
from doorstep.domain.notifications import Channel, Outcome, SendResult
from doorstep.domain.order_status import OrderStatus
from doorstep.domain.orders import Order, StatusChange
from doorstep.domain.permissions import Permission
from doorstep.domain.webhooks import RetryPolicy, next_attempt_delay
from doorstep.services.authorization import Principal, require
from doorstep.services.message_links import LinkPorts, with_link
from doorstep.services.ports import (
    Clock,
    Contact,
    EmailSender,
    MessageTemplates,
    SmsSender,
    UnitOfWork,
)

# Messages retry sooner and give up sooner than webhooks: news of a delivery is stale in hours.
RETRY = RetryPolicy(base_delay_s=30, factor=4, max_delay_s=3600, max_attempts=6)
LEASE = timedelta(minutes=5)  # a claimed message is retried after this if its worker died
ETA_MARGIN = timedelta(minutes=15)  # the window around a projected arrival a customer sees

_ON_STATUS = {
    OrderStatus.RECEIVED: Trigger.ORDER_RECEIVED,
    OrderStatus.OUT_FOR_DELIVERY: Trigger.OUT_FOR_DELIVERY,
    OrderStatus.DELIVERED: Trigger.DELIVERED,
    OrderStatus.FAILED_ATTEMPT: Trigger.ATTEMPT_FAILED,
}


def settings_of(uow: UnitOfWork, org: str) -> MessageSettings:
    return uow.messages.settings(org) or MessageSettings(org)


def queue_for_changes(
    uow: UnitOfWork,
    org: str,
    changes: Sequence[tuple[str, StatusChange]],
    now: datetime,
    reasons: Mapping[str, str] | None = None,
    contacts: Mapping[str, Contact] | None = None,
) -> int:
    """Queue the messages the orders' status changes call for; how many were new.

    ``reasons`` holds the failure reason of failed orders, ``contacts`` the orders' contacts
    when the caller read them already. One message per order, trigger, local day and channel:
    the same news again (a replay, a retry) queues nothing.
    """
    settings = settings_of(uow, org)
    wanted = [
        (order_id, change, trigger)
        for order_id, change in changes
        if (trigger := _ON_STATUS.get(change.to_status)) and settings.rule(trigger)
    ]
    if not wanted:
        return 0
    book = _Book(uow, org, settings, now, [order_id for order_id, _, _ in wanted], contacts)
    for order_id, change, trigger in wanted:
        facts: dict[str, object] = {"at": book.local_time(order_id, change.at)}
        if trigger is Trigger.ATTEMPT_FAILED:
            facts["reason"] = (reasons or {}).get(order_id, "")
        book.add(order_id, trigger, facts)
    return uow.messages.add_new(book.messages)


def queue_for_routes(
    uow: UnitOfWork, org: str, routes: Sequence[RouteProgress], now: datetime
) -> int:
    """Queue "N stops away" for the stop that many open stops ahead on each route on the road,
    and "delayed" for each stop projected to miss its window; how many were new."""
    settings = settings_of(uow, org)
    away, delayed = settings.rule(Trigger.STOPS_AWAY), settings.rule(Trigger.DELAYED)
    if away is None and delayed is None:
        return 0
    wanted: list[tuple[str, Trigger, datetime, dict[str, object]]] = []
    for route in routes:
        if route.state is not RouteState.ON_ROAD:
            continue
        if away is not None and len(route.ahead) >= away.stops_away:
            order_id, eta = route.ahead[away.stops_away - 1]
            wanted.append((order_id, Trigger.STOPS_AWAY, eta, {"stops": away.stops_away}))
        if delayed is not None:
            etas = dict(route.ahead)
            wanted += [
                (order_id, Trigger.DELAYED, etas[order_id], {})
                for order_id in route.at_risk
                if order_id in etas
            ]
    if not wanted:
        return 0
    # Contacts of the few stops told, not of every stop ahead: the watch runs all day.
    book = _Book(uow, org, settings, now, [order_id for order_id, _, _, _ in wanted])
    for order_id, trigger, eta, facts in wanted:
        book.add(order_id, trigger, {**facts, **book.window(order_id, eta)})
    return uow.messages.add_new(book.messages)


def queue_for_reschedule(uow: UnitOfWork, before: Order, after: Order, now: datetime) -> int:
    """Queue "your delivery moved" for an order the station moved from ``before``'s day and
    windows to ``after``'s; how many were new (none when neither changed).

    The facts say the new day in the organisation's language (``day``: "Thursday 26.11.",
    ``date``: ISO) and the windows in the station's local time (``windows``: "10:00-12:00",
    and the first one's ``window_start``/``window_end``). The key holds the new day and the
    moment of the move: moving Thursday -> Friday -> Thursday tells each move, while the same
    move noticed twice queues it once.
    """
    if (before.service_date, before.time_windows) == (after.service_date, after.time_windows):
        return 0
    org = after.organisation_id
    settings = settings_of(uow, org)
    if after.service_date is None or settings.rule(Trigger.RESCHEDULED) is None:
        return 0
    who = after.recipient
    contact = Contact(
        after.id, who.name, who.email, who.phone, after.shipper_reference, after.station_id
    )
    book = _Book(uow, org, settings, now, [after.id], {after.id: contact})
    zone = ZoneInfo(book.zone(after.id))
    spans = [
        (w.start_at.astimezone(zone).strftime("%H:%M"), w.end_at.astimezone(zone).strftime("%H:%M"))
        for w in sorted(after.time_windows, key=lambda w: w.start_at)
    ]
    facts: dict[str, object] = {
        "day": day_words(after.service_date, settings.language),
        "date": after.service_date.isoformat(),
        "windows": ", ".join(f"{start}-{end}" for start, end in spans),
    }
    if spans:
        facts["window_start"], facts["window_end"] = spans[0]
    # The moment tells moves apart; the windows stay out of the key, which has 200 characters.
    key = (
        f"{after.id}:{Trigger.RESCHEDULED.value}:{facts['date']}@{now.astimezone(UTC).isoformat()}"
    )
    book.add(after.id, Trigger.RESCHEDULED, facts, key=key)
    return uow.messages.add_new(book.messages)


class _Book:
    """The messages of one change set, with what they need read once."""

    def __init__(
        self,
        uow: UnitOfWork,
        org: str,
        settings: MessageSettings,
        now: datetime,
        order_ids: Sequence[str],
        known: Mapping[str, Contact] | None = None,
    ) -> None:
        self.org, self.settings, self.now = org, settings, now
        self.messages: list[Message] = []
        known = known or {}
        self._contacts = {o: known[o] for o in order_ids if o in known}
        if missing := sorted({o for o in order_ids if o not in known}):
            self._contacts |= uow.messages.contacts(org, missing)
        self._zones = {s.id: s.timezone for s in uow.stations.list(org)}
        found = uow.organisations.get(org)
        self._organisation = found.name if found else ""

    def contact(self, order_id: str) -> Contact | None:
        return self._contacts.get(order_id)

    def zone(self, order_id: str) -> str:
        contact = self.contact(order_id)
        station = contact.station_id if contact else None
        return self._zones.get(station or "", "UTC")

    def local_time(self, order_id: str, at: datetime) -> str:
        return at.astimezone(ZoneInfo(self.zone(order_id))).strftime("%H:%M")

    def window(self, order_id: str, eta: datetime) -> dict[str, object]:
        return {
            "window_start": self.local_time(order_id, eta - ETA_MARGIN),
            "window_end": self.local_time(order_id, eta + ETA_MARGIN),
        }

    def add(
        self, order_id: str, trigger: Trigger, facts: dict[str, object], key: str | None = None
    ) -> None:
        """Queue ``trigger``'s message on each channel with an address; under ``key``, or by
        default once per order, trigger and local day."""
        contact = self.contact(order_id)
        rule = self.settings.rule(trigger)
        if contact is None or rule is None:
            return
        zone = self.zone(order_id)
        day = self.now.astimezone(ZoneInfo(zone)).date().isoformat()
        key = key or f"{order_id}:{trigger.value}:{day}"
        quiet = self.settings.quiet_hours
        not_before = quiet.release(self.now, zone) if quiet else self.now
        facts = {
            "name": contact.name.split()[0] if contact.name.split() else "",
            "reference": contact.reference,
            "organisation": self._organisation,
            **facts,
        }
        for channel in rule.channels:
            recipient = contact.email if channel is Channel.EMAIL else contact.phone
            if not recipient:
                continue  # nothing to send to: the intake flagged the missing contact already
            facts_json = json.dumps(facts, sort_keys=True)
            message = Message(
                message_id(self.org, key, channel), self.org, order_id, trigger, channel,
                key, recipient, facts_json, self.now, not_before,
            )  # fmt: skip
            self.messages.append(message)


def message_id(org: str, key: str, channel: Channel) -> str:
    """A message's id from its key: whoever queues the same news names the same message."""
    return "msg_" + hashlib.sha256(f"{org}\n{key}\n{channel.value}".encode()).hexdigest()[:24]


def send_due(
    *,
    uow: Callable[[], UnitOfWork],
    templates: MessageTemplates,
    email: EmailSender | None,
    sms: SmsSender | None,
    clock: Clock,
    rng: Callable[[], float],
    limit: int = 100,
    links: LinkPorts | None = None,
) -> int:
    """Send the messages whose time has come; how many were attempted. With ``links``, the
    messages that offer the tracking page carry the order's link."""
    now = clock.now()
    with uow() as claim:
        due = claim.messages.claim(now, now + LEASE, limit)
        settings = {m.organisation_id: settings_of(claim, m.organisation_id) for m in due}
        claim.commit()
    for message in due:
        own = settings[message.organisation_id]
        sender_missing = (
            "no e-mail server configured (DOORSTEP_SMTP_HOST)"
            if message.channel is Channel.EMAIL and email is None
            else "no SMS provider configured (DOORSTEP_TWILIO_ACCOUNT_SID)"
            if message.channel is Channel.SMS and sms is None
            else ""
        )
        if sender_missing:
            after = message.skipped(sender_missing)
        else:
            linked = with_link(message, links) if links else message
            after = _attempt(linked, own, templates, email, sms, clock, rng)
        with uow() as record:
            record.messages.update(after)
            record.commit()
    return len(due)


def _attempt(
    message: Message,
    settings: MessageSettings,
    templates: MessageTemplates,
    email: EmailSender | None,
    sms: SmsSender | None,
    clock: Clock,
    rng: Callable[[], float],
) -> Message:
    facts = json.loads(message.facts)
    own = settings.template(message.trigger, message.channel)
    try:
        subject, body = templates.render(
            message.trigger, message.channel, settings.language, facts, own
        )
    except InvalidValue as error:
        return message.skipped(f"the template does not render: {error}")
    if message.channel is Channel.EMAIL and email is not None:
        result = email.send(to=message.recipient, subject=subject, text=body)
    elif sms is not None:
        result = sms.send(message.recipient, body)
    else:  # pragma: no cover - send_due checked the sender
        result = SendResult(Outcome.PERMANENT_FAILURE, 0, error="no sender")
    delay = next_attempt_delay(message.attempts + 1, rng(), RETRY)
    return message.attempted(result, clock.now(), delay, subject, body)


def get_settings(principal: Principal, *, uow: UnitOfWork) -> MessageSettings:
    require(principal, Permission.ORDERS_READ)
    with uow:
        return settings_of(uow, principal.organisation_id)


def save_settings(
    principal: Principal, settings: MessageSettings, *, uow: UnitOfWork, templates: MessageTemplates
) -> MessageSettings:
    """Replace the organisation's message settings; every own template must render."""
    require(principal, Permission.ORGANISATION_WRITE)
    sample = {
        "name": "Ann", "reference": "R-1", "organisation": "Example", "at": "09:30",
        "window_start": "09:15", "window_end": "09:45", "stops": 3, "reason": "recipient absent",
        "day": "Thursday 26.11.", "date": "2026-11-26", "windows": "10:00-12:00",
    }  # fmt: skip
    for own in settings.templates:
        templates.render(own.trigger, own.channel, own.language, sample, own)
    with uow:
        uow.messages.save_settings(settings)
        uow.commit()
    return settings


def list_messages(
    principal: Principal, *, order_id: str | None = None, limit: int = 100, uow: UnitOfWork
) -> list[Message]:
    require(principal, Permission.ORDERS_READ)
    if not 1 <= limit <= 1000:
        raise InvalidValue("limit", f"must be between 1 and 1000, got {limit}")
    with uow:
        return uow.messages.list(principal.organisation_id, order_id=order_id, limit=limit)
