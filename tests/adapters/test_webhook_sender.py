"""The webhook sender against a real subscriber on 127.0.0.1 that checks signatures itself."""

from __future__ import annotations

import http.server
import json
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx2
import pytest

from doorstep.adapters.webhook_sender import HttpWebhookSender
from doorstep.domain.notifications import Outcome
from doorstep.domain.webhooks import InvalidSignature, new_secret, retry_delays, verify

SECRET = new_secret(bytes(range(32)))
OLD_SECRET = new_secret(bytes(range(1, 25)))
START = 1_763_800_000  # Unix seconds of the first attempt
BODY = json.dumps(
    {"type": "order.delivered", "data": {"order_id": "ord_1", "note": "Åsa, ovella"}},
    separators=(",", ":"),
).encode()


@dataclass
class Subscriber:
    """An integrator's endpoint: verifies each request with its secret at its own clock,
    answers the scripted statuses in turn (then 204) and keeps events by id, once each."""

    secret: str = SECRET
    now: int = START
    script: list[tuple[int, dict[str, str]]] = field(default_factory=list)
    delay_s: float = 0.0
    requests: list[tuple[dict[str, str], bytes]] = field(default_factory=list)
    rejections: list[str] = field(default_factory=list)
    accepted: dict[str, bytes] = field(default_factory=dict)

    def answer(self, headers: dict[str, str], body: bytes) -> tuple[int, dict[str, str], bytes]:
        self.requests.append((headers, body))
        time.sleep(self.delay_s)
        try:
            msg_id = verify(self.secret, headers, body, now=self.now)
        except InvalidSignature as exc:
            self.rejections.append(exc.reason)
            return 401, {}, b'{"error":"bad signature"}'
        if self.script:
            status, extra = self.script.pop(0)
            return status, extra, b'{"error":"temporarily broken"}'
        self.accepted.setdefault(msg_id, body)
        return 204, {}, b""


@pytest.fixture
def subscriber() -> Iterator[tuple[Subscriber, str]]:
    state = Subscriber()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            status, extra, reply = state.answer(dict(self.headers.items()), body)
            try:
                self.send_response(status)
                for name, value in extra.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)
            except OSError:
                pass  # the sender gave up first (the timeout test)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield state, f"http://127.0.0.1:{server.server_address[1]}/hooks/doorstep"
    server.shutdown()
    server.server_close()
    thread.join()


def test_a_signed_event_is_accepted_and_arrives_as_sent(subscriber: tuple[Subscriber, str]) -> None:
    """One POST with the three signed headers, the body byte for byte and a JSON type."""
    state, url = subscriber
    with HttpWebhookSender() as sender:
        result = sender.send(url, BODY, secret=SECRET, msg_id="msg_1", timestamp=START)
    assert (result.outcome, result.status_code, result.error) == (Outcome.ACCEPTED, 204, "")
    assert result.accepted
    assert result.duration_ms >= 0
    assert state.accepted == {"msg_1": BODY}
    ((headers, _),) = state.requests
    assert headers["Content-Type"] == "application/json"
    assert headers["webhook-id"] == "msg_1"
    assert headers["webhook-timestamp"] == str(START)
    assert headers["User-Agent"].startswith("doorstep-webhooks/")


def test_failing_three_times_then_succeeding_gives_one_delivery(
    subscriber: tuple[Subscriber, str],
) -> None:
    """Retried by the schedule (without sleeping), each attempt signed at its own time, the
    event is accepted once, on the fourth attempt, and never again."""
    state, url = subscriber
    state.script = [(500, {}), (500, {}), (500, {})]
    outcomes = []
    with HttpWebhookSender() as sender:
        for delay in (0.0, *retry_delays(lambda: 0.0)):
            state.now += round(delay)  # the subscriber's clock moves on with the schedule
            result = sender.send(url, BODY, secret=SECRET, msg_id="msg_retry", timestamp=state.now)
            outcomes.append(result.outcome)
            if not result.retryable:
                break
    assert outcomes == [Outcome.TEMPORARY_FAILURE] * 3 + [Outcome.ACCEPTED]
    assert len(state.requests) == 4
    assert state.accepted == {"msg_retry": BODY}
    assert state.rejections == []
    assert [h["webhook-timestamp"] for h, _ in state.requests] == [
        str(START), str(START + 2), str(START + 12), str(START + 52)
    ]  # fmt: skip


def test_an_error_answer_is_described_not_raised(subscriber: tuple[Subscriber, str]) -> None:
    """A 500 is a temporary failure naming the status and the start of the subscriber's body."""
    state, url = subscriber
    state.script = [(500, {})]
    with HttpWebhookSender() as sender:
        result = sender.send(url, BODY, secret=SECRET, msg_id="msg_2", timestamp=START)
    assert (result.outcome, result.status_code) == (Outcome.TEMPORARY_FAILURE, 500)
    assert result.error == 'HTTP 500: \'{"error":"temporarily broken"}\''


