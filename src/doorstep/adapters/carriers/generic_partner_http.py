"""The generic partner's API over HTTP (httpx2): ``generic_partner``'s wire format sent.

Every failure becomes ``CarrierError``: 4xx is the request's fault (not temporary) and says
the partner's message; 5xx, 429, timeouts and unreachable hosts are temporary. A booking is
retried once after a temporary failure with the same ``Idempotency-Key``, so a booking whose
answer was lost is found again, never made twice.
"""

from __future__ import annotations

from collections.abc import Sequence

import httpx2

from doorstep import __version__
from doorstep.adapters.carriers import generic_partner as wire
from doorstep.adapters.http_client import EngineClient
from doorstep.domain.errors import CarrierError
from doorstep.domain.handoffs import Booking, CarrierQuote, ShipmentRequest, TrackingEvent

DEFAULT_TIMEOUT_S = 15.0
USER_AGENT = f"doorstep-carriers/{__version__}"
BOOKING_ATTEMPTS = 2


class GenericPartnerGateway(EngineClient):
    """A ``CarrierGateway`` for one partner: ``with GenericPartnerGateway(...) as gateway:``."""

    def __init__(
        self,
        carrier: str,
        base_url: str,
        api_key: str,
        *,
        timeout_s: float = DEFAULT_TIMEOUT_S,
        client: httpx2.Client | None = None,
    ) -> None:
        super().__init__(timeout_s=timeout_s, client=client, follow_redirects=False)
        self._carrier = carrier
        self._base = base_url.rstrip("/")
        self._headers = {"Authorization": f"Bearer {api_key}", "User-Agent": USER_AGENT}

    def quote(self, request: ShipmentRequest) -> CarrierQuote:
        body = self._send("POST", "/quotes", json=wire.shipment_json(request))
        return wire.quote_from(self._carrier, body, request.service_level)

    def book(self, request: ShipmentRequest) -> Booking:
        headers = {"Idempotency-Key": request.idempotency_key} if request.idempotency_key else {}
        attempts = BOOKING_ATTEMPTS if request.idempotency_key else 1
        for attempt in range(1, attempts + 1):
            try:
                body = self._send(
                    "POST", "/shipments", json=wire.shipment_json(request), headers=headers
                )
                break
            except CarrierError as error:
                if not error.temporary or attempt == attempts:
                    raise
        booking_id, tracking = wire.booking_from(self._carrier, body)
        return Booking(booking_id, tracking, self.label(booking_id))

    def cancel(self, booking_id: str) -> None:
        self._send("DELETE", f"/shipments/{booking_id}")

    def label(self, booking_id: str) -> bytes:
        body = self._send("GET", f"/shipments/{booking_id}/label")
        if not body.startswith(b"%PDF"):
            raise CarrierError(self._carrier, "the label is not a PDF", temporary=False)
        return body

    def events(self, booking_id: str) -> Sequence[TrackingEvent]:
        return wire.events_from(self._carrier, self._send("GET", f"/shipments/{booking_id}/events"))

    def webhook_events(self, body: bytes) -> Sequence[TrackingEvent]:
        return wire.events_from(self._carrier, body)

    def _send(
        self,
        method: str,
        path: str,
        *,
        json: object | None = None,
        headers: dict[str, str] | None = None,
    ) -> bytes:
        try:
            response = self._client.request(
                method,
                self._base + path,
                json=json,
                headers={**self._headers, **(headers or {})},
                timeout=self._timeout_s,
                follow_redirects=False,
            )
        except httpx2.TimeoutException:
            raise CarrierError(
                self._carrier, f"no answer within {self._timeout_s:g} s", temporary=True
            ) from None
        except httpx2.HTTPError as error:
            raise CarrierError(
                self._carrier, f"could not reach {self._base}: {error!r}", temporary=True
            ) from None
        code = response.status_code
        if 200 <= code < 300:
            return response.content
        message = wire.error_message(code, response.content)
        temporary = code >= 500 or code in (408, 429)
        raise CarrierError(self._carrier, message, temporary=temporary, status=code)
