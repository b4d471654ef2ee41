"""The digital twin's writes, sent to a running doorstep server over its HTTP API.

``HttpActions`` is an ``Actions`` (``doorstep.simulation.actions``) by shape only: adapters
may not import the simulation, so it implements the same methods on the services' own input
types. Each method sends what the matching route of ``entrypoints/api/routes`` expects, with
an API key, so a twin can load-test a server or play a day someone watches in the web pages
(run the server with ``DOORSTEP_CLOCK_START`` so its clock is in the twin's day).

Retries: a request that never reached the server (no connection) is always sent again.
One that may have reached it (a 5xx answer, a lost answer) is sent again only where the
server stores it once whatever the repeats: scan batches (by event id), ping batches (by
device and time), proof files (by content), new orders (by an Idempotency-Key made from the
body) and route ends (a second end returns the first). The rest would act twice or be
refused as done already, so their failure is raised. A 4xx answer raises the domain error
the server translated (``InvalidValue``, ``Conflict``, ``NotFound``...) with its message.
"""

from __future__ import annotations

import dataclasses
import enum
import hashlib
import json
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime
from typing import Any
from urllib.parse import quote

import httpx2

from doorstep.adapters.http_client import EngineClient
from doorstep.domain.errors import (
    AuthenticationFailed,
    Conflict,
    DomainError,
    InvalidValue,
    NotFound,
    PermissionDenied,
)
from doorstep.domain.exceptions import Resolution
from doorstep.domain.inspections import InspectionKind, ItemResult
from doorstep.services.positions import IncomingPing
from doorstep.services.scans import IncomingScan

# A failed attempt waits BACKOFF_S, then twice that, ... at most MAX_BACKOFF_S.
BACKOFF_S = 0.2
MAX_BACKOFF_S = 5.0
_NOT_SENT = (httpx2.ConnectError, httpx2.ConnectTimeout, httpx2.PoolTimeout)


class ServerUnavailable(RuntimeError):
    """The server gave no usable answer (no connection, or a 5xx) after every attempt."""


@dataclasses.dataclass
class RequestCounts:
    """For the load-test report: every attempt sent, how many of them were retries, and each
    attempt's wall time until its answer (or its failure), in seconds."""

    requests: int = 0
    retries: int = 0
    # One float an attempt: a day's play sends some thousands, and percentiles need them all.
    seconds: list[float] = dataclasses.field(default_factory=list, compare=False)


