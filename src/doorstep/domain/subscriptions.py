"""Integrators' webhook subscriptions and the delivery of each event to each of them.

An event is written to the outbox (one ``Delivery`` per subscription that wants its type) in
the transaction of the change it reports, under a key naming the change. The key is unique
per subscription, so the same change noticed twice is delivered once. The delivery's id is
the Standard Webhooks ``webhook-id``: the same on every retry and on a manual replay, so a
subscriber that got it before can drop the copy.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum

from doorstep.domain.errors import InvalidValue
from doorstep.domain.notifications import SendResult

_URL = re.compile(r"^https?://[^\s/]+(/\S*)?$")


class EventType(StrEnum):
    ORDER_CREATED = "order.created"
    ORDER_STATUS_CHANGED = "order.status_changed"
    ORDER_ETA_CHANGED = "order.eta_changed"
    ORDER_DELIVERED = "order.delivered"
    ORDER_FAILED = "order.failed"
    EXCEPTION_OPENED = "exception.opened"
    EXCEPTION_RESOLVED = "exception.resolved"


@dataclass(frozen=True)
class Subscription:
    id: str
    organisation_id: str
    url: str
    secret: str  # whsec_...; shown once, when the subscription is made
    event_types: frozenset[EventType]
    created_at: datetime
    description: str = ""
    active: bool = True

    def __post_init__(self) -> None:
        if not _URL.match(self.url) or len(self.url) > 2000:
            raise InvalidValue("url", "must be an http(s) URL, e.g. https://example.com/hooks")
        if not self.event_types:
            raise InvalidValue(
                "event_types", "name at least one of: " + ", ".join(e.value for e in EventType)
            )

    def wants(self, event_type: EventType) -> bool:
        return self.active and event_type in self.event_types


class DeliveryStatus(StrEnum):
    PENDING = "pending"  # waiting for its next attempt
    DELIVERED = "delivered"  # the subscriber answered 2xx
    FAILED = "failed"  # refused for good or out of attempts; a person may replay it


@dataclass(frozen=True)
class Delivery:
    id: str  # the webhook-id
    organisation_id: str
    subscription_id: str
    event_type: EventType
    key: str  # unique per subscription: the same change is delivered once
    payload: str  # the JSON body, fixed when the event happened
    created_at: datetime
    next_attempt_at: datetime
    status: DeliveryStatus = DeliveryStatus.PENDING
    attempts: int = 0
    last_status_code: int | None = None
    last_error: str = ""
    delivered_at: datetime | None = None

    def attempted(self, result: SendResult, at: datetime, retry_in_s: float | None) -> Delivery:
        """After one attempt: delivered, failed (``retry_in_s`` None: no attempt left), or
        pending again after the wait."""
        done = replace(self, attempts=self.attempts + 1, last_status_code=result.status_code)
        if result.accepted:
            return replace(done, status=DeliveryStatus.DELIVERED, delivered_at=at, last_error="")
        error = result.error or f"HTTP {result.status_code}"
        if not result.retryable or retry_in_s is None:
            return replace(done, status=DeliveryStatus.FAILED, last_error=error)
        wait = max(retry_in_s, result.retry_after_s or 0.0)
        return replace(done, last_error=error, next_attempt_at=at + timedelta(seconds=wait))

    def replayed(self, at: datetime) -> Delivery:
        """Queued again by a person, the same id and body, attempts counted on."""
        return replace(self, status=DeliveryStatus.PENDING, next_attempt_at=at)
