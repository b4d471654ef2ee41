"""Customer messages and integrators' webhooks end to end: scans over HTTP, the outbox worker,
a real SMTP server and a real webhook receiver on loopback."""

from __future__ import annotations

import email
import email.policy
import random
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from doorstep.bootstrap import Container
from doorstep.domain.accounts import Role
from doorstep.entrypoints.api.app import create_app
from tests.adapters.test_email import LoopbackController, Mailbox, running
from tests.adapters.test_webhook_sender import Subscriber, subscriber
from tests.entrypoints.api.conftest import Tenant, World, _no_server_errors
from tests.entrypoints.api.test_delivery_days import DAY1, Day, setup_station
from tests.entrypoints.api.test_plans import container
from tests.entrypoints.api.test_scans import post, scan, signed
from tests.services.fakes import FakeClock

__all__ = ["container", "subscriber"]  # fixtures, used by name

START = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)  # 09:00 in Helsinki: no quiet hours
ALL_EMAIL = {
    "rules": [
        {"trigger": t, "channels": ["email"]}
        for t in ["order_received", "out_for_delivery", "delivered", "attempt_failed"]
    ],
    "quiet_hours": {"start": "21:00", "end": "08:00"},
    "language": "en",
}


@pytest.fixture
def mailbox() -> Mailbox:
    return Mailbox()


@pytest.fixture
def smtp(mailbox: Mailbox) -> Iterator[LoopbackController]:
    yield from running(mailbox)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)


@pytest.fixture
def wired(container: Container, smtp: LoopbackController, clock: FakeClock) -> Iterator[Container]:
    """The container with a clock the test moves and e-mail going to ``smtp``."""
    settings = container.settings.model_copy(
        update={"smtp_host": "127.0.0.1", "smtp_port": smtp.port, "smtp_from": "noreply@d.test"}
    )
    own = container.variant(settings=settings, clock=clock)
    yield own
    own.close()


@pytest.fixture
def client(wired: Container) -> Iterator[TestClient]:
    with TestClient(create_app(wired), raise_server_exceptions=False) as test_client:
        test_client.event_hooks = {"response": [_no_server_errors]}
        yield test_client


def outbox(container: Container) -> tuple[int, int]:
    return container.run_outbox_once(random.Random(7).random)


def text(envelope: Any) -> str:
    parsed = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
    return str(parsed.get_content())  # type: ignore[attr-defined]


def subjects(mailbox: Mailbox) -> list[str]:
    found = []
    for envelope in mailbox.envelopes:
        parsed = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        assert envelope.rcpt_tos == ["matti@example.fi"]
        found.append(str(parsed["Subject"]))
    return found


def test_each_rule_sends_its_email_once_however_often_the_scans_come(
    client: TestClient,
    wired: Container,
    world: World,
    tenant_a: Tenant,
    mailbox: Mailbox,
    clock: FakeClock,
) -> None:
    """Received, out for delivery, failed and delivered each send one e-mail through the SMTP
    server; the same batch sent again, and the outbox run again, send nothing more."""
    put = client.put("/api/v1/message-settings", json=ALL_EMAIL, headers=tenant_a.admin)
    assert put.status_code == 200, put.text
    proof = signed(client, tenant_a)
    steps = [
        (["receive"], "Your parcel A-1 is at our station"),
        (["sort", "load", "depart"], "Your parcel A-1 is on its way"),
        (["fail"], "We could not deliver your parcel A-1"),
        (["deliver"], "Your parcel A-1 was delivered"),
    ]
    sent: list[dict[str, Any]] = []
    for kinds, subject in steps:
        batch = [
            scan(len(sent) + n, kind, **(proof if kind == "deliver" else {}))
            for n, kind in enumerate(kinds)
        ]
        sent += batch
        answer = post(client, tenant_a, batch, Role.DRIVER)
        assert answer.status_code == 200, answer.text
        clock.advance(timedelta(minutes=1))
        assert outbox(wired) == (1, 0)
        assert subjects(mailbox)[-1] == subject
    again = post(client, tenant_a, sent, Role.DRIVER)  # a handheld retrying everything
    assert again.json()["counts"]["duplicate"] == len(sent)
    clock.advance(timedelta(minutes=1))
    assert outbox(wired) == (0, 0)
    assert len(mailbox.envelopes) == 4
    body = email.message_from_bytes(
        mailbox.envelopes[2].original_content, policy=email.policy.default
    ).get_content()
    assert "recipient absent" in body
    # The failed attempt's e-mail links to the tracking page: the link the "on its way"
    # e-mail carried, still live, and it opens the order's page.
    links = [
        re.findall(r"http://127.0.0.1:8000/t/(trk_[\w-]+)", text(e)) for e in mailbox.envelopes
    ]
    assert links[0] == links[3] == []  # received and delivered offer no link
    assert links[1] == links[2] != []
    page = client.get(f"/api/v1/track/{links[2][0]}")
    assert page.status_code == 200
    assert page.json()["shipper_reference"] == "A-1"
    log = client.get("/api/v1/messages", headers=tenant_a.admin).json()
    assert [m["status"] for m in log] == ["sent"] * 4
    assert {m["trigger"] for m in log} == {
        "order_received", "out_for_delivery", "attempt_failed", "delivered"
    }  # fmt: skip


