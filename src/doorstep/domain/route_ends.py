"""The end of a vehicle's route: back at the station, inspected, and what is still on board.

A route ends once, after its departure, with a post-trip inspection. The parcels still on the
vehicle then are those day-end accounting would find on a vehicle (``reconciliation``): loaded
or out for delivery, and also failed attempts and collected returns not yet scanned back in
at the station, since only that receive scan takes a parcel off the vehicle's books.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from doorstep.domain.checks import aware
from doorstep.domain.errors import InvalidValue
from doorstep.domain.reconciliation import Expected, Whereabouts, whereabouts
from doorstep.domain.scans import ParcelState


@dataclass(frozen=True)
class RouteEnd:
    """A route ended at ``ended_at`` by ``actor_id``, after the post-trip ``inspection_id``.

    ``on_board`` are the barcodes still on the vehicle then; ``maintenance_id`` the record an
    unsafe post-trip defect opened, grounding the vehicle until it is closed.
    """

    id: str
    organisation_id: str
    departure_id: str
    vehicle_id: str
    service_date: date
    ended_at: datetime
    actor_id: str
    inspection_id: str
    on_board: tuple[str, ...] = ()
    maintenance_id: str | None = None
    odometer_km: int | None = None

    def __post_init__(self) -> None:
        aware("ended_at", self.ended_at)
        if self.odometer_km is not None and not 0 <= self.odometer_km <= 10_000_000:
            raise InvalidValue("odometer_km", f"must be 0 to 10000000, got {self.odometer_km}")


def on_board(
    vehicle_id: str, expected: Sequence[Expected], states: Mapping[str, ParcelState]
) -> tuple[Expected, ...]:
    """The parcels among ``expected`` that their scans leave on ``vehicle_id``.

    A parcel loaded onto another vehicle (a hand-over after a breakdown) is that vehicle's.
    """
    found = []
    for parcel in expected:
        state = states.get(parcel.barcode)
        if state is None or state.vehicle_id not in ("", vehicle_id):
            continue
        if whereabouts(parcel, state) is Whereabouts.ON_A_VEHICLE:
            found.append(parcel)
    return tuple(found)
