"""Text messages through Twilio's Programmable Messaging REST API (2010-04-01).

``POST {base}/2010-04-01/Accounts/{AccountSid}/Messages.json`` with HTTP Basic auth (the
account SID and auth token) and a form-encoded body: ``To``, ``From`` or
``MessagingServiceSid``, ``Body`` and optionally ``StatusCallback``, the URL Twilio calls as the
message is sent and delivered. Twilio answers 201 with the new Message resource (``sid``,
``status``: ``queued``, or ``accepted`` through a messaging service), and refuses with
``{"code", "message", "more_info", "status"}``.

The translation (``message_request``, ``read_answer``) is pure and apart from the IO class,
so the wire format is tested on its own. The base URL is configurable: tests point it at
loopback, and Twilio-compatible services (SignalWire's ``/api/laml``) serve the same API.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass, field
from typing import Any

import httpx2

from doorstep.adapters.http_client import EngineClient
from doorstep.domain.notifications import Outcome, SendResult, retry_after_s

DEFAULT_BASE_URL = "https://api.twilio.com"
API_VERSION = "2010-04-01"
#: Statuses a message can already have when created that mean it will not go out.
_DEAD = frozenset({"failed", "undelivered", "canceled"})
# The account id is a path segment: letters, digits and dashes only (Twilio's "AC..." SIDs,
# SignalWire's project UUIDs), so it cannot redirect the request elsewhere.
_ACCOUNT = re.compile(r"^[A-Za-z0-9-]+$")


@dataclass(frozen=True)
class TwilioSettings:
    """An account and exactly one sender: a number (or alphanumeric id) or a messaging service."""

    account_sid: str
    auth_token: str = field(repr=False)
    from_number: str | None = None
    messaging_service_sid: str | None = None
    base_url: str = DEFAULT_BASE_URL
    timeout_s: float = 10.0

    def __post_init__(self) -> None:
        if not _ACCOUNT.match(self.account_sid):
            raise ValueError(f"not a Twilio account SID: {self.account_sid!r}")
        if not self.auth_token:
            raise ValueError("Twilio needs the account's auth token")
        if (self.from_number is None) == (self.messaging_service_sid is None):
            raise ValueError("give Twilio exactly one of from_number and messaging_service_sid")
        if not self.timeout_s > 0:
            raise ValueError(f"timeout_s must be positive, got {self.timeout_s}")


@dataclass(frozen=True)
class TwilioRequest:
    url: str
    form: tuple[tuple[str, str], ...]  # in Twilio's documented order


def message_request(
    settings: TwilioSettings, to: str, body: str, status_callback: str | None = None
) -> TwilioRequest:
    """The request that creates one message to ``to`` (E.164, e.g. ``+358401234567``)."""
    base = settings.base_url.strip().rstrip("/")
    url = f"{base}/{API_VERSION}/Accounts/{settings.account_sid}/Messages.json"
    form = [("To", to)]
    if settings.messaging_service_sid is not None:
        form.append(("MessagingServiceSid", settings.messaging_service_sid))
    else:
        form.append(("From", str(settings.from_number)))
    form.append(("Body", body))
    if status_callback is not None:
        form.append(("StatusCallback", status_callback))
    return TwilioRequest(url, tuple(form))


def read_answer(
    status_code: int, content: bytes, *, retry_after: str | None = None, duration_ms: int = 0
) -> SendResult:
    """What Twilio's answer means: a created message, or a refusal that 429 and 5xx make
    temporary and any other status permanent (an invalid number, a recipient who opted out,
    wrong credentials: another attempt gets the same answer)."""
    answer = _json_object(content)
    if 200 <= status_code < 300:
        return _created(status_code, answer, content, duration_ms)
    temporary = status_code == 429 or status_code >= 500
    code = answer.get("code")
    if answer.get("message"):
        error = f"Twilio {code}: {answer['message']}"
        if answer.get("more_info"):
            error += f" ({answer['more_info']})"
    else:
        error = f"HTTP {status_code}: {_excerpt(content)}"
    return SendResult(
        Outcome.TEMPORARY_FAILURE if temporary else Outcome.PERMANENT_FAILURE,
        duration_ms,
        status_code=status_code,
        error=error,
        error_code=None if code is None else str(code),
        retry_after_s=retry_after_s(retry_after),
    )


def _created(status_code: int, answer: dict[str, Any], content: bytes, ms: int) -> SendResult:
    sid, status = answer.get("sid"), answer.get("status")
    if not isinstance(sid, str) or not sid:
        # Twilio took the request, so the message may exist: accepted, not retried, because
        # a retry could send the text twice; the error says why there is no SID to track.
        error = f"accepted, but the answer has no message SID: {_excerpt(content)}"
        return SendResult(Outcome.ACCEPTED, ms, status_code=status_code, error=error)
    status_text = str(status) if status is not None else None
    if status_text in _DEAD:
        code = answer.get("error_code")
        return SendResult(
            Outcome.PERMANENT_FAILURE,
            ms,
            reference=sid,
            status_code=status_code,
            provider_status=status_text,
            error=f"Twilio created the message as {status_text}: {answer.get('error_message')}",
            error_code=None if code is None else str(code),
        )
    return SendResult(
        Outcome.ACCEPTED, ms, reference=sid, status_code=status_code, provider_status=status_text
    )


def _json_object(content: bytes) -> dict[str, Any]:
    try:
        answer = json.loads(content)
    except ValueError:
        return {}
    return answer if isinstance(answer, dict) else {}


def _excerpt(content: bytes) -> str:
    text = " ".join(content[:1024].decode("utf-8", "replace").split())
    return repr(text[:300]) if text else "(empty body)"


class TwilioSmsSender(EngineClient):
    """An ``SmsSender`` over Twilio: ``with TwilioSmsSender(settings) as sms: sms.send(...)``."""

    def __init__(self, settings: TwilioSettings, *, client: httpx2.Client | None = None) -> None:
        super().__init__(timeout_s=settings.timeout_s, client=client, follow_redirects=False)
        self._settings = settings
        self._auth = httpx2.BasicAuth(settings.account_sid, settings.auth_token)

    def send(self, to: str, body: str, *, status_callback: str | None = None) -> SendResult:
        """Ask Twilio to send ``body`` to ``to``; failures come back as results, not raised."""
        request = message_request(self._settings, to, body, status_callback)
        started = time.perf_counter()
        try:
            response = self._client.post(
                request.url,
                data=dict(request.form),
                auth=self._auth,
                headers={"Accept": "application/json"},
                timeout=self._timeout_s,
                follow_redirects=False,
            )
        except httpx2.HTTPError as exc:
            # After a timeout Twilio may have created the message all the same; the retry
            # rules decide whether a possible second text is worse than a missing one.
            error = f"Twilio at {self._settings.base_url} did not answer: {exc!r}"
            return SendResult(Outcome.TEMPORARY_FAILURE, _elapsed_ms(started), error=error)
        return read_answer(
            response.status_code,
            response.content,
            retry_after=response.headers.get("Retry-After"),
            duration_ms=_elapsed_ms(started),
        )


def _elapsed_ms(started: float) -> int:
    return round((time.perf_counter() - started) * 1000)
