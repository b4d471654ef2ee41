"""Customer messages: queued once per order, moment and channel; sent, retried or skipped."""

from __future__ import annotations

import json
from datetime import UTC, datetime, time, timedelta

import pytest

from doorstep.domain.dispatch import RouteProgress, RouteState
from doorstep.domain.messages import (
    MessageSettings,
    MessageStatus,
    QuietHours,
    Rule,
    TemplateText,
    Trigger,
)
from doorstep.domain.notifications import Channel, Outcome, SendResult
from doorstep.domain.order_status import OrderStatus as S
from doorstep.domain.orders import Order, Recipient, StatusChange
from doorstep.services import messages, orders, stations
from doorstep.services.authorization import Principal
from tests.services.conftest import Ports, order_fields, station_fields

NINE = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)  # 09:00 in Helsinki


class Templates:
    def render(self, trigger, channel, language, facts, own=None):  # type: ignore[no-untyped-def]
        if own is not None:
            return own.subject, own.body
        return f"{trigger.value}", json.dumps(facts, sort_keys=True)


class Outbox:
    """An e-mail or SMS sender that answers as told and keeps what it was given."""

    def __init__(self, *answers: Outcome) -> None:
        self.answers = list(answers)
        self.sent: list[tuple[str, str]] = []

    def _result(self) -> SendResult:
        outcome = self.answers.pop(0) if self.answers else Outcome.ACCEPTED
        return SendResult(outcome, 3, reference="ref-1", error="" if outcome == "accepted" else "x")

    def send(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        self.sent.append((kwargs.get("to") or args[0], kwargs.get("text") or args[1]))
        return self._result()


@pytest.fixture
def order(ports: Ports, admin: Principal) -> Order:
    stations.add_station(admin, station_fields("HEL1"), uow=ports.uow, ids=ports.ids)
    who = Recipient("Ann Lee", phone="+358 40 123 4567", email="ann@example.fi")
    fields = order_fields("R-1", recipient=who, station_id="HEL1")
    return orders.create_order(admin, fields, uow=ports.uow, clock=ports.clock, ids=ports.ids)


def settings(ports: Ports, admin: Principal, *rules: Rule, **extra: object) -> None:
    with ports.uow as uow:
        org = admin.organisation_id
        uow.messages.save_settings(MessageSettings(org, rules, **extra))  # type: ignore[arg-type]
        uow.commit()


def queue(ports: Ports, admin: Principal, order: Order, to: S, at: datetime = NINE) -> int:
    change = StatusChange(at, S.READY, to)
    with ports.uow as uow:
        count = messages.queue_for_changes(uow, admin.organisation_id, [(order.id, change)], at)
        uow.commit()
    return count


def send(ports: Ports, email: Outbox | None, sms: Outbox | None) -> int:
    return messages.send_due(
        uow=lambda: ports.uow, templates=Templates(), email=email, sms=sms,
        clock=ports.clock, rng=lambda: 0.0,
    )  # fmt: skip


def log(ports: Ports, admin: Principal) -> list[tuple[Trigger, Channel, MessageStatus]]:
    found = messages.list_messages(admin, uow=ports.uow)
    return sorted((m.trigger, m.channel, m.status) for m in found)


def test_the_same_news_is_queued_once_per_channel(
    ports: Ports, admin: Principal, order: Order
) -> None:
    """A change noticed twice (a retried batch, a second server) queues nothing more."""
    settings(ports, admin, Rule(Trigger.DELIVERED), quiet_hours=None)
    assert queue(ports, admin, order, S.DELIVERED) == 2
    assert queue(ports, admin, order, S.DELIVERED, NINE + timedelta(minutes=5)) == 0
    assert queue(ports, admin, order, S.SORTED) == 0  # no rule, no message


def test_only_channels_with_an_address_are_queued(ports: Ports, admin: Principal) -> None:
    """No e-mail address, no e-mail: the SMS goes alone."""
    stations.add_station(admin, station_fields("HEL1"), uow=ports.uow, ids=ports.ids)
    fields = order_fields("R-2", recipient=Recipient("Bo", phone="+358 40 765 4321"))
    phone_only = orders.create_order(admin, fields, uow=ports.uow, clock=ports.clock, ids=ports.ids)
    settings(ports, admin, Rule(Trigger.OUT_FOR_DELIVERY), quiet_hours=None)
    assert queue(ports, admin, phone_only, S.OUT_FOR_DELIVERY) == 1
    assert log(ports, admin) == [(Trigger.OUT_FOR_DELIVERY, Channel.SMS, MessageStatus.QUEUED)]


def test_sending_retries_temporary_failures_and_gives_up_on_permanent_ones(
    ports: Ports, admin: Principal, order: Order
) -> None:
    """E-mail fails for now then goes; the SMS is refused for good; each attempt is logged."""
    settings(ports, admin, Rule(Trigger.DELIVERED), quiet_hours=None)
    queue(ports, admin, order, S.DELIVERED)
    ports.clock.current = NINE
    email, sms = Outbox(Outcome.TEMPORARY_FAILURE), Outbox(Outcome.PERMANENT_FAILURE)
    assert send(ports, email, sms) == 2
    assert send(ports, email, sms) == 0  # the e-mail waits out its retry delay
    ports.clock.advance(timedelta(seconds=31))
    assert send(ports, email, sms) == 1
    assert log(ports, admin) == [
        (Trigger.DELIVERED, Channel.EMAIL, MessageStatus.SENT),
        (Trigger.DELIVERED, Channel.SMS, MessageStatus.FAILED),
    ]
    (first, second) = email.sent
    assert first == second == ("ann@example.fi", first[1])
    assert json.loads(first[1])["name"] == "Ann"


def test_a_channel_without_a_sender_is_skipped_with_the_reason(
    ports: Ports, admin: Principal, order: Order
) -> None:
    """No SMTP server configured: the e-mail is logged as skipped, saying what to set."""
    settings(ports, admin, Rule(Trigger.DELIVERED, (Channel.EMAIL,)), quiet_hours=None)
    queue(ports, admin, order, S.DELIVERED)
    ports.clock.current = NINE
    assert send(ports, None, None) == 1
    (message,) = messages.list_messages(admin, uow=ports.uow)
    assert message.status is MessageStatus.SKIPPED
    assert "DOORSTEP_SMTP_HOST" in message.last_error


def test_quiet_hours_delay_the_message_to_their_end(
    ports: Ports, admin: Principal, order: Order
) -> None:
    """Queued at 22:30 local time, the message may go at 08:00 the next morning."""
    quiet = QuietHours(time(21), time(8))
    settings(ports, admin, Rule(Trigger.DELIVERED, (Channel.SMS,)), quiet_hours=quiet)
    late = datetime(2026, 11, 22, 20, 30, tzinfo=UTC)  # 22:30 in Helsinki
    queue(ports, admin, order, S.DELIVERED, late)
    (message,) = messages.list_messages(admin, uow=ports.uow)
    assert message.not_before == datetime(2026, 11, 23, 6, 0, tzinfo=UTC)


def test_an_organisations_own_wording_is_used(ports: Ports, admin: Principal, order: Order) -> None:
    """A template of the organisation's own replaces the default for its trigger and channel."""
    own = TemplateText(Trigger.DELIVERED, Channel.SMS, "en", "", "Perillä, {{ name }}!")
    settings(ports, admin, Rule(Trigger.DELIVERED, (Channel.SMS,)), quiet_hours=None,
             templates=(own,))  # fmt: skip
    queue(ports, admin, order, S.DELIVERED)
    ports.clock.current = NINE
    sms = Outbox()
    send(ports, None, sms)
    assert sms.sent == [("+358 40 123 4567", "Perillä, {{ name }}!")]


def test_routes_queue_stops_away_and_delays_once(
    ports: Ports, admin: Principal, order: Order
) -> None:
    """The stop three open stops ahead hears "3 stops away" with a window around its ETA; a
    stop at risk hears "delayed"; the next watch queues neither again."""
    settings(
        ports, admin, Rule(Trigger.STOPS_AWAY, (Channel.SMS,), stops_away=3),
        Rule(Trigger.DELAYED, (Channel.SMS,)), quiet_hours=None,
    )  # fmt: skip
    eta = NINE + timedelta(hours=1)
    ahead = (("ord_x", NINE), ("ord_y", NINE), (order.id, eta))
    route = RouteProgress(
        "veh_1", RouteState.ON_ROAD, NINE, NINE, 5, 2, timedelta(0), (order.id,), ahead=ahead
    )
    for _ in range(2):
        with ports.uow as uow:
            messages.queue_for_routes(uow, admin.organisation_id, [route], NINE)
            uow.commit()
    found = messages.list_messages(admin, uow=ports.uow)
    assert sorted(m.trigger for m in found) == [Trigger.DELAYED, Trigger.STOPS_AWAY]
    away = next(m for m in found if m.trigger is Trigger.STOPS_AWAY)
    facts = json.loads(away.facts)
    assert (facts["stops"], facts["window_start"], facts["window_end"]) == (3, "09:45", "10:15")


def test_only_the_latest_forecast_is_kept_but_every_fact_is(
    ports: Ports, admin: Principal, order: Order
) -> None:
    """Out for delivery at 22:30 and again at 00:30 (Helsinki), an attempt failing at 22:40
    and at 00:40, all held to 08:00: the later "out for delivery" supersedes the earlier,
    whose window is stale; both failed attempts stay, each a fact with its own reason."""
    quiet = QuietHours(time(21), time(8))
    rules = (
        Rule(Trigger.OUT_FOR_DELIVERY, (Channel.SMS,)),
        Rule(Trigger.ATTEMPT_FAILED, (Channel.SMS,)),
    )
    settings(ports, admin, *rules, quiet_hours=quiet)
    late = datetime(2026, 11, 22, 20, 30, tzinfo=UTC)  # 22:30 in Helsinki
    for at in (late, late + timedelta(hours=2)):  # 22:30 on the 22nd, 00:30 on the 23rd
        assert queue(ports, admin, order, S.OUT_FOR_DELIVERY, at) == 1
        assert queue(ports, admin, order, S.FAILED_ATTEMPT, at + timedelta(minutes=10)) == 1
    found = {
        (m.trigger, json.loads(m.facts)["at"]): m
        for m in messages.list_messages(admin, uow=ports.uow)
    }
    newer = found[Trigger.OUT_FOR_DELIVERY, "00:30"].id
    assert {k: (m.status, m.superseded_by) for k, m in found.items()} == {
        (Trigger.OUT_FOR_DELIVERY, "22:30"): (MessageStatus.SUPERSEDED, newer),
        (Trigger.OUT_FOR_DELIVERY, "00:30"): (MessageStatus.QUEUED, None),
        (Trigger.ATTEMPT_FAILED, "22:40"): (MessageStatus.QUEUED, None),
        (Trigger.ATTEMPT_FAILED, "00:40"): (MessageStatus.QUEUED, None),
    }
    ports.clock.current = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)  # 08:00
    sms = Outbox()
    assert send(ports, None, sms) == 3