class HttpActions(EngineClient):
    """The twin's ``Actions`` against the server at ``base_url`` (e.g. http://127.0.0.1:8000),
    as the holder of ``api_key`` (its roles must allow every write: an admin key does)."""

    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        attempts: int = 5,
        timeout_s: float = 60.0,
        client: httpx2.Client | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if attempts < 1:
            raise ValueError(f"attempts must be at least 1, got {attempts}")
        super().__init__(timeout_s=timeout_s, client=client)
        self._api = base_url.rstrip("/") + "/api/v1"
        self._auth = {"Authorization": f"Bearer {api_key}"}
        self._attempts = attempts
        self._sleep = sleep
        self._lock = threading.Lock()  # a load test may share one object between threads
        self.counts = RequestCounts()

    def scans(self, batch: Sequence[IncomingScan]) -> None:
        self._post("/events", json_body={"events": [_plain(e) for e in batch]}, repeatable=True)

    def pings(self, batch: Sequence[IncomingPing]) -> None:
        self._post("/positions", json_body={"pings": [_plain(p) for p in batch]}, repeatable=True)

    def proof_file(self, data: bytes, media_type: str) -> str:
        answer = self._post(
            "/proof-files", content=data, headers={"Content-Type": media_type}, repeatable=True
        )
        return str(answer["sha256"])

    def inspect(
        self, vehicle: str, day: date, kind: InspectionKind, items: Sequence[ItemResult]
    ) -> None:
        body = {"kind": kind.value, "items": [_plain(i) for i in items]}
        self._post(f"/vehicles/{_segment(vehicle)}/inspections", day=day, json_body=body)

    def depart(self, station: str, day: date, vehicle: str, override_reason: str = "") -> None:
        path = f"/stations/{_segment(station)}/load-out/{_segment(vehicle)}:depart"
        self._post(path, day=day, json_body={"override_reason": override_reason})

    def end_route(self, vehicle: str, day: date) -> None:
        # No items: the server takes the post-trip inspection sent since the departure, as
        # the service does when the twin calls it in-process.
        path = f"/vehicles/{_segment(vehicle)}/route:end"
        self._post(path, day=day, json_body={}, repeatable=True)

    def close_day(self, station: str, day: date) -> None:
        self._post(f"/stations/{_segment(station)}/day:close", day=day)

    def create_order(self, values: Mapping[str, Any]) -> str:
        body = {name: _plain(value) for name, value in values.items()}
        # The key comes from the body, so a retry after a lost answer replays the first
        # answer instead of making a second order (or failing on its shipper reference).
        digest = hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()
        headers = {"Idempotency-Key": f"twin-order-{digest}"}
        answer = self._post("/orders", json_body=body, headers=headers, repeatable=True)
        return str(answer["id"])

    def add_to_plan(self, plan_id: str, order_id: str) -> None:
        # improve_s 0: the change alone, as ServiceActions makes it; a background re-plan
        # would change the routes under the twin while it plays them.
        body = {"order_id": order_id, "improve_s": 0}
        self._post(f"/plans/{_segment(plan_id)}:add-order", json_body=body)

    def take_off_road(self, plan_id: str, vehicle_id: str) -> None:
        body = {"vehicle_id": vehicle_id, "improve_s": 0}
        self._post(f"/plans/{_segment(plan_id)}:take-off-road", json_body=body)

    def watch(self, station: str, day: date) -> None:
        # Cases are opened once per key and messages once per moment: a repeat does nothing.
        self._post(f"/stations/{_segment(station)}/dispatch:watch", day=day, repeatable=True)

    def resolve_case(self, case_id: str, resolution: Resolution, note: str) -> None:
        body = {"resolution": resolution.value, "note": note}
        self._post(f"/exceptions/{_segment(case_id)}:resolve", json_body=body)

    def _post(
        self,
        path: str,
        *,
        day: date | None = None,
        json_body: Mapping[str, Any] | None = None,
        content: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        repeatable: bool = False,
    ) -> dict[str, Any]:
        """POST and return the JSON answer; retried as the module says, errors raised."""
        request = self._client.build_request(
            "POST",
            self._api + path,
            params={"date": day.isoformat()} if day is not None else None,
            json=json_body,
            content=content,
            headers={**self._auth, **(headers or {})},
            timeout=self._timeout_s,
        )
        response = self._send(request, repeatable=repeatable)
        if response.status_code >= 400:
            raise _error(response)
        return _json_object(response)

    def _send(self, request: httpx2.Request, *, repeatable: bool) -> httpx2.Response:
        for attempt in range(self._attempts):
            started = time.perf_counter()
            try:
                response = self._client.send(request)
            except httpx2.TransportError as error:
                self._count(retry=attempt > 0, seconds=time.perf_counter() - started)
                failure = f"{request.method} {request.url} did not complete: {error!r}"
                # A request that never got a connection never reached the server: safe to
                # send again, whatever it is.
                if not (repeatable or isinstance(error, _NOT_SENT)):
                    raise ServerUnavailable(failure) from error
            else:
                self._count(retry=attempt > 0, seconds=time.perf_counter() - started)
                if response.status_code < 500:
                    return response
                failure = f"{request.method} {request.url} answered {_summary(response)}"
                if not repeatable:
                    raise ServerUnavailable(failure)
            if attempt + 1 < self._attempts:
                self._sleep(min(BACKOFF_S * 2**attempt, MAX_BACKOFF_S))
        raise ServerUnavailable(f"{failure} ({self._attempts} attempts)")

    def _count(self, *, retry: bool, seconds: float) -> None:
        with self._lock:
            self.counts.requests += 1
            self.counts.retries += int(retry)
            self.counts.seconds.append(seconds)


def _plain(value: Any) -> Any:
    """``value`` as JSON: the services' input dataclasses become objects with the same field
    names, which are the API's (scans, pings, inspection items, an order's values)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, set | frozenset):
        return sorted(_plain(v) for v in value)  # sorted: the same body, so the same key
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def _segment(ref: str) -> str:
    # Ids and codes are plain, but a name or a code with a slash must stay one path segment.
    return quote(ref, safe="")


def _json_object(response: httpx2.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise ServerUnavailable(f"the server answered {_summary(response)}, not a JSON object")
    return body


def _summary(response: httpx2.Response) -> str:
    return f"HTTP {response.status_code}: {response.text[:300]!r}"


def _error(response: httpx2.Response) -> DomainError:
    """The domain error the server translated into this problem answer (problems.py)."""
    try:
        problem = response.json()
    except ValueError:
        problem = None
    if not isinstance(problem, dict):
        problem = {}
    detail = str(problem.get("detail") or _summary(response))
    errors = [e for e in problem.get("errors") or [] if isinstance(e, dict)]
    field = str(errors[0]["field"]) if errors and errors[0].get("field") else None
    status = response.status_code
    if status == 404:
        return _said(NotFound("resource", response.request.url.path), detail)
    if status == 409:
        return Conflict(detail, field)
    if status == 401:
        return AuthenticationFailed(detail)
    if status == 403:
        return PermissionDenied(detail)
    # 422 and the rest of 4xx (malformed or too large a body): the request as sent is wrong.
    if len(errors) == 1 and field is not None:
        return InvalidValue(field, str(errors[0].get("message") or detail))
    return InvalidValue(field or "body", detail)


def _said(error: NotFound, detail: str) -> NotFound:
    # NotFound words its own message from a kind and an id the problem answer does not
    # give apart; the server's detail names them already, so it becomes the message.
    error.args = (detail,)
    return error
