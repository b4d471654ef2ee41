"""Loading a vehicle: its parcels in load order, what is still missing, and the departure.

A vehicle leaves with every parcel the published plan gives it, or with an explicit override
saying why not; the override and the parcels left behind are recorded with the departure.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from doorstep.domain.errors import InvalidValue
from doorstep.domain.order_status import OrderStatus
from doorstep.domain.scans import ParcelState
from doorstep.domain.sorting import Assignment

S = OrderStatus


@dataclass(frozen=True)
class LoadItem:
    assignment: Assignment
    status: OrderStatus  # the parcel's, from its scans (ready: never scanned in)
    last_scan_at: datetime | None = None  # device time of its last scan that applied

    @property
    def loaded(self) -> bool:
        return self.status is S.LOADED


@dataclass(frozen=True)
class LoadList:
    vehicle_id: str
    items: tuple[LoadItem, ...]  # load order: the last stop's parcels first

    def departs_at(self, now: datetime) -> datetime:
        """When the departure scans are stamped: now, or just after the last load scan if a
        handheld's clock ran ahead, so that the replay puts the departure after the loading."""
        last = [i.last_scan_at for i in self.items if i.loaded and i.last_scan_at is not None]
        return max([now, *(at + timedelta(milliseconds=1) for at in last)])

    @property
    def missing(self) -> tuple[LoadItem, ...]:
        """Parcels the plan puts on the vehicle that are not loaded."""
        return tuple(i for i in self.items if not i.loaded)


def load_list(
    vehicle_id: str, assignments: Sequence[Assignment], states: Mapping[str, ParcelState]
) -> LoadList:
    mine = sorted((a for a in assignments if a.vehicle_id == vehicle_id), key=_load_order)
    items = [_item(a, states.get(a.barcode)) for a in mine]
    return LoadList(vehicle_id, tuple(items))


def _item(a: Assignment, state: ParcelState | None) -> LoadItem:
    if state is None:
        return LoadItem(a, S.READY)
    return LoadItem(a, state.status, state.last_event_at)


def _load_order(a: Assignment) -> int:
    return a.load_index


@dataclass(frozen=True)
class Departure:
    """A vehicle leaving the station for its route; ``missing`` left behind by ``override``."""

    id: str
    organisation_id: str
    plan_id: str
    station_id: str
    service_date: date
    vehicle_id: str
    departed_at: datetime
    actor_id: str
    loaded: tuple[str, ...]
    missing: tuple[str, ...] = ()
    override_reason: str = ""

    def __post_init__(self) -> None:
        if self.missing and len(self.override_reason.strip()) < 5:
            raise InvalidValue(
                "override_reason",
                f"{len(self.missing)} parcels are not loaded ({_some(self.missing)}): load "
                "them, or say why the vehicle leaves without them (at least 5 characters)",
            )
        if not self.loaded:
            raise InvalidValue("vehicle", "nothing is loaded: scan the parcels onto it first")


def _some(barcodes: Sequence[str]) -> str:
    shown = ", ".join(barcodes[:5])
    return shown + (f" and {len(barcodes) - 5} more" if len(barcodes) > 5 else "")
