"""Posting signed events to integrators' webhook endpoints (Standard Webhooks headers).

One call is one attempt. A subscriber that is down, slow or answering an error is a normal
outcome, returned as a ``SendResult`` for the delivery log and the retry schedule
(``domain.webhooks.RetryPolicy``), never raised. Only 2xx counts as accepted. Redirects are
not followed (the spec's advice: the subscriber should update its URL instead), and 410 Gone
is the one permanent refusal: the subscriber asks to receive nothing more.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

import httpx2

from doorstep import __version__
from doorstep.adapters.http_client import EngineClient
from doorstep.domain.notifications import Outcome, SendResult, retry_after_s
from doorstep.domain.webhooks import signed_headers

#: The spec recommends giving a subscriber 15 to 30 s to acknowledge.
DEFAULT_TIMEOUT_S = 15.0
USER_AGENT = f"doorstep-webhooks/{__version__}"
#: How much of an answer's body is read into the error text: enough to see a subscriber's
#: error message, not so much that an endpoint could make us read a large file.
ERROR_EXCERPT_BYTES = 1024


class HttpWebhookSender(EngineClient):
    """A ``WebhookSender`` over HTTP: ``with HttpWebhookSender() as sender: sender.send(...)``."""

    def __init__(
        self,
        *,
        timeout_s: float = DEFAULT_TIMEOUT_S,
        client: httpx2.Client | None = None,
        user_agent: str = USER_AGENT,
    ) -> None:
        if not timeout_s > 0:
            raise ValueError(f"timeout_s must be positive, got {timeout_s}")
        super().__init__(timeout_s=timeout_s, client=client, follow_redirects=False)
        self._user_agent = user_agent

    def send(
        self,
        url: str,
        body: bytes,
        *,
        secret: str,
        msg_id: str,
        timestamp: int,
        previous_secrets: Sequence[str] = (),
        content_type: str = "application/json",
    ) -> SendResult:
        """POST ``body`` to ``url`` signed for ``msg_id`` at ``timestamp`` (Unix seconds, the
        attempt's own); ``InvalidValue`` only for a malformed secret or id (our bug)."""
        headers = signed_headers(secret, msg_id, timestamp, body, previous_secrets=previous_secrets)
        headers.update({"Content-Type": content_type, "User-Agent": self._user_agent})
        started = time.perf_counter()
        try:
            # Streamed, so only the start of an answer's body is ever read.
            with self._client.stream(
                "POST",
                url,
                content=body,
                headers=headers,
                timeout=self._timeout_s,
                follow_redirects=False,
            ) as response:
                excerpt = _read_excerpt(response)
        except (httpx2.UnsupportedProtocol, httpx2.InvalidURL) as exc:
            # No later attempt can reach a URL that is not http(s) at all.
            return _failure(started, f"not a usable URL: {exc}", Outcome.PERMANENT_FAILURE)
        except httpx2.TimeoutException as exc:
            return _failure(started, f"no answer within {self._timeout_s:g} s ({exc!r})")
        except httpx2.HTTPError as exc:
            return _failure(started, f"could not reach {_origin(url)}: {exc!r}")
        return _result(response, excerpt, _elapsed_ms(started))


def _result(response: httpx2.Response, excerpt: str, duration_ms: int) -> SendResult:
    status = response.status_code
    if 200 <= status < 300:
        return SendResult(Outcome.ACCEPTED, duration_ms, status_code=status)
    if 300 <= status < 400:
        error = f"HTTP {status} redirect to {response.headers.get('Location', '?')!r} not followed"
    else:
        error = f"HTTP {status}: {excerpt}"
    outcome = Outcome.PERMANENT_FAILURE if status == 410 else Outcome.TEMPORARY_FAILURE
    return SendResult(
        outcome,
        duration_ms,
        status_code=status,
        error=error,
        retry_after_s=retry_after_s(response.headers.get("Retry-After")),
    )


def _failure(
    started: float, error: str, outcome: Outcome = Outcome.TEMPORARY_FAILURE
) -> SendResult:
    return SendResult(outcome, _elapsed_ms(started), error=error)


def _read_excerpt(response: httpx2.Response) -> str:
    if 200 <= response.status_code < 300:
        return ""  # a success says all there is to say in its status
    data = b""
    for chunk in response.iter_bytes():
        data += chunk
        if len(data) >= ERROR_EXCERPT_BYTES:
            break
    text = " ".join(data[:ERROR_EXCERPT_BYTES].decode("utf-8", "replace").split())
    return repr(text[:300]) if text else "(empty body)"


def _origin(url: str) -> str:
    # Only scheme, host and port: a subscriber's URL may carry a token in its path or query.
    try:
        parsed = httpx2.URL(url)
    except (httpx2.InvalidURL, ValueError):
        return "the URL"
    return f"{parsed.scheme}://{parsed.netloc.decode('ascii', 'replace')}"


def _elapsed_ms(started: float) -> int:
    return round((time.perf_counter() - started) * 1000)
