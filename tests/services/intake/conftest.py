"""Intake test fixtures: a small fake geocoder and road network around one station."""

from __future__ import annotations

import gc
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import time
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt
import pytest

from doorstep.adapters.geocoding.parse import parse_address
from doorstep.domain.geo import Location
from doorstep.domain.geocoding import Candidate, MatchLevel
from doorstep.domain.orders import Address
from doorstep.domain.schedules import DailyWindow, OpeningHours
from doorstep.domain.stations import Station
from doorstep.planning.travel import TravelMatrix
from doorstep.services import orders, stations
from doorstep.services.authorization import Principal
from doorstep.services.intake.checks import GeocoderSource, OrderChecks
from tests.services.conftest import Ports, order_fields, station_fields

HEL = ZoneInfo("Europe/Helsinki")
DOOR = Location(60.1700, 24.9400)  # Mannerheimintie 5 in the fake index
STATION_AT = Location(60.1600, 24.9000)


def _candidate(label: str = "Mannerheimintie 5", **changes: Any) -> Candidate:
    street, _, number = label.rpartition(" ")
    values: dict[str, Any] = {
        "location": DOOR,
        "street": street,
        "house_number": number,
        "postcode": "00100",
        "city": "Helsinki",
        "confidence": 0.95,
        "level": MatchLevel.ADDRESS,
    }
    return Candidate(**(values | changes))


@dataclass
class FakeGeocoder:
    """Answers from a table of lower-cased address text; unknown text has no candidate."""

    table: dict[str, list[Candidate]] = field(default_factory=dict)

    def forward(self, address: Address, *, limit: int = 5) -> list[Candidate]:
        return self.table.get(address.as_given.lower(), [])[:limit]

    def reverse(
        self, location: Location, *, limit: int = 1, radius_m: float = 200.0
    ) -> list[Candidate]:
        return []

    def parse(self, text: str) -> Address:
        return parse_address(text)


@dataclass
class FakeTravel:
    """Every point is reachable in ``drive_s`` unless listed in ``off_road``."""

    drive_s: int = 600
    off_road: set[Location] = field(default_factory=set)

    def snap(self, points: Sequence[Location], *, profile: Any = None) -> npt.NDArray[np.float64]:
        return np.asarray([np.inf if p in self.off_road else 5.0 for p in points])

    def matrix(
        self, origins: Sequence[Location], destinations: Sequence[Location] | None = None, **_: Any
    ) -> TravelMatrix:
        shape = (len(origins), len(destinations if destinations is not None else origins))
        seconds = np.full(shape, self.drive_s, dtype=np.int32)
        return TravelMatrix(seconds, seconds * 10)

    def path(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError


def fake_index() -> FakeGeocoder:
    """The fake geocoder every intake test places its addresses with."""
    return FakeGeocoder(
        {
            "mannerheimintie 5": [_candidate()],
            "mannerheimintie 5, 00100 helsinki": [_candidate()],
            "mannerheimintie 5, 00990 helsinki": [_candidate()],
            "mannerheimintie 5 a 12": [_candidate(units=4)],
            "mannerheimintie 5 with units": [_candidate(units=4)],
            "manerheimintie 5": [
                _candidate(confidence=0.6),
                _candidate("Mannerheimintie 7", confidence=0.55),
            ],
            "mannerheimintie": [
                _candidate(
                    "Mannerheimintie", house_number="", confidence=0.5, level=MatchLevel.STREET
                ),
            ],
        }
    )


@dataclass(frozen=True)
class FakeIndex:
    """``fake_index`` as a ``GeocoderSource``: what an import's worker processes load."""

    def __call__(self) -> FakeGeocoder:
        return fake_index()


@dataclass
class World:
    ports: Ports
    admin: Principal
    station: Station
    geocoder: FakeGeocoder
    travel: FakeTravel
    source: GeocoderSource | None = None  # where import workers get the geocoder

    @property
    def checks(self) -> OrderChecks:
        return OrderChecks(self.geocoder, self.travel, "FI", self.source)  # type: ignore[arg-type]

    def create(self, reference: str = "R-1", **changes: Any) -> Any:
        values = order_fields(reference, station_id=self.station.id, **changes)
        return orders.create_order(
            self.admin,
            values,
            uow=self.ports.uow,
            clock=self.ports.clock,
            ids=self.ports.ids,
            checks=self.checks,
        )


@pytest.fixture(autouse=True)
def _thawed() -> Iterator[None]:
    """An import given a worker pool freezes the collector's objects for good (the CLI's
    process ends with it); the tests after it get them back."""
    yield
    gc.unfreeze()


@pytest.fixture
def world(ports: Ports, admin: Principal) -> World:
    return make_world(ports, admin)


def make_world(ports: Ports, admin: Principal) -> World:
    station = stations.add_station(
        admin,
        station_fields(
            location=STATION_AT,
            opening_hours=OpeningHours.every_day(DailyWindow(time(7), time(21))),
            loading_time_s=900,
        ),
        uow=ports.uow,
        ids=ports.ids,
    )
    return World(ports, admin, station, fake_index(), FakeTravel())
