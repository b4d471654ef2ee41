"""The Twilio SMS adapter against a loopback server that checks Twilio's documented wire format.

The answers are shaped like those in Twilio's Message resource and error documentation: a 201
with the new Message resource, and errors as ``{"code", "message", "more_info", "status"}``.
"""

from __future__ import annotations

import base64
import http.server
import json
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

import pytest

from doorstep.adapters.sms import (
    TwilioSettings,
    TwilioSmsSender,
    message_request,
    read_answer,
)
from doorstep.domain.notifications import Outcome

ACCOUNT = "AC" + "0123456789abcdef" * 2
TOKEN = "f00dfeedf00dfeedf00dfeedf00dfeed"
SERVICE = "MG" + "fedcba9876543210" * 2
MESSAGE = "SM" + "0a1b2c3d4e5f6789" * 2
FROM = "+358451234567"
TO = "+358401234567"
TEXT = "Hyvää päivää, Åsa! Paketti tulee klo 14-16."
CALLBACK = "https://doorstep.example/hooks/twilio/status?n=ntf_1"


def message_resource(status: str = "queued", **extra: Any) -> dict[str, Any]:
    """A Message resource as Twilio returns it on creation."""
    uri = f"/2010-04-01/Accounts/{ACCOUNT}/Messages/{MESSAGE}"
    return {
        "account_sid": ACCOUNT,
        "api_version": "2010-04-01",
        "body": TEXT,
        "date_created": "Sat, 22 Nov 2026 01:00:00 +0000",
        "date_sent": None,
        "date_updated": "Sat, 22 Nov 2026 01:00:00 +0000",
        "direction": "outbound-api",
        "error_code": None,
        "error_message": None,
        "from": FROM,
        "messaging_service_sid": None,
        "num_media": "0",
        "num_segments": "1",
        "price": None,
        "price_unit": "USD",
        "sid": MESSAGE,
        "status": status,
        "subresource_uris": {"media": f"{uri}/Media.json"},
        "to": TO,
        "uri": f"{uri}.json",
        **extra,
    }


def twilio_error(code: int, message: str, status: int) -> dict[str, Any]:
    return {
        "code": code,
        "message": message,
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status,
    }


