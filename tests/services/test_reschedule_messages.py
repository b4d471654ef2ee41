"""The customer hears when the station moves their delivery, on SQLite and PostgreSQL.

The day: station HEL1 (Europe/Helsinki), one van, three orders of Monday DAY planned and
published, their parcels received; it is 06:00 on DAY. A dispatcher moves R-1 (Ann Lee, e-mail
and phone) to Thursday 26.11., 10:00-12:00. The outbox sends through a real SMTP server and a
Twilio-shaped SMS server on loopback.
"""

from __future__ import annotations

import email
import email.policy
import json
import re
from collections.abc import Iterator
from datetime import datetime, time, timedelta
from typing import Any

import pytest

from doorstep.bootstrap import Container
from doorstep.domain.messages import DEFAULT_RULES, Message, MessageSettings, MessageStatus, Trigger
from doorstep.domain.notifications import Channel
from doorstep.domain.orders import Address, Order, Recipient
from doorstep.domain.scans import ScanKind as K
from doorstep.domain.tracking import hash_token
from doorstep.planning.versions import PlanVersion
from doorstep.services import messages, orders, stations
from doorstep.services.authorization import Principal
from doorstep.services.planning import runs
from tests.adapters.test_email import LoopbackController, Mailbox, running
from tests.adapters.test_sms import ACCOUNT, FROM, TOKEN, FakeTwilio, twilio
from tests.services.conftest import Ports, order_fields, station_fields
from tests.services.planning.test_runs import DAY, PLACES, plan, van
from tests.services.test_messages import Outbox, Templates
from tests.services.test_reschedule import HELSINKI, THURSDAY, admin, move, ports
from tests.services.test_sorting import barcode, scan, send

__all__ = ["admin", "ports", "twilio"]  # fixtures, used by name

FRIDAY = THURSDAY + timedelta(days=1)
EIGHT = datetime.combine(DAY, time(8), HELSINKI)  # the default quiet hours end
PUBLIC = "https://track.example"
SUPERSEDED = MessageStatus.SUPERSEDED


@pytest.fixture
def held(ports: Ports, admin: Principal) -> list[Order]:
    """Three orders of DAY with the customers' e-mail and phone, planned, published and
    received at the station; it is 06:00 on DAY."""
    stations.add_station(admin, station_fields("HEL1"), uow=ports.uow, ids=ports.ids)
    van(ports, admin, "Van 1")
    placed = []
    for i, at in enumerate(PLACES, start=1):
        who = Recipient(f"Ann{i} Lee", phone=f"+358 40 123 456{i}", email=f"ann{i}@example.fi")
        fields = order_fields(
            f"R-{i}", station_id="HEL1", location=at, service_date=DAY,
            address=Address(f"Street R-{i}, Helsinki"), recipient=who,
        )  # fmt: skip
        placed.append(
            orders.create_order(admin, fields, uow=ports.uow, clock=ports.clock, ids=ports.ids)
        )
    runs.publish(admin, plan(ports, admin).id, uow=ports.uow, clock=ports.clock)
    ports.clock.current = datetime.combine(DAY, time(6), HELSINKI)
    send(ports, admin, *(scan(n, K.RECEIVE, barcode(o)) for n, o in enumerate(placed)))
    return placed


def moved(ports: Ports, admin: Principal) -> list[Message]:
    found = messages.list_messages(admin, uow=ports.uow)
    return sorted((m for m in found if m.trigger is Trigger.RESCHEDULED), key=lambda m: m.channel)


def rules_without_rescheduled(ports: Ports, admin: Principal) -> None:
    kept = tuple(r for r in DEFAULT_RULES if r.trigger is not Trigger.RESCHEDULED)
    with ports.uow as uow:
        uow.messages.save_settings(MessageSettings(admin.organisation_id, kept))
        uow.commit()


@pytest.fixture
def smtp() -> Iterator[tuple[Mailbox, LoopbackController]]:
    box = Mailbox()
    for controller in running(box):
        yield box, controller


def wired(container: Container, ports: Ports, smtp: LoopbackController, sms_url: str) -> Container:
    """The container sending through the loopback servers, on the test's clock."""
    settings = container.settings.model_copy(
        update={
            "smtp_host": "127.0.0.1", "smtp_port": smtp.port, "smtp_from": "noreply@d.test",
            "twilio_account_sid": ACCOUNT, "twilio_auth_token": TOKEN, "twilio_from": FROM,
            "twilio_base_url": sms_url, "public_url": PUBLIC,
        }
    )  # fmt: skip
    return container.variant(settings=settings, clock=ports.clock)


