"""The fake partner of ``tests.support.partner`` with a quote a test chooses and answers it can
hold back: for rate shopping's live quotes.

``Quoting`` says what ``POST /v1/quotes`` answers (price, currency, promise), and may hold
every answer until an event is set (``gate``: a partner slower than any timeout, without
sleeping for a guessed time) and set an event when a quote is asked for (``asked``), so two
partners can each wait for the other's request: which only answers when they are asked at
the same time. Everything else (failures to give, recorded requests) is the fake partner's.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import ThreadingHTTPServer
from typing import Any

from tests.support.partner import Partner, PartnerState, _handler

HELD_AT_MOST_S = 30.0  # a held answer goes out after this anyway, so a failing test ends


@dataclass
class Quoting:
    cents: int = 990
    currency: str = "EUR"
    deliver_by: str | None = None  # RFC 3339, or None: the quote promises nothing
    gate: threading.Event | None = None  # answers wait until it is set; None: at once
    asked: threading.Event = field(default_factory=threading.Event)  # set on a quote request


@contextmanager
def quoting_partner(quoting: Quoting) -> Iterator[Partner]:
    """A fake partner quoting as ``quoting`` says, on a free loopback port until the block
    ends (a held answer is let go then)."""
    state = PartnerState()
    base: Any = _handler(state)

    class Handler(base):  # type: ignore[misc,valid-type]
        def _work(self, method: str, headers: dict[str, str], body: bytes) -> tuple[int, Any]:
            if method == "POST" and self.path.rstrip("/") == "/v1/quotes":
                quoting.asked.set()
                sent = json.loads(body)
                return 200, {
                    "service": sent["service"],
                    "price": {"amount_cents": quoting.cents, "currency": quoting.currency},
                    "deliver_by": quoting.deliver_by,
                }
            return super()._work(method, headers, body)  # type: ignore[no-any-return]

        def _answer(self, status: int, body: bytes, kind: str = "application/json") -> None:
            if quoting.gate is not None:
                quoting.gate.wait(HELD_AT_MOST_S)
            super()._answer(status, body, kind)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield Partner(f"http://127.0.0.1:{server.server_address[1]}/v1", state)
    finally:
        if quoting.gate is not None:
            quoting.gate.set()
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