@dataclass
class FakeTwilio:
    """Refuses (as Twilio does) requests that break the wire format; otherwise answers the
    scripted replies in turn, then a created message."""

    replies: list[tuple[int, bytes, dict[str, str]]] = field(default_factory=list)
    forms: list[dict[str, str]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def answer(self, path: str, headers: Any, body: bytes) -> tuple[int, bytes, dict[str, str]]:
        expected_auth = "Basic " + base64.b64encode(f"{ACCOUNT}:{TOKEN}".encode()).decode()
        if headers.get("Authorization") != expected_auth:
            self.problems.append("auth")
            error = twilio_error(20003, "Authentication Error - invalid username", 401)
            return 401, json.dumps(error).encode(), {}
        if path != f"/2010-04-01/Accounts/{ACCOUNT}/Messages.json":
            self.problems.append(f"path {path}")
            return 404, json.dumps(twilio_error(20404, "not found", 404)).encode(), {}
        if headers.get("Content-Type") != "application/x-www-form-urlencoded":
            self.problems.append(f"content type {headers.get('Content-Type')}")
            return 400, b"{}", {}
        pairs = parse_qsl(body.decode("ascii"), keep_blank_values=True, strict_parsing=True)
        self.forms.append(dict(pairs))
        if self.replies:
            return self.replies.pop(0)
        return 201, json.dumps(message_resource()).encode(), {}


@pytest.fixture
def twilio() -> Iterator[tuple[FakeTwilio, str]]:
    state = FakeTwilio()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            status, reply, extra = state.answer(self.path, self.headers, body)
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            for name, value in extra.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield state, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
    thread.join()


def settings(base_url: str, **changes: Any) -> TwilioSettings:
    values: dict[str, Any] = {"from_number": FROM, **changes}
    return TwilioSettings(ACCOUNT, TOKEN, base_url=base_url, **values)


def test_a_message_is_created_with_twilios_wire_format(twilio: tuple[FakeTwilio, str]) -> None:
    """Path, Basic auth, form encoding and fields are Twilio's; the SID and status come back."""
    state, base = twilio
    with TwilioSmsSender(settings(base + "/")) as sms:
        result = sms.send(TO, TEXT, status_callback=CALLBACK)
    assert state.problems == []
    assert state.forms == [{"To": TO, "From": FROM, "Body": TEXT, "StatusCallback": CALLBACK}]
    assert (result.outcome, result.status_code, result.error) == (Outcome.ACCEPTED, 201, "")
    assert (result.reference, result.provider_status) == (MESSAGE, "queued")


def test_a_messaging_service_replaces_from(twilio: tuple[FakeTwilio, str]) -> None:
    """With a messaging service the form names it instead of a number, and no callback."""
    state, base = twilio
    state.replies = [(201, json.dumps(message_resource("accepted")).encode(), {})]
    with TwilioSmsSender(settings(base, from_number=None, messaging_service_sid=SERVICE)) as sms:
        result = sms.send(TO, "Hei")
    assert state.forms == [{"To": TO, "MessagingServiceSid": SERVICE, "Body": "Hei"}]
    assert (result.outcome, result.provider_status) == (Outcome.ACCEPTED, "accepted")


def test_an_invalid_number_is_a_permanent_failure(twilio: tuple[FakeTwilio, str]) -> None:
    """Twilio's 400 with code 21211 comes back permanent, with its code, message and link."""
    state, base = twilio
    error = twilio_error(21211, "The 'To' number +3580 is not a valid phone number.", 400)
    state.replies = [(400, json.dumps(error).encode(), {})]
    with TwilioSmsSender(settings(base)) as sms:
        result = sms.send("+3580", TEXT)
    assert (result.outcome, result.status_code, result.error_code) == (
        Outcome.PERMANENT_FAILURE, 400, "21211"
    )  # fmt: skip
    assert result.error == (
        "Twilio 21211: The 'To' number +3580 is not a valid phone number. "
        "(https://www.twilio.com/docs/errors/21211)"
    )
    assert result.reference is None


def test_too_many_requests_is_temporary_with_its_wait(twilio: tuple[FakeTwilio, str]) -> None:
    """429 (Twilio 20429) is retryable, and a Retry-After header is passed on."""
    state, base = twilio
    error = twilio_error(20429, "Too Many Requests", 429)
    state.replies = [(429, json.dumps(error).encode(), {"Retry-After": "30"})]
    with TwilioSmsSender(settings(base)) as sms:
        result = sms.send(TO, TEXT)
    assert (result.outcome, result.error_code, result.retry_after_s) == (
        Outcome.TEMPORARY_FAILURE, "20429", 30.0
    )  # fmt: skip


def test_a_server_error_without_json_is_temporary(twilio: tuple[FakeTwilio, str]) -> None:
    """A 503 from a proxy in front of Twilio, in HTML, is retryable and quoted."""
    state, base = twilio
    state.replies = [(503, b"<html><body>Service  Unavailable</body></html>", {})]
    with TwilioSmsSender(settings(base)) as sms:
        result = sms.send(TO, TEXT)
    assert (result.outcome, result.status_code, result.error_code) == (
        Outcome.TEMPORARY_FAILURE, 503, None
    )  # fmt: skip
    assert result.error == "HTTP 503: '<html><body>Service Unavailable</body></html>'"


def test_wrong_credentials_are_permanent(twilio: tuple[FakeTwilio, str]) -> None:
    """A wrong auth token is refused by the server (401, 20003): retrying will not help."""
    state, base = twilio
    wrong = TwilioSettings(ACCOUNT, "not-the-token", from_number=FROM, base_url=base)
    with TwilioSmsSender(wrong) as sms:
        result = sms.send(TO, TEXT)
    assert state.problems == ["auth"]
    assert (result.outcome, result.status_code, result.error_code) == (
        Outcome.PERMANENT_FAILURE, 401, "20003"
    )  # fmt: skip


def test_no_server_is_a_temporary_failure() -> None:
    """Nothing listening: a result to retry, not an exception."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with TwilioSmsSender(settings(f"http://127.0.0.1:{port}")) as sms:
        result = sms.send(TO, TEXT)
    assert (result.outcome, result.status_code) == (Outcome.TEMPORARY_FAILURE, None)
    assert "did not answer: ConnectError" in result.error


# -- the translation alone -----------------------------------------------------------------


def test_the_request_url_joins_the_base_without_double_slashes() -> None:
    """A base URL with a path (a Twilio-compatible service) and a trailing slash is kept."""
    request = message_request(settings("https://space.example/api/laml/"), TO, "x")
    assert (
        request.url == f"https://space.example/api/laml/2010-04-01/Accounts/{ACCOUNT}/Messages.json"
    )
    assert request.form == (("To", TO), ("From", FROM), ("Body", "x"))


def test_a_created_message_already_failed_is_permanent() -> None:
    """A 201 whose message is already ``failed`` is not counted as accepted."""
    answer = message_resource("failed", error_code=30007, error_message="Carrier violation")
    result = read_answer(201, json.dumps(answer).encode())
    assert (result.outcome, result.reference, result.error_code) == (
        Outcome.PERMANENT_FAILURE, MESSAGE, "30007"
    )  # fmt: skip


def test_a_success_without_a_sid_is_accepted_but_says_so() -> None:
    """Twilio took the request, so it is not retried (no second text), but the log says why
    there is nothing to track."""
    result = read_answer(201, b"<Response/>")
    assert (result.outcome, result.reference) == (Outcome.ACCEPTED, None)
    assert result.error.startswith("accepted, but the answer has no message SID")


@pytest.mark.parametrize(
    "changes",
    [
        {"from_number": None},
        {"messaging_service_sid": SERVICE},
        {"account_sid": "AC123/../../evil"},
        {"auth_token": ""},
    ],
)
def test_settings_refuse_what_cannot_work(changes: dict[str, Any]) -> None:
    """Exactly one sender, an account id fit for a URL path, and a token are required."""
    values: dict[str, Any] = {"account_sid": ACCOUNT, "auth_token": TOKEN, "from_number": FROM}
    with pytest.raises(ValueError, match="Twilio"):
        TwilioSettings(**{**values, **changes})


def test_the_auth_token_stays_out_of_the_settings_repr() -> None:
    """Settings may be logged; the token must not be."""
    assert TOKEN not in repr(settings("https://api.twilio.com"))
