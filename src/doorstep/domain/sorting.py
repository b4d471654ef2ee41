"""The sort plan: where each parcel of a published day goes at the station, and in what order.

Each route gets one staging lane (``L01``, ``L02``, ... in the plan's vehicle order), so a
sorter needs to read one short code. Within the lane a parcel's position is its stop number,
and the van is loaded in reverse stop order (the last stop's parcels go in first, deepest),
so the driver finds the next stop's parcels at the door.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class Assignment:
    """Where one parcel belongs: its route's vehicle, lane and stop, and when to load it."""

    barcode: str
    order_id: str
    vehicle_id: str
    lane: str
    position: int  # stop number on the route, 1 = first stop
    load_index: int  # 1 = into the van first (the route's last stop)
    # The parcel's trip (``ParcelState.trips``: times it came back to the station) when the
    # plan was published: the plan judges only the sort and load scans of this trip, not
    # those of an earlier day's, or of a trip it was towed back from.
    attempt: int = 0


@dataclass(frozen=True)
class SortLine:
    """One parcel's line of the printed sort plan and its label."""

    assignment: Assignment
    station_code: str
    service_date: date
    vehicle_name: str
    stops_on_route: int
    shipper_reference: str
    recipient_name: str
    address: str
    window: str  # e.g. "09:00-12:00", the stop's planned arrival window; "" when none


def lane_code(route_index: int) -> str:
    """The lane of the ``route_index``-th route (0-based): L01, L02, ..."""
    return f"L{route_index + 1:02d}"


def lanes(vehicle_ids: Sequence[str], before: Mapping[str, str] | None = None) -> dict[str, str]:
    """A lane per vehicle, in order: the lane it had ``before`` (a day's earlier sort plan)
    if any, else the lowest lane nobody has. A live change to the day never renumbers the
    lanes, so parcels already in one never belong in another because a route was added."""
    found = {v: lane for v, lane in (before or {}).items() if v in vehicle_ids}
    taken = set(found.values())
    codes = (lane_code(i) for i in range(len(vehicle_ids) + len(taken)))
    free = (code for code in codes if code not in taken)
    for vehicle_id in vehicle_ids:
        if vehicle_id not in found:
            found[vehicle_id] = next(free)
    return found


def assign(
    routes: Sequence[tuple[str, Sequence[str]]],
    parcels: Mapping[str, Sequence[str]],
    attempts: Mapping[str, int] | None = None,
    lane_of: Mapping[str, str] | None = None,
) -> list[Assignment]:
    """Assignments for ``routes`` (vehicle id, its stops' order ids in visiting order).

    ``parcels`` gives each delivery order's barcodes; stops not in it (pickups, which have no
    parcel at the station yet) take a position but no line. Load order counts parcels, last
    stop first, and keeps a stop's parcels together. ``attempts``: each parcel's trip so far by
    barcode (none: 0). ``lane_of``: each vehicle's lane (``lanes``); by default the routes
    take L01, L02, ... in order.
    """
    tried = attempts or {}
    found: list[Assignment] = []
    for index, (vehicle_id, order_ids) in enumerate(routes):
        lane = lane_of[vehicle_id] if lane_of is not None else lane_code(index)
        loads = [
            (position, order_id, barcode)
            for position, order_id in enumerate(order_ids, start=1)
            for barcode in parcels.get(order_id, ())
        ]
        ordered = sorted(loads, key=lambda load: (-load[0], load[2]))
        load_index = {barcode: n for n, (_, _, barcode) in enumerate(ordered, start=1)}
        found += [
            Assignment(
                barcode,
                order_id,
                vehicle_id,
                lane,
                position,
                load_index[barcode],
                tried.get(barcode, 0),
            )
            for position, order_id, barcode in loads
        ]
    return found
