"""The message and webhook outboxes on SQLite and PostgreSQL: stored once, claimed once."""

from __future__ import annotations

from datetime import time, timedelta

from doorstep.bootstrap import Container
from doorstep.domain.accounts import Organisation
from doorstep.domain.messages import (
    Message,
    MessageSettings,
    MessageStatus,
    QuietHours,
    Rule,
    TemplateText,
    Trigger,
)
from doorstep.domain.notifications import Channel
from doorstep.domain.subscriptions import Delivery, EventType, Subscription
from doorstep.services.ports import Contact
from tests.adapters.storage.conftest import T0, order


def message(n: int, channel: Channel = Channel.EMAIL) -> Message:
    return Message(
        f"msg_{n}_{channel.value}", "org_a", "ord_1", Trigger.DELIVERED, channel,
        f"ord_1:delivered:{n}", "ann@example.com", '{"name": "Ann"}', T0, T0 + timedelta(minutes=n),
    )  # fmt: skip


def test_messages_are_stored_once_and_claimed_once(container: Container, org: Organisation) -> None:
    """The same key and channel again is not stored; a claim leases what it takes."""
    with container.uow() as uow:
        uow.orders.add(order())
        assert uow.messages.add_new([message(1), message(1, Channel.SMS), message(2)]) == 3
        assert uow.messages.add_new([message(1)]) == 0
        claimed = uow.messages.claim(T0 + timedelta(minutes=1), T0 + timedelta(hours=1), 10)
        again = uow.messages.claim(T0 + timedelta(minutes=30), T0 + timedelta(hours=1), 10)
        uow.commit()
    assert sorted(m.id for m in claimed) == ["msg_1_email", "msg_1_sms"]
    assert [m.id for m in again] == ["msg_2_email"]
    with container.uow() as uow:
        done = uow.messages.list("org_a")
        contacts = uow.messages.contacts("org_a", ["ord_1", "ord_9"])
    assert {m.not_before for m in done} == {T0 + timedelta(hours=1)}
    assert {m.status for m in done} == {MessageStatus.QUEUED}
    assert contacts == {
        "ord_1": Contact("ord_1", "Ann Äkräs", "ann@example.com", "+358 40 123 4567", "R-ord_1",
                         "stn_1")
    }  # fmt: skip


def test_settings_round_trip(container: Container, org: Organisation) -> None:
    """Rules, quiet hours, language and own templates come back as saved, replaced whole."""
    own = TemplateText(Trigger.DELAYED, Channel.SMS, "fi", "", "Myöhässä, {{ name }}")
    saved = MessageSettings(
        "org_a", (Rule(Trigger.STOPS_AWAY, (Channel.SMS,), 5),), QuietHours(time(22), time(7)),
        "fi", (own,),
    )  # fmt: skip
    with container.uow() as uow:
        assert uow.messages.settings("org_a") is None
        uow.messages.save_settings(MessageSettings("org_a"))
        uow.messages.save_settings(saved)
        uow.commit()
    with container.uow() as uow:
        assert uow.messages.settings("org_a") == saved


def test_deliveries_are_stored_once_per_subscription(
    container: Container, org: Organisation
) -> None:
    """A subscription round-trips; its delivery of one key is kept once."""
    sub = Subscription(
        "whs_1", "org_a", "https://x.example/h", "whsec_" + "A" * 44,
        frozenset({EventType.ORDER_DELIVERED, EventType.EXCEPTION_OPENED}), T0,
    )  # fmt: skip
    delivery = Delivery("msg_d1", "org_a", "whs_1", EventType.ORDER_DELIVERED, "k1", "{}", T0, T0)
    with container.uow() as uow:
        uow.subscriptions.add(sub)
        assert uow.deliveries.add_new([delivery]) == 1
        assert uow.deliveries.add_new([delivery]) == 0
        (claimed,) = uow.deliveries.claim(T0, T0 + timedelta(minutes=5), 10)
        uow.commit()
    with container.uow() as uow:
        assert uow.subscriptions.list("org_a") == [sub]
        assert uow.deliveries.get("org_a", "msg_d1") == claimed.__class__(
            **{**vars(claimed), "next_attempt_at": T0 + timedelta(minutes=5)}
        )
        assert uow.deliveries.get("org_b", "msg_d1") is None
