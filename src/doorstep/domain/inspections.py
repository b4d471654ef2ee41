"""Vehicle inspections before and after a route, and the maintenance an unsafe defect opens.

A route starts only after that day's pre-trip inspection of its vehicle found nothing unsafe;
a defect marked unsafe takes the vehicle out of service until maintenance closes the record.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from enum import StrEnum

from doorstep.domain.checks import text
from doorstep.domain.errors import InvalidTransition, InvalidValue


class InspectionKind(StrEnum):
    PRE_TRIP = "pre_trip"
    POST_TRIP = "post_trip"


# Every inspection answers each of these; the set follows common pre-trip checklists for vans.
CHECKLIST = (
    "brakes",
    "tyres",
    "lights",
    "mirrors",
    "horn",
    "wipers",
    "fluid_leaks",
    "cargo_door_and_lock",
    "fire_extinguisher",
    "first_aid_kit",
)


@dataclass(frozen=True)
class ItemResult:
    item: str
    ok: bool
    defect: str = ""  # what is wrong, when not ok
    unsafe: bool = False  # the vehicle must not be driven

    def __post_init__(self) -> None:
        if self.item not in CHECKLIST:
            raise InvalidValue("items.item", f"{self.item!r} is not on the checklist: {_listed()}")
        text("items.defect", self.defect, max_length=500, required=not self.ok)
        if self.ok and self.unsafe:
            raise InvalidValue("items.unsafe", f"{self.item} is ok, so it cannot be unsafe")


@dataclass(frozen=True)
class Inspection:
    id: str
    organisation_id: str
    vehicle_id: str
    service_date: date
    kind: InspectionKind
    inspected_at: datetime
    inspector_id: str
    items: tuple[ItemResult, ...]

    def __post_init__(self) -> None:
        answered = [i.item for i in self.items]
        if len(answered) != len(set(answered)):
            raise InvalidValue("items", "answers an item twice; give one answer per item")
        left = [item for item in CHECKLIST if item not in answered]
        if left:
            raise InvalidValue(
                "items", f"answer every item of the checklist; missing: {', '.join(left)}"
            )

    @property
    def defects(self) -> tuple[ItemResult, ...]:
        return tuple(i for i in self.items if not i.ok)

    @property
    def unsafe(self) -> tuple[ItemResult, ...]:
        return tuple(i for i in self.items if i.unsafe)


@dataclass(frozen=True)
class MaintenanceRecord:
    """Opened by an unsafe defect: the vehicle is out of service until it is closed."""

    id: str
    organisation_id: str
    vehicle_id: str
    inspection_id: str
    opened_at: datetime
    defects: tuple[str, ...]  # "brakes: grinding at low speed"
    closed_at: datetime | None = None
    closed_by: str | None = None
    note: str = ""

    @property
    def open(self) -> bool:
        return self.closed_at is None

    def closed(self, at: datetime, by: str, note: str) -> MaintenanceRecord:
        if not self.open:
            raise InvalidTransition(f"maintenance {self.id}", "closed", "closed", frozenset())
        text("note", note, max_length=1000)
        return replace(self, closed_at=at, closed_by=by, note=note)


def described(items: tuple[ItemResult, ...]) -> tuple[str, ...]:
    return tuple(f"{i.item}: {i.defect}" for i in items)


def _listed() -> str:
    return ", ".join(CHECKLIST)
