"""Integrators' webhooks: subscriptions, events into the outbox, signed delivery with retries.

``publish`` writes one delivery per subscription that wants the event, in the transaction of
the change it reports, keyed by the change: the same change noticed twice is delivered once.
``deliver_due`` (the outbox worker) claims due deliveries, POSTs them signed per Standard
Webhooks outside any transaction and logs each attempt; a failure waits out the jittered
backoff schedule, and a person can replay any delivery (same id, same body).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from datetime import datetime, timedelta

from doorstep.domain.errors import InvalidValue, NotFound
from doorstep.domain.exceptions import ExceptionCase
from doorstep.domain.order_status import OrderStatus
from doorstep.domain.orders import Order, StatusChange
from doorstep.domain.permissions import Permission
from doorstep.domain.subscriptions import Delivery, DeliveryStatus, EventType, Subscription
from doorstep.domain.webhooks import DEFAULT_RETRY, new_secret, next_attempt_delay
from doorstep.services.authorization import Principal, require
from doorstep.services.ports import Clock, IdGenerator, SecretGenerator, UnitOfWork, WebhookSender

LEASE = timedelta(minutes=5)


def subscribe(
    principal: Principal,
    url: str,
    event_types: Sequence[EventType],
    *,
    description: str = "",
    uow: UnitOfWork,
    clock: Clock,
    ids: IdGenerator,
    secrets: SecretGenerator,
) -> Subscription:
    """A new subscription with a fresh ``whsec_`` secret (shown in the answer, once)."""
    require(principal, Permission.ORGANISATION_WRITE)
    key = hashlib.sha256(secrets.token("whk").encode()).digest()  # 256 unguessable bits
    subscription = Subscription(
        ids.new_id("whs"), principal.organisation_id, url, new_secret(key),
        frozenset(event_types), clock.now(), description,
    )  # fmt: skip
    with uow:
        uow.subscriptions.add(subscription)
        uow.commit()
    return subscription


def unsubscribe(principal: Principal, subscription_id: str, *, uow: UnitOfWork) -> Subscription:
    """Stop sending to a subscription; its log stays."""
    require(principal, Permission.ORGANISATION_WRITE)
    with uow:
        found = _subscription(uow, principal.organisation_id, subscription_id)
        stopped = replace(found, active=False)
        uow.subscriptions.update(stopped)
        uow.commit()
    return stopped


def list_subscriptions(principal: Principal, *, uow: UnitOfWork) -> list[Subscription]:
    require(principal, Permission.ORGANISATION_READ)
    with uow:
        return uow.subscriptions.list(principal.organisation_id)


def list_deliveries(
    principal: Principal,
    *,
    subscription_id: str | None = None,
    status: DeliveryStatus | None = None,
    limit: int = 100,
    uow: UnitOfWork,
) -> list[Delivery]:
    require(principal, Permission.ORGANISATION_READ)
    if not 1 <= limit <= 1000:
        raise InvalidValue("limit", f"must be between 1 and 1000, got {limit}")
    with uow:
        return uow.deliveries.list(
            principal.organisation_id,
            subscription_id=subscription_id,
            status=status.value if status else None,
            limit=limit,
        )


def replay(principal: Principal, delivery_id: str, *, uow: UnitOfWork, clock: Clock) -> Delivery:
    """Send a delivery again now (the same webhook-id and body), whatever became of it."""
    require(principal, Permission.ORGANISATION_WRITE)
    with uow:
        found = uow.deliveries.get(principal.organisation_id, delivery_id)
        if found is None:
            raise NotFound("webhook delivery", delivery_id)
        again = found.replayed(clock.now())
        uow.deliveries.update(again)
        uow.commit()
    return again


def publish(
    uow: UnitOfWork,
    org: str,
    events: Sequence[tuple[EventType, str, Mapping[str, object]]],
    now: datetime,
) -> int:
    """Put each (type, key, data) event in the outbox of every subscription that wants it;
    how many deliveries were new. Call inside the transaction of the change."""
    if not events:
        return 0
    subscriptions = [s for s in uow.subscriptions.list(org) if s.active]
    if not subscriptions:
        return 0
    deliveries = []
    for event_type, key, data in events:
        for s in subscriptions:
            if not s.wants(event_type):
                continue
            delivery_id = "msg_" + hashlib.sha256(f"{s.id}\n{key}".encode()).hexdigest()[:24]
            body = {"type": event_type.value, "timestamp": now.isoformat(), "data": dict(data)}
            payload = json.dumps(body, sort_keys=True, separators=(",", ":"))
            deliveries.append(Delivery(delivery_id, org, s.id, event_type, key, payload, now, now))
    return uow.deliveries.add_new(deliveries)


def publish_changes(
    uow: UnitOfWork,
    org: str,
    changes: Sequence[tuple[str, StatusChange]],
    now: datetime,
    reasons: Mapping[str, str] | None = None,
) -> int:
    """The events of orders' status changes: every change, and deliveries and failures as
    their own types (with the failure's reason)."""
    if not changes or not any(s.active for s in uow.subscriptions.list(org)):
        return 0  # the common case of no integrator: build nothing
    events: list[tuple[EventType, str, Mapping[str, object]]] = []
    for order_id, change in changes:
        data: dict[str, object] = {
            "order_id": order_id,
            "from_status": change.from_status.value,
            "to_status": change.to_status.value,
            "at": change.at.isoformat(),
        }
        key = f"{order_id}:{change.to_status.value}:{change.at.isoformat()}"
        events.append((EventType.ORDER_STATUS_CHANGED, key, data))
        if change.to_status is OrderStatus.DELIVERED:
            events.append((EventType.ORDER_DELIVERED, f"{order_id}:delivered", data))
        if change.to_status is OrderStatus.FAILED_ATTEMPT:
            failed = {**data, "reason": (reasons or {}).get(order_id, "")}
            events.append((EventType.ORDER_FAILED, f"{key}:failed", failed))
    return publish(uow, org, events, now)


def publish_created(uow: UnitOfWork, org: str, orders: Sequence[Order], now: datetime) -> int:
    """The ``order.created`` events of new orders (from the API or a file import)."""
    events: list[tuple[EventType, str, Mapping[str, object]]] = [
        (
            EventType.ORDER_CREATED,
            f"{order.id}:created",
            {
                "order_id": order.id,
                "shipper": order.shipper,
                "shipper_reference": order.shipper_reference,
                "status": order.status.value,
                "station_id": order.station_id,
                "service_date": order.service_date.isoformat() if order.service_date else None,
            },
        )
        for order in orders
    ]
    return publish(uow, org, events, now)


ETA_STEP_S = 15 * 60  # an ETA change worth telling: into another quarter hour


def publish_etas(
    uow: UnitOfWork, org: str, etas: Sequence[tuple[str, datetime]], now: datetime
) -> int:
    """``order.eta_changed`` for each (order, live ETA) whose ETA entered a quarter hour not
    told before: the key holds the quarter, so an ETA wavering inside one says nothing."""
    events: list[tuple[EventType, str, Mapping[str, object]]] = [
        (
            EventType.ORDER_ETA_CHANGED,
            f"{order_id}:eta:{int(eta.timestamp()) // ETA_STEP_S}",
            {"order_id": order_id, "eta": eta.isoformat()},
        )
        for order_id, eta in etas
    ]
    return publish(uow, org, events, now)


def publish_cases(
    uow: UnitOfWork, org: str, cases: Sequence[ExceptionCase], now: datetime, *, opened: bool
) -> int:
    """The events of exception cases opened or resolved."""
    kind = EventType.EXCEPTION_OPENED if opened else EventType.EXCEPTION_RESOLVED
    events: list[tuple[EventType, str, Mapping[str, object]]] = [
        (
            kind,
            f"{case.id}:{kind.value}",
            {
                "case_id": case.id,
                "type": case.type.value,
                "summary": case.summary,
                "order_id": case.order_id,
                "barcode": case.barcode,
                "status": case.status.value,
                "resolution": case.resolution.value if case.resolution else None,
            },
        )
        for case in cases
    ]
    return publish(uow, org, events, now)


def deliver_due(
    *,
    uow: Callable[[], UnitOfWork],
    sender: WebhookSender,
    clock: Clock,
    rng: Callable[[], float],
    limit: int = 100,
) -> int:
    """Attempt every delivery whose time has come; how many were attempted."""
    now = clock.now()
    with uow() as claim:
        due = claim.deliveries.claim(now, now + LEASE, limit)
        secrets = {
            d.subscription_id: claim.subscriptions.get(d.organisation_id, d.subscription_id)
            for d in due
        }
        claim.commit()
    for delivery in due:
        subscription = secrets.get(delivery.subscription_id)
        if subscription is None or not subscription.active:
            after = replace(delivery, status=DeliveryStatus.FAILED, last_error="unsubscribed")
        else:
            at = clock.now()
            result = sender.send(
                subscription.url,
                delivery.payload.encode(),
                secret=subscription.secret,
                msg_id=delivery.id,
                timestamp=int(at.timestamp()),
            )
            delay = next_attempt_delay(delivery.attempts + 1, rng(), DEFAULT_RETRY)
            after = delivery.attempted(result, clock.now(), delay)
        with uow() as record:
            record.deliveries.update(after)
            record.commit()
    return len(due)


def _subscription(uow: UnitOfWork, org: str, subscription_id: str) -> Subscription:
    found = uow.subscriptions.get(org, subscription_id)
    if found is None:
        raise NotFound("webhook subscription", subscription_id)
    return found