def mail(envelope: Any) -> tuple[str, str, str]:
    parsed = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
    body = str(parsed.get_content()).strip()  # type: ignore[attr-defined]
    return ",".join(envelope.rcpt_tos), str(parsed["Subject"]), body


def test_a_moved_order_tells_its_customer_once_by_email_and_sms(
    container: Container,
    ports: Ports,
    admin: Principal,
    held: list[Order],
    smtp: tuple[Mailbox, LoopbackController],
    twilio: tuple[FakeTwilio, str],
) -> None:
    """With the default rules, the move queues one e-mail and one SMS saying Thursday 26.11.,
    10:00-12:00 (Helsinki time), held to 08:00 by the quiet hours; a repeat queues nothing;
    the outbox sends both, with a tracking link that opens the order's page."""
    first = held[0]
    move(ports, admin, first, THURSDAY, "10:00-12:00")
    move(ports, admin, first, THURSDAY, "10:00-12:00")  # a repeat: the order is there already

    queued = moved(ports, admin)
    assert [(m.channel, m.order_id, m.recipient) for m in queued] == [
        (Channel.EMAIL, first.id, "ann1@example.fi"),
        (Channel.SMS, first.id, "+358 40 123 4561"),
    ]
    assert {m.not_before for m in queued} == {EIGHT}  # 06:00 is within the quiet hours
    facts = json.loads(queued[0].facts)
    assert {k: facts[k] for k in ("day", "date", "windows", "window_start", "window_end")} == {
        "day": "Thursday 26.11.", "date": "2026-11-26", "windows": "10:00-12:00",
        "window_start": "10:00", "window_end": "12:00",
    }  # fmt: skip
    assert all(m.order_id == first.id for m in moved(ports, admin))  # the others stayed

    box, controller = smtp
    state, url = twilio
    sending = wired(container, ports, controller, url)
    ports.clock.current = EIGHT
    sending.run_outbox_once(lambda: 0.0)
    sent = {m.channel: m for m in moved(ports, admin)}
    assert {c: m.status for c, m in sent.items()} == {
        Channel.EMAIL: MessageStatus.SENT, Channel.SMS: MessageStatus.SENT
    }  # fmt: skip

    (to, subject, body) = next(mail(e) for e in box.envelopes if "R-1 now" in mail(e)[1])
    link = re.fullmatch(
        r"Hi Ann1, the delivery of your parcel R-1 moved to Thursday 26\.11\., 10:00-12:00\. "
        r"Details: (https://track\.example/t/trk_[\w-]+)",
        body,
    )
    assert (to, subject) == ("ann1@example.fi", "Your parcel R-1 now comes on Thursday 26.11.")
    assert link is not None, body
    (form,) = [f for f in state.forms if f["To"].replace(" ", "") == "+358401234561"]
    assert form["Body"] == (
        "Hi Ann1, the delivery of your parcel R-1 moved to Thursday 26.11., 10:00-12:00. "
        f"Details: {link[1]}"
    )
    assert state.problems == []
    # The link is a live tracking link of the order.
    token = link[1].rsplit("/t/", 1)[1]
    with ports.uow as uow:
        found = uow.tracking.get_by_hash(hash_token(token))
    assert found is not None
    assert found.order_id == first.id

    sending.run_outbox_once(lambda: 0.0)  # nothing more to send
    assert len([f for f in state.forms if f["To"].replace(" ", "") == "+358401234561"]) == 1


def test_each_move_is_told_and_a_switched_off_rule_tells_none(
    ports: Ports, admin: Principal, held: list[Order]
) -> None:
    """Thursday, then Friday (keeping its hours): two moves, two pairs of messages, the second
    saying Friday. With the rule off, moving another order queues nothing."""
    first, second = held[0], held[1]
    move(ports, admin, first, THURSDAY, "10:00-12:00")
    ports.clock.advance(timedelta(minutes=5))
    move(ports, admin, first, FRIDAY)
    days = sorted(json.loads(m.facts)["day"] for m in moved(ports, admin))
    assert days == ["Friday 27.11."] * 2 + ["Thursday 26.11."] * 2
    friday = [m for m in moved(ports, admin) if "Friday" in m.facts]
    assert {json.loads(m.facts)["windows"] for m in friday} == {"10:00-12:00"}

    rules_without_rescheduled(ports, admin)
    move(ports, admin, second, THURSDAY)
    assert {m.order_id for m in moved(ports, admin)} == {first.id}


