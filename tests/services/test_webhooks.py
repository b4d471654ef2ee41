"""Webhooks: one delivery per subscription and change, retried by the schedule, replayable."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from doorstep.domain.errors import InvalidValue, NotFound
from doorstep.domain.notifications import Outcome, SendResult
from doorstep.domain.order_status import OrderStatus as S
from doorstep.domain.orders import StatusChange
from doorstep.domain.subscriptions import DeliveryStatus, EventType
from doorstep.domain.webhooks import secret_key
from doorstep.services import orders, webhooks
from doorstep.services.authorization import Principal
from tests.services.conftest import Ports, order_fields


class Receiver:
    def __init__(self, *answers: Outcome) -> None:
        self.answers = list(answers)
        self.calls: list[tuple[str, str, str]] = []

    def send(self, url, body, *, secret, msg_id, timestamp, **_):  # type: ignore[no-untyped-def]
        self.calls.append((url, msg_id, body.decode()))
        outcome = self.answers.pop(0) if self.answers else Outcome.ACCEPTED
        return SendResult(outcome, 1, status_code=204 if outcome == "accepted" else 503)


def subscribe(ports: Ports, admin: Principal, *types: EventType) -> str:
    made = webhooks.subscribe(
        admin, "https://shop.example/hooks", types, uow=ports.uow, clock=ports.clock,
        ids=ports.ids, secrets=ports.secrets,
    )  # fmt: skip
    assert len(secret_key(made.secret)) == 32
    return made.id


def change(ports: Ports, admin: Principal, to: S) -> int:
    at = ports.clock.now()
    with ports.uow as uow:
        count = webhooks.publish_changes(
            uow, admin.organisation_id, [("ord_1", StatusChange(at, S.OUT_FOR_DELIVERY, to))], at,
            {"ord_1": "recipient_absent"},
        )  # fmt: skip
        uow.commit()
    return count


def deliver(ports: Ports, receiver: Receiver) -> int:
    return webhooks.deliver_due(
        uow=lambda: ports.uow, sender=receiver, clock=ports.clock, rng=lambda: 1.0
    )


def test_each_subscription_gets_the_types_it_asked_for_once(ports: Ports, admin: Principal) -> None:
    """Two subscriptions, one change: each gets its own types; the change again adds nothing."""
    subscribe(ports, admin, EventType.ORDER_FAILED)
    subscribe(ports, admin, EventType.ORDER_STATUS_CHANGED, EventType.ORDER_DELIVERED)
    assert change(ports, admin, S.FAILED_ATTEMPT) == 2
    assert change(ports, admin, S.FAILED_ATTEMPT) == 0
    found = webhooks.list_deliveries(admin, uow=ports.uow)
    assert sorted(d.event_type for d in found) == [
        EventType.ORDER_FAILED, EventType.ORDER_STATUS_CHANGED
    ]  # fmt: skip
    failed = next(d for d in found if d.event_type is EventType.ORDER_FAILED)
    assert json.loads(failed.payload)["data"]["reason"] == "recipient_absent"


def test_a_failing_receiver_is_retried_by_the_schedule_then_replayed_by_a_person(
    ports: Ports, admin: Principal
) -> None:
    """503 three times, then accepted on the fourth attempt with the same id; a replay sends
    it once more, the same id and body."""
    subscribe(ports, admin, EventType.ORDER_DELIVERED)
    change(ports, admin, S.DELIVERED)
    receiver = Receiver(*[Outcome.TEMPORARY_FAILURE] * 3)
    for wait in (0, 5, 20, 80):  # the schedule's nominal waits, the jitter at its top
        ports.clock.advance(timedelta(seconds=wait))
        assert deliver(ports, receiver) == 1
        assert deliver(ports, receiver) == 0  # nothing due until the next wait is over
    (delivery,) = webhooks.list_deliveries(admin, uow=ports.uow)
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.DELIVERED, 4)
    assert len({msg_id for _, msg_id, _ in receiver.calls}) == 1
    webhooks.replay(admin, delivery.id, uow=ports.uow, clock=ports.clock)
    assert deliver(ports, receiver) == 1
    assert receiver.calls[-1] == receiver.calls[0]


def test_unsubscribed_deliveries_fail_and_bad_urls_are_refused(
    ports: Ports, admin: Principal
) -> None:
    """Stopping a subscription fails what was pending; a URL must be http(s)."""
    sub = subscribe(ports, admin, EventType.ORDER_DELIVERED)
    change(ports, admin, S.DELIVERED)
    webhooks.unsubscribe(admin, sub, uow=ports.uow)
    assert deliver(ports, Receiver()) == 1
    (delivery,) = webhooks.list_deliveries(admin, uow=ports.uow)
    assert (delivery.status, delivery.last_error) == (DeliveryStatus.FAILED, "unsubscribed")
    with pytest.raises(InvalidValue, match="url"):
        webhooks.subscribe(
            admin, "ftp://x", [EventType.ORDER_DELIVERED], uow=ports.uow, clock=ports.clock,
            ids=ports.ids, secrets=ports.secrets,
        )  # fmt: skip
    with pytest.raises(NotFound):
        webhooks.replay(admin, "msg_nope", uow=ports.uow, clock=ports.clock)


def test_a_new_order_is_announced_once(ports: Ports, admin: Principal) -> None:
    """Creating an order puts one ``order.created`` delivery in the outbox, with its reference."""
    subscribe(ports, admin, EventType.ORDER_CREATED)
    made = orders.create_order(
        admin, order_fields("R-77"), uow=ports.uow, clock=ports.clock, ids=ports.ids
    )
    (delivery,) = webhooks.list_deliveries(admin, uow=ports.uow)
    assert delivery.event_type is EventType.ORDER_CREATED
    data = json.loads(delivery.payload)["data"]
    assert (data["order_id"], data["shipper_reference"]) == (made.id, "R-77")
