"""The message and webhook outboxes on SQLite and PostgreSQL: stored once, claimed once."""

from __future__ import annotations

import threading
import time as time_module
from dataclasses import replace
from datetime import UTC, datetime, time, timedelta
from typing import Any

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import insert, select, text

from doorstep.adapters.storage import schema
from doorstep.adapters.storage import tables as t
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


HELD = datetime(2026, 11, 22, 6, 0, tzinfo=UTC)  # 08:00 in Helsinki: the quiet hours end
Q, SUPERSEDED = MessageStatus.QUEUED, MessageStatus.SUPERSEDED


def moved(n: int, channel: Channel = Channel.SMS, to: str = "+358 40 123 4567") -> Message:
    """The n-th "your delivery moved" message of ord_1 to ``to``, queued n minutes after T0
    and held by the quiet hours until HELD."""
    tag = "" if to.endswith("4567") else "_other"
    return Message(
        f"msg_moved_{n}{tag}_{channel.value}", "org_a", "ord_1", Trigger.RESCHEDULED, channel,
        f"ord_1:rescheduled:{n}{tag}", to, f'{{"n": {n}}}', T0 + timedelta(minutes=n), HELD,
    )  # fmt: skip


def by_id(container: Container) -> dict[str, tuple[MessageStatus, str | None]]:
    with container.reader() as uow:
        return {m.id: (m.status, m.superseded_by) for m in uow.messages.list("org_a")}


def test_a_newer_move_supersedes_the_held_one_and_a_replay_changes_nothing(
    container: Container, org: Organisation
) -> None:
    """Moves 1 and 2 queued in turn: 1's SMS is superseded by 2's SMS, its e-mail by 2's
    e-mail; a delivered message and move 1 to another number are left alone. Move 1 and
    move 2 queued again (a replayed event) store nothing and supersede nothing: move 2 stays
    the one to send, move 1 stays superseded and on record, and is never claimed."""
    with container.uow() as uow:
        uow.orders.add(order())
        assert uow.messages.add_new([moved(1), moved(1, Channel.EMAIL), message(1)]) == 3
        assert uow.messages.add_new([moved(1, to="+358 40 999")]) == 1
        uow.commit()
    with container.uow() as uow:
        assert uow.messages.add_new([moved(2), moved(2, Channel.EMAIL)]) == 2
        uow.commit()
    after_two = {
        "msg_moved_1_sms": (SUPERSEDED, "msg_moved_2_sms"),
        "msg_moved_1_email": (SUPERSEDED, "msg_moved_2_email"),
        "msg_moved_2_sms": (Q, None),
        "msg_moved_2_email": (Q, None),
        "msg_moved_1_other_sms": (Q, None),  # another recipient: not the same news
        "msg_1_email": (Q, None),  # delivered: a fact, never superseded
    }
    assert by_id(container) == after_two
    with container.uow() as uow:
        assert uow.messages.add_new([moved(1), moved(2), moved(1, Channel.EMAIL)]) == 0
        uow.commit()
    assert by_id(container) == after_two
    with container.uow() as uow:
        claimed = uow.messages.claim(HELD, HELD + timedelta(minutes=5), 10)
        uow.commit()
    assert sorted(m.id for m in claimed) == [
        "msg_1_email", "msg_moved_1_other_sms", "msg_moved_2_email", "msg_moved_2_sms"
    ]  # fmt: skip


def test_an_attempt_does_not_queue_again_a_message_superseded_while_it_was_sent(
    container: Container, org: Organisation
) -> None:
    """A worker claims move 1; move 2 supersedes it meanwhile. The worker's failed attempt
    (to be retried) is logged but leaves it superseded; had it gone out, the log says sent,
    still naming move 2."""
    with container.uow() as uow:
        uow.orders.add(order())
        uow.messages.add_new([moved(1)])
        (sending,) = uow.messages.claim(HELD, HELD + timedelta(minutes=5), 10)
        uow.commit()
    with container.uow() as uow:
        uow.messages.add_new([moved(2)])
        uow.commit()
    retry = replace(sending, attempts=1, last_error="503", not_before=HELD + timedelta(hours=1))
    with container.uow() as uow:
        uow.messages.update(retry)
        uow.commit()
    with container.reader() as uow:
        stored = {m.id: m for m in uow.messages.list("org_a")}
    first = stored["msg_moved_1_sms"]
    assert (first.status, first.superseded_by) == (SUPERSEDED, "msg_moved_2_sms")
    assert (first.attempts, first.last_error) == (1, "503")
    assert first.not_before == HELD + timedelta(minutes=5)  # the lease, not the retry
    sent = replace(retry, status=MessageStatus.SENT, attempts=2, sent_at=HELD)
    with container.uow() as uow:
        uow.messages.update(sent)
        uow.commit()
    assert by_id(container)["msg_moved_1_sms"] == (MessageStatus.SENT, "msg_moved_2_sms")
    assert by_id(container)["msg_moved_2_sms"] == (Q, None)