def test_quiet_hours_hold_a_message_until_morning(
    client: TestClient,
    wired: Container,
    world: World,
    tenant_a: Tenant,
    mailbox: Mailbox,
    clock: FakeClock,
) -> None:
    """A parcel received at 23:30 Helsinki time is announced at 08:00, not at night."""
    client.put("/api/v1/message-settings", json=ALL_EMAIL, headers=tenant_a.admin)
    clock.current = datetime(2026, 11, 22, 21, 30, tzinfo=UTC)  # 23:30 in Helsinki
    assert post(client, tenant_a, [scan(0, "receive")], Role.DRIVER).status_code == 200
    assert outbox(wired) == (0, 0)
    clock.current = datetime(2026, 11, 23, 5, 59, tzinfo=UTC)  # 07:59
    assert outbox(wired) == (0, 0)
    clock.current = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)  # 08:00
    assert outbox(wired) == (1, 0)
    assert len(mailbox.envelopes) == 1


def test_a_webhook_failing_three_times_arrives_once_signed(
    client: TestClient,
    wired: Container,
    world: World,
    tenant_a: Tenant,
    clock: FakeClock,
    subscriber: tuple[Subscriber, str],
) -> None:
    """The receiver answers 500 three times, then 204: the delivery log shows four attempts,
    the receiver accepted the event once under its valid signature, and a replay (same id)
    is dropped by the receiver as the copy it is."""
    state, url = subscriber
    made = client.post(
        "/api/v1/webhooks/subscriptions",
        json={"url": url, "event_types": ["order.delivered"]},
        headers=tenant_a.admin,
    )
    assert made.status_code == 201, made.text
    state.secret = made.json()["secret"]
    state.script = [(500, {}), (500, {}), (500, {})]
    proof = signed(client, tenant_a)
    day = ["receive", "sort", "load", "depart", "deliver"]
    batch = [scan(n, k, **(proof if k == "deliver" else {})) for n, k in enumerate(day)]
    assert post(client, tenant_a, batch, Role.DRIVER).status_code == 200
    attempts = 0
    for _ in range(12):  # move the clock past each wait of the retry schedule
        state.now = int(clock.current.timestamp())
        attempts += outbox(wired)[1]
        clock.advance(timedelta(minutes=10))
    assert attempts == 4
    assert state.rejections == []
    assert len(state.accepted) == 1
    (delivery,) = client.get("/api/v1/webhooks/deliveries", headers=tenant_a.admin).json()
    assert (delivery["status"], delivery["attempts"]) == ("delivered", 4)
    assert delivery["id"] in state.accepted
    assert '"type":"order.delivered"' in state.accepted[delivery["id"]].decode()
    replayed = client.post(
        f"/api/v1/webhooks/deliveries/{delivery['id']}:replay", headers=tenant_a.admin
    )
    assert replayed.status_code == 200, replayed.text
    state.now = int(clock.current.timestamp())
    assert outbox(wired) == (0, 1)
    assert len(state.requests) == 5
    assert len(state.accepted) == 1  # the same webhook-id: the receiver keeps one


def test_the_watch_tells_who_is_three_stops_away_and_who_will_be_late(
    client: TestClient, wired: Container, tenant_a: Tenant, mailbox: Mailbox, clock: FakeClock
) -> None:
    """After departure the dispatcher's watch e-mails the third open stop that the driver is
    three stops away, once; when the day runs past the windows, every open stop hears it is
    late, once."""
    rules = {
        "rules": [
            {"trigger": "stops_away", "channels": ["email"], "stops_away": 3},
            {"trigger": "delayed", "channels": ["email"]},
        ],
        "quiet_hours": None,
    }
    assert client.put("/api/v1/message-settings", json=rules, headers=tenant_a.admin).is_success
    setup_station(client, tenant_a)
    day = Day(client, tenant_a, DAY1)
    lines = day.plan_and_publish()
    day.load_and_depart(lines, received=set())
    watch = f"/api/v1/stations/HEL1/dispatch:watch?date={DAY1}"
    for _ in range(2):
        assert client.post(watch, headers=tenant_a.admin).status_code == 200
        outbox(wired)
    third = sorted(lines, key=lambda line: line["position"])[2]
    reference = client.get(f"/api/v1/orders/{third['order_id']}", headers=tenant_a.admin).json()
    assert subjects(mailbox) == [f"Your parcel {reference['shipper_reference']} is 3 stops away"]
    clock.current = datetime(2026, 11, 23, 14, 5, tzinfo=UTC)  # 16:05 local: windows closed
    for _ in range(2):
        assert client.post(watch, headers=tenant_a.admin).status_code == 200
        outbox(wired)
    late = [s for s in subjects(mailbox) if s.endswith("is running late")]
    assert len(late) == len(lines) == 10
