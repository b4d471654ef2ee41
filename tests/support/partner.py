"""A fake partner carrier for tests: a real HTTP server on a free loopback port, in a thread,
speaking the generic partner's API (``doorstep.adapters.carriers.generic_partner``) and
recording what it received, so tests check the wire format both ways.

Behaviour a test can ask for: ``fail_next`` (answers to give instead, in turn, as (status,
JSON body)), ``delay_next_s`` (sleep before answering the next request, still doing its work:
a booking whose answer is lost), ``hold_next`` (the next requests do their work, say so and
wait to be let go before answering: a partner as slow as a test needs, without guessing
times), and ``events`` per booking for ``GET .../events``.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

API_KEY = "pk_test_partner"
HELD_AT_MOST_S = 30.0  # a held answer goes out after this anyway, so a failing test ends
LABEL = b"%PDF-1.4\n% a fake partner label\n%%EOF\n"


@dataclass(frozen=True)
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Hold:
    """One held answer: ``arrived`` is set once the request's work is done (a booking made),
    and the answer goes out when the test sets ``release``."""

    arrived: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)


@dataclass
class PartnerState:
    received: list[Received] = field(default_factory=list)
    shipments: dict[str, dict[str, Any]] = field(default_factory=dict)  # by booking id
    by_key: dict[str, str] = field(default_factory=dict)  # idempotency key -> booking id
    cancelled: set[str] = field(default_factory=set)
    events: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    fail_next: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    delay_next_s: list[float] = field(default_factory=list)
    hold_next: list[Hold] = field(default_factory=list)
    held: list[Hold] = field(default_factory=list)  # taken by a request: let go at the end
    lock: threading.Lock = field(default_factory=threading.Lock)
    numbers: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    def bookings(self) -> list[Received]:
        return [r for r in self.received if r.method == "POST" and r.path == "/v1/shipments"]


def _handler(state: PartnerState) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            return

        def _answer(self, status: int, body: bytes, kind: str = "application/json") -> None:
            try:
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):  # the client gave up waiting
                pass

        def _json(self, status: int, value: object) -> None:
            self._answer(status, json.dumps(value).encode())

        def _handle(self, method: str) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            headers = {k.lower(): v for k, v in self.headers.items()}
            with state.lock:
                state.received.append(Received(method, self.path, headers, body))
                delay = state.delay_next_s.pop(0) if state.delay_next_s else 0.0
                hold = state.hold_next.pop(0) if state.hold_next else None
                if hold is not None:
                    state.held.append(hold)
                failure = state.fail_next.pop(0) if state.fail_next else None
            if headers.get("authorization") != f"Bearer {API_KEY}":
                self._json(401, {"error": {"message": "unknown API key"}})
                return
            if failure is not None:
                self._json(*failure)
                return
            status, answer = self._work(method, headers, body)
            if delay:
                time.sleep(delay)
            if hold is not None:
                hold.arrived.set()
                hold.release.wait(HELD_AT_MOST_S)
            if isinstance(answer, bytes):
                self._answer(status, answer, "application/pdf")
            elif answer is None:
                self._answer(status, b"")
            else:
                self._json(status, answer)

        def _work(self, method: str, headers: dict[str, str], body: bytes) -> tuple[int, Any]:
            parts = self.path.strip("/").split("/")  # v1, shipments, id, ...
            if parts[:1] != ["v1"]:
                return 404, {"error": {"message": f"no such path {self.path}"}}
            parts = parts[1:]
            with state.lock:
                if method == "POST" and parts == ["quotes"]:
                    sent = json.loads(body)
                    cents = 990 + 150 * (len(sent["parcels"]) - 1)
                    return 200, {
                        "service": sent["service"],
                        "price": {"amount_cents": cents, "currency": "EUR"},
                        "deliver_by": None,
                    }
                if method == "POST" and parts == ["shipments"]:
                    sent = json.loads(body)
                    missing = [
                        n for n in ("reference", "service", "parcels", "recipient") if n not in sent
                    ]
                    if missing:
                        return 422, {"error": {"message": f"missing {', '.join(missing)}"}}
                    key = headers.get("idempotency-key", "")
                    if key and key in state.by_key:
                        return 200, state.shipments[state.by_key[key]]["answer"]
                    n = next(state.numbers)
                    booking = f"shp_{n:04d}"
                    answer = {"id": booking, "tracking_number": f"PX{n:08d}FI", "status": "booked"}
                    state.shipments[booking] = {"request": sent, "answer": answer}
                    if key:
                        state.by_key[key] = booking
                    return 201, answer
                if len(parts) >= 2 and parts[0] == "shipments":
                    booking = parts[1]
                    if booking not in state.shipments:
                        return 404, {"error": {"message": f"no shipment {booking}"}}
                    if method == "DELETE" and len(parts) == 2:
                        state.cancelled.add(booking)
                        return 204, None
                    if method == "GET" and parts[2:] == ["label"]:
                        return 200, LABEL
                    if method == "GET" and parts[2:] == ["events"]:
                        return 200, {"events": state.events.get(booking, [])}
            return 404, {"error": {"message": f"no such path {self.path}"}}

        def do_GET(self) -> None:
            self._handle("GET")

        def do_POST(self) -> None:
            self._handle("POST")

        def do_DELETE(self) -> None:
            self._handle("DELETE")

    return Handler


@dataclass
class Partner:
    url: str  # the API's base URL, ending in /v1
    state: PartnerState


@contextmanager
def partner_server() -> Iterator[Partner]:
    """The fake partner, listening on a free loopback port until the block ends."""
    state = PartnerState()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))  # the OS picks a free port
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield Partner(f"http://127.0.0.1:{server.server_address[1]}/v1", state)
    finally:
        for hold in state.held + state.hold_next:
            hold.release.set()
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