def test_two_moves_in_the_quiet_hours_send_only_the_newest_at_eight(
    ports: Ports, admin: Principal, held: list[Order]
) -> None:
    """Moved to Thursday at 06:00, to Friday at 06:05, both held by the quiet hours: the
    Thursday e-mail and SMS are superseded by Friday's and kept in the log naming them; at
    08:00 the customer gets Friday once by each channel. The Friday move repeated queues and
    supersedes nothing; the outbox run again sends nothing."""
    first = held[0]
    move(ports, admin, first, THURSDAY, "10:00-12:00")
    ports.clock.advance(timedelta(minutes=5))
    move(ports, admin, first, FRIDAY, "10:00-12:00")
    move(ports, admin, first, FRIDAY, "10:00-12:00")
    log = {(json.loads(m.facts)["day"], m.channel): m for m in moved(ports, admin)}
    thursday, friday = "Thursday 26.11.", "Friday 27.11."
    assert {k: (m.status, m.superseded_by) for k, m in log.items()} == {
        (thursday, Channel.EMAIL): (SUPERSEDED, log[friday, Channel.EMAIL].id),
        (thursday, Channel.SMS): (SUPERSEDED, log[friday, Channel.SMS].id),
        (friday, Channel.EMAIL): (MessageStatus.QUEUED, None),
        (friday, Channel.SMS): (MessageStatus.QUEUED, None),
    }
    email, sms = Outbox(), Outbox()
    ports.clock.current = EIGHT
    for _ in range(2):
        messages.send_due(
            uow=lambda: ports.uow, templates=Templates(), email=email, sms=sms,
            clock=ports.clock, rng=lambda: 0.0,
        )  # fmt: skip
    said = [(to, json.loads(body)) for to, body in email.sent + sms.sent]
    told = [(to, facts["day"]) for to, facts in said if "day" in facts]  # not "received"
    assert told == [("ann1@example.fi", friday), ("+358 40 123 4561", friday)]
    statuses = {(json.loads(m.facts)["day"], m.channel): m.status for m in moved(ports, admin)}
    assert statuses == {
        (thursday, Channel.EMAIL): SUPERSEDED, (thursday, Channel.SMS): SUPERSEDED,
        (friday, Channel.EMAIL): MessageStatus.SENT, (friday, Channel.SMS): MessageStatus.SENT,
    }  # fmt: skip


def test_the_day_is_said_in_the_organisations_language(
    ports: Ports, admin: Principal, held: list[Order]
) -> None:
    """A Finnish-speaking organisation: "torstaina 26.11." and the window in Helsinki time."""
    with ports.uow as uow:
        uow.messages.save_settings(MessageSettings(admin.organisation_id, language="fi"))
        uow.commit()
    move(ports, admin, held[2], THURSDAY, "14:00-16:00")
    facts = {json.loads(m.facts)["day"] + " " + json.loads(m.facts)["windows"]
             for m in moved(ports, admin)}  # fmt: skip
    assert facts == {"torstaina 26.11. 14:00-16:00"}


def test_the_plan_version_still_leaves_out_the_moved_order(
    ports: Ports, admin: Principal, held: list[Order]
) -> None:
    """Queueing rides in the move's transaction: the move and its plan version still commit."""
    done = move(ports, admin, held[0], THURSDAY, "10:00-12:00")
    assert done.change is not None
    version: PlanVersion = done.change.version
    assert held[0].id not in version.inputs.stops_by_id
    assert len(moved(ports, admin)) == 2


def test_a_move_that_leaves_day_and_windows_queues_nothing(
    ports: Ports, admin: Principal, held: list[Order]
) -> None:
    """The order as it was on both sides (a plan held it on the day asked for): no news."""
    with ports.uow as uow:
        order = uow.orders.get(admin.organisation_id, held[0].id)
        assert order is not None
        assert messages.queue_for_reschedule(uow, order, order, ports.clock.now()) == 0
        uow.commit()
    assert moved(ports, admin) == []