class Tampering(httpx2.BaseTransport):
    """A man in the middle that adds a space to every request body."""

    def __init__(self) -> None:
        self._inner = httpx2.HTTPTransport()

    def handle_request(self, request: httpx2.Request) -> httpx2.Response:
        headers = {k: v for k, v in request.headers.items() if k.lower() != "content-length"}
        changed = httpx2.Request(
            request.method, request.url, headers=headers, content=request.read() + b" "
        )
        return self._inner.handle_request(changed)

    def close(self) -> None:
        self._inner.close()


def test_a_body_changed_in_transit_fails_at_the_receiver(
    subscriber: tuple[Subscriber, str],
) -> None:
    """The receiver's verification catches one added byte; the sender reports its 401."""
    state, url = subscriber
    with httpx2.Client(transport=Tampering()) as client:
        result = HttpWebhookSender(client=client).send(
            url, BODY, secret=SECRET, msg_id="msg_3", timestamp=START
        )
    assert (result.outcome, result.status_code) == (Outcome.TEMPORARY_FAILURE, 401)
    assert state.rejections == ["no v1 signature matches the body under this secret"]
    assert state.accepted == {}


def test_a_receiver_on_the_old_secret_accepts_during_a_rotation(
    subscriber: tuple[Subscriber, str],
) -> None:
    """Signed with the new and the previous secret, a receiver not yet moved on accepts."""
    state, url = subscriber
    state.secret = OLD_SECRET
    with HttpWebhookSender() as sender:
        alone = sender.send(url, BODY, secret=SECRET, msg_id="msg_4", timestamp=START)
        both = sender.send(
            url, BODY, secret=SECRET, msg_id="msg_4", timestamp=START, previous_secrets=[OLD_SECRET]
        )
    assert (alone.status_code, both.status_code) == (401, 204)
    assert list(state.accepted) == ["msg_4"]


def test_gone_is_a_permanent_failure(subscriber: tuple[Subscriber, str]) -> None:
    """410 Gone means the subscriber wants nothing more: no retry."""
    state, url = subscriber
    state.script = [(410, {})]
    with HttpWebhookSender() as sender:
        result = sender.send(url, BODY, secret=SECRET, msg_id="msg_5", timestamp=START)
    assert (result.outcome, result.status_code) == (Outcome.PERMANENT_FAILURE, 410)


def test_retry_after_is_passed_on(subscriber: tuple[Subscriber, str]) -> None:
    """A 503 with ``Retry-After: 120`` is retryable, and says how long it asked to wait."""
    state, url = subscriber
    state.script = [(503, {"Retry-After": "120"}), (429, {"Retry-After": "Wed, 21 Oct 2015"})]
    with HttpWebhookSender() as sender:
        first = sender.send(url, BODY, secret=SECRET, msg_id="msg_6", timestamp=START)
        second = sender.send(url, BODY, secret=SECRET, msg_id="msg_6", timestamp=START)
    assert (first.outcome, first.retry_after_s) == (Outcome.TEMPORARY_FAILURE, 120.0)
    assert (second.outcome, second.retry_after_s) == (Outcome.TEMPORARY_FAILURE, None)


def test_redirects_are_not_followed(subscriber: tuple[Subscriber, str]) -> None:
    """A 307 is a failure naming the new location; nothing is sent there."""
    state, url = subscriber
    state.script = [(307, {"Location": "/hooks/new"})]
    with HttpWebhookSender() as sender:
        result = sender.send(url, BODY, secret=SECRET, msg_id="msg_7", timestamp=START)
    assert (result.outcome, result.status_code) == (Outcome.TEMPORARY_FAILURE, 307)
    assert "'/hooks/new' not followed" in result.error
    assert len(state.requests) == 1


def test_a_slow_subscriber_times_out_without_raising(subscriber: tuple[Subscriber, str]) -> None:
    """Past the timeout the attempt ends as a temporary failure with no status."""
    state, url = subscriber
    state.delay_s = 1.0
    started = time.monotonic()
    with HttpWebhookSender(timeout_s=0.2) as sender:
        result = sender.send(url, BODY, secret=SECRET, msg_id="msg_8", timestamp=START)
    assert time.monotonic() - started < 0.9
    assert (result.outcome, result.status_code) == (Outcome.TEMPORARY_FAILURE, None)
    assert result.error.startswith("no answer within 0.2 s")
    assert 150 <= result.duration_ms < 900


def test_a_refused_connection_is_a_temporary_failure() -> None:
    """Nothing listening on the port: a result to retry, not an exception."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://127.0.0.1:{port}/hooks?token=s3cret"
    with HttpWebhookSender() as sender:
        result = sender.send(url, BODY, secret=SECRET, msg_id="msg_9", timestamp=START)
    assert (result.outcome, result.status_code) == (Outcome.TEMPORARY_FAILURE, None)
    assert result.error.startswith(f"could not reach http://127.0.0.1:{port}:")
    assert "s3cret" not in result.error


def test_a_url_that_is_not_http_is_a_permanent_failure() -> None:
    """No later attempt can reach an ftp:// or schemeless URL."""
    with HttpWebhookSender() as sender:
        result = sender.send("ftp://example.org/x", BODY, secret=SECRET, msg_id="m", timestamp=1)
    assert result.outcome is Outcome.PERMANENT_FAILURE
    assert result.error.startswith("not a usable URL")