def waiting_for_a_turn(container: Container) -> bool:
    with container.engine.connect() as connection:
        waiting = "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
        return bool(connection.execute(text(waiting)).scalar())


@pytest.mark.parametrize("backend", ["postgresql"])
def test_two_transactions_queueing_for_one_order_take_turns(
    container: Container, org: Organisation
) -> None:
    """Move 2 is queued while the transaction queueing move 1 is still open: it waits for
    that one to commit, then supersedes move 1. Without taking turns each would miss the
    other's uncommitted message and both would be sent. (PostgreSQL only: SQLite lets one
    writer in at a time.)"""
    with container.uow() as uow:
        uow.orders.add(order())
        uow.commit()

    def second() -> None:
        with container.uow() as uow:
            uow.messages.add_new([moved(2)])
            uow.commit()

    with container.uow() as uow:
        uow.messages.add_new([moved(1)])
        other = threading.Thread(target=second)
        other.start()
        # Until the other transaction waits for its turn (or, were it not to, is done).
        while other.is_alive() and not waiting_for_a_turn(container):
            time_module.sleep(0.01)
        uow.commit()
    other.join()
    assert by_id(container) == {
        "msg_moved_1_sms": (SUPERSEDED, "msg_moved_2_sms"),
        "msg_moved_2_sms": (Q, None),
    }


BEFORE_RESCHEDULED = MessageSettings(
    "org_a", (Rule(Trigger.DELIVERED, (Channel.EMAIL,)), Rule(Trigger.OUT_FOR_DELIVERY)), None
)


def stored_document(container: Container) -> dict[str, Any]:
    with container.engine.connect() as connection:
        document = connection.execute(select(t.message_settings.c.settings)).scalar_one()
    assert isinstance(document, dict)
    return document


def test_a_trigger_never_decided_on_takes_its_default_and_an_explicit_off_stays(
    container: Container, org: Organisation
) -> None:
    """Settings saved before "rescheduled" existed (their "off" lists the four other
    triggers then known, not it) read with the default rescheduled rule, e-mail and SMS.
    Saved again without it, it is off, and stays off when read."""
    document = {
        "rules": [
            {"trigger": "delivered", "channels": ["email"], "stops_away": 3},
            {"trigger": "out_for_delivery", "channels": ["email", "sms"], "stops_away": 3},
        ],
        "quiet_hours": None, "language": "en", "templates": [],
        "off": ["attempt_failed", "delayed", "order_received", "stops_away"],
    }  # fmt: skip
    with container.engine.begin() as connection:
        connection.execute(
            insert(t.message_settings).values(organisation_id="org_a", settings=document)
        )
    with container.reader() as uow:
        read = uow.messages.settings("org_a")
    assert read == replace(
        BEFORE_RESCHEDULED,
        rules=(*BEFORE_RESCHEDULED.rules, Rule(Trigger.RESCHEDULED, (Channel.EMAIL, Channel.SMS))),
    )
    with container.uow() as uow:
        uow.messages.save_settings(BEFORE_RESCHEDULED)
        uow.commit()
    assert stored_document(container)["off"] == [
        "attempt_failed", "delayed", "order_received", "rescheduled", "stops_away"
    ]  # fmt: skip
    with container.reader() as uow:
        assert uow.messages.settings("org_a") == BEFORE_RESCHEDULED


@pytest.mark.parametrize("backend", ["sqlite"])
def test_settings_stored_before_0016_gain_what_was_off_then(
    container: Container, org: Organisation
) -> None:
    """A document of 0015 lists only the rules that were on: migrated, its "off" holds the
    other triggers of that time, and "rescheduled", never decided on, takes its default.
    Downgraded, a superseded message reads as skipped, naming the newer one. (SQLite only:
    PostgreSQL's database is shared by the tests.)"""
    with container.uow() as uow:
        uow.orders.add(order())
        uow.messages.add_new([moved(1)])
        uow.messages.add_new([moved(2)])
        uow.commit()
    config = Config()
    config.set_main_option("script_location", str(schema.MIGRATIONS))
    with container.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0015")
        old = {
            "rules": [
                {"trigger": "delivered", "channels": ["email"], "stops_away": 3},
                {"trigger": "out_for_delivery", "channels": ["email", "sms"], "stops_away": 3},
            ],
            "quiet_hours": None, "language": "en", "templates": [],
        }  # fmt: skip
        connection.execute(insert(t.message_settings).values(organisation_id="org_a", settings=old))
    with container.engine.connect() as connection:
        m = t.messages.c
        first = select(m.status, m.last_error).where(m.id == "msg_moved_1_sms")
        assert tuple(connection.execute(first).one()) == (
            "skipped",
            "superseded by msg_moved_2_sms",
        )
    assert schema.upgrade(container.engine) == ("0015", schema.head_revision())
    assert stored_document(container)["off"] == [
        "order_received", "stops_away", "attempt_failed", "delayed"
    ]  # fmt: skip
    with container.reader() as uow:
        read = uow.messages.settings("org_a")
    assert read is not None
    assert read.rules == (*BEFORE_RESCHEDULED.rules, Rule(Trigger.RESCHEDULED))
