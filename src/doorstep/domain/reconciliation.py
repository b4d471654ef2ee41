"""Accounting for parcels: at receiving, against the shipper's manifest; at day end, all of them.

Both are pure functions of a day's expected parcels and their replayed states, so the
station, the API and the KPIs count the same way.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum

from doorstep.domain.errors import InvalidValue
from doorstep.domain.order_status import OrderStatus
from doorstep.domain.scans import ParcelState

S = OrderStatus


@dataclass(frozen=True)
class Expected:
    """A parcel announced for the day: its shipper, order and the order's status."""

    barcode: str
    shipper: str
    order_id: str
    shipper_reference: str
    order_status: OrderStatus


@dataclass(frozen=True)
class Manifest:
    """One shipper's parcels of the day against what the station scanned in."""

    shipper: str
    expected: int
    received: tuple[str, ...]
    missing: tuple[Expected, ...]
    damaged: tuple[str, ...]


@dataclass(frozen=True)
class Receiving:
    manifests: tuple[Manifest, ...]
    # Scanned in, but on no manifest of the day: an unknown label, or another day's parcel.
    unexpected: tuple[tuple[str, str], ...] = ()  # (barcode, why)


def receiving(
    expected: Sequence[Expected],
    states: Mapping[str, ParcelState],
    unexpected: Iterable[tuple[str, str]] = (),
) -> Receiving:
    """Per shipper: received (any scan took it past ready), missing, damaged."""
    shippers = sorted({e.shipper for e in expected})
    manifests = []
    for shipper in shippers:
        mine = [e for e in expected if e.shipper == shipper]
        arrived = [e for e in mine if _arrived(states.get(e.barcode))]
        manifests.append(
            Manifest(
                shipper=shipper,
                expected=len(mine),
                received=tuple(e.barcode for e in arrived),
                missing=tuple(e for e in mine if not _arrived(states.get(e.barcode))),
                damaged=tuple(e.barcode for e in mine if _damaged(states.get(e.barcode))),
            )
        )
    return Receiving(tuple(manifests), tuple(sorted(set(unexpected))))


def _arrived(state: ParcelState | None) -> bool:
    return state is not None and state.status is not S.READY


def _damaged(state: ParcelState | None) -> bool:
    return state is not None and state.damaged


class Whereabouts(StrEnum):
    """Where a parcel of the day is at day end; the first three are accounted for."""

    DELIVERED = "delivered"
    BACK_AFTER_FAILED_ATTEMPT = "back_after_failed_attempt"  # received again at the station
    AT_STATION = "at_station"  # received, never went out
    ON_A_VEHICLE = "on_a_vehicle"  # loaded or out and not scanned back: unaccounted
    # handed to a partner carrier and not yet delivered or returned: the partner accounts
    # for it (its events say where it is), so no case opens for it at the station
    WITH_PARTNER = "with_partner"
    NEVER_RECEIVED = "never_received"  # announced, never scanned in: unaccounted
    CLOSED = "closed"  # cancelled or returned to sender by a person


ACCOUNTED = frozenset(
    {
        Whereabouts.DELIVERED,
        Whereabouts.BACK_AFTER_FAILED_ATTEMPT,
        Whereabouts.AT_STATION,
        Whereabouts.WITH_PARTNER,
        Whereabouts.CLOSED,
    }
)


@dataclass(frozen=True)
class DayEnd:
    """Every parcel of the day by where it is; ``unaccounted`` must reach zero."""

    parcels: Mapping[Whereabouts, tuple[Expected, ...]] = field(default_factory=dict)

    @property
    def unaccounted(self) -> tuple[Expected, ...]:
        return tuple(e for w, found in self.parcels.items() if w not in ACCOUNTED for e in found)

    def count(self, whereabouts: Whereabouts) -> int:
        return len(self.parcels.get(whereabouts, ()))


def day_end(expected: Sequence[Expected], states: Mapping[str, ParcelState]) -> DayEnd:
    """Sort every expected parcel of the day by where its scans leave it."""
    found: dict[Whereabouts, list[Expected]] = {w: [] for w in Whereabouts}
    for parcel in expected:
        found[whereabouts(parcel, states.get(parcel.barcode))].append(parcel)
    return DayEnd({w: tuple(parcels) for w, parcels in found.items()})


# Away without one of our vans: a load scan names the van, and only a loaded parcel departs.
PARTNERS = frozenset({S.HANDED_OFF, S.OUT_FOR_DELIVERY, S.FAILED_ATTEMPT})


def whereabouts(parcel: Expected, state: ParcelState | None) -> Whereabouts:
    if parcel.order_status in (S.CANCELLED, S.RETURNED_TO_SENDER):
        return Whereabouts.CLOSED
    if state is None or state.status is S.READY:
        return Whereabouts.NEVER_RECEIVED
    if state.status is S.DELIVERED:
        return Whereabouts.DELIVERED
    if state.status in (S.RECEIVED, S.SORTED):
        back = state.attempts > 0
        return Whereabouts.BACK_AFTER_FAILED_ATTEMPT if back else Whereabouts.AT_STATION
    if state.status in PARTNERS and not state.vehicle_id:  # never loaded on a van of ours
        return Whereabouts.WITH_PARTNER
    return Whereabouts.ON_A_VEHICLE


def next_delivery_day(day: date, open_on: Iterable[int]) -> date:
    """The first day after ``day`` whose weekday (Monday = 0) is in ``open_on``."""
    days = set(open_on)
    if not days:
        raise InvalidValue("opening_hours", "the station opens on no day of the week")
    ahead = day + timedelta(days=1)
    while ahead.weekday() not in days:
        ahead += timedelta(days=1)
    return ahead


@dataclass(frozen=True)
class Retry:
    """What closing the day does with an order whose parcels came back after a failed attempt."""

    order_id: str
    attempts: int
    returned: bool  # True: back to the sender; False: tried again on the next delivery day


def retries(
    expected: Sequence[Expected], states: Mapping[str, ParcelState], max_attempts: int
) -> list[Retry]:
    """Orders whose every parcel is at the station at day end, back after a failed attempt or
    never attempted (never loaded, or brought back untried): all go to the next delivery day,
    and those out of attempts back to the sender."""
    by_order: dict[str, list[Expected]] = {}
    for parcel in expected:
        by_order.setdefault(parcel.order_id, []).append(parcel)
    found = []
    for order_id, parcels in by_order.items():
        places = {whereabouts(p, states.get(p.barcode)) for p in parcels}
        if not places <= {Whereabouts.BACK_AFTER_FAILED_ATTEMPT, Whereabouts.AT_STATION}:
            continue
        attempts = max(states[p.barcode].attempts for p in parcels)
        found.append(Retry(order_id, attempts, attempts >= max_attempts))
    return found
