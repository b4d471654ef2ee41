"""An order as a partner carrier's API is asked about it (``domain.handoffs.ShipmentRequest``):
the station sends, the order's recipient receives, its parcels with their sizes, ready now,
delivered inside the order's windows (earliest start to latest end) when it has any."""

from __future__ import annotations

from datetime import datetime

from doorstep.domain.carriers import ServiceLevel
from doorstep.domain.handoffs import PackageSpec, Party, ShipmentRequest
from doorstep.domain.orders import Order
from doorstep.domain.stations import Station


def shipment_request(
    order: Order, station: Station | None, level: ServiceLevel, now: datetime, *, key: str = ""
) -> ShipmentRequest:
    """The request for ``order`` at ``level``; ``key`` is the idempotency key of a booking
    (none for a quote). InvalidValue when the order has no parcels."""
    address = order.address
    street = " ".join(part for part in (address.street, address.house_number, address.unit) if part)
    windows = order.time_windows
    return ShipmentRequest(
        reference=order.id,
        service_level=level,
        sender=Party(
            name=station.name if station else order.shipper,
            street=station.address if station else "",
            postcode="",
            city="",
        ),
        recipient=Party(
            name=order.recipient.name,
            street=street or address.as_given,
            postcode=address.postcode,
            city=address.city,
            country=address.country or "FI",
            phone=order.recipient.phone,
            email=order.recipient.email,
        ),
        packages=tuple(
            PackageSpec(
                p.barcode,
                p.weight_kg,
                p.length_cm or None,
                p.width_cm or None,
                p.height_cm or None,
            )
            for p in order.parcels
        ),
        ready_at=now,
        deliver_from=min((w.start_at for w in windows), default=None),
        deliver_until=max((w.end_at for w in windows), default=None),
        instructions=order.access_notes,
        idempotency_key=key,
    )
