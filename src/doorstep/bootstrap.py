"""The one place that chooses concrete classes and wires them into the services' ports."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import Engine

from doorstep.adapters.passwords import Argon2Passwords
from doorstep.adapters.roads.haversine import HaversineTravelTimes
from doorstep.adapters.roads.osrm import OsrmTravelTimes
from doorstep.adapters.roads.regions import RegionStore
from doorstep.adapters.roads.road_travel import RoadGraphTravelTimes
from doorstep.adapters.roads.valhalla import ValhallaTravelTimes
from doorstep.adapters.storage import schema
from doorstep.adapters.storage.engine import build_engine
from doorstep.adapters.storage.unit_of_work import SqlUnitOfWork
from doorstep.adapters.system import RandomIds, SystemClock, TokenSecrets
from doorstep.config import Settings
from doorstep.planning.travel import TravelTimes, TravelUnavailable
from doorstep.services.ports import Clock, IdGenerator, PasswordHasher, SecretGenerator


@dataclass(frozen=True)
class Container:
    """Everything a shell needs to call services; built once per process."""

    settings: Settings
    engine: Engine
    clock: Clock
    ids: IdGenerator
    secrets: SecretGenerator
    hasher: PasswordHasher
    regions: RegionStore
    _travel: dict[str, TravelTimes] = field(default_factory=dict, repr=False)

    def travel(self) -> TravelTimes:
        """The configured travel-time provider, made once (it caches routers and matrices)."""
        found = self._travel.get("default")
        if found is None:
            found = travel_provider(self.settings, self.regions)
            self._travel["default"] = found
        return found

    def uow(self) -> SqlUnitOfWork:
        """A fresh unit of work: one per request or command, never shared between threads."""
        return SqlUnitOfWork(self.engine)

    def reader(self) -> SqlUnitOfWork:
        """A fresh unit of work that only reads (authentication, GET requests)."""
        return SqlUnitOfWork(self.engine, read_only=True)

    @property
    def session_ttl(self) -> timedelta:
        return timedelta(hours=self.settings.session_hours)

    def migrate(self) -> tuple[str | None, str]:
        return schema.upgrade(self.engine)

    def close(self) -> None:
        self.engine.dispose()


def build(settings: Settings | None = None, *, clock: Clock | None = None) -> Container:
    settings = settings or Settings()
    return Container(
        settings=settings,
        engine=build_engine(settings.resolved_database_url),
        clock=clock or SystemClock(),
        ids=RandomIds(),
        secrets=TokenSecrets(),
        hasher=Argon2Passwords(fast=settings.fast_password_hashing),
        regions=RegionStore(settings.regions_dir),
    )


def travel_provider(settings: Settings, regions: RegionStore) -> TravelTimes:
    """The ``TravelTimes`` that ``settings.travel_provider`` names."""
    if settings.travel_provider == "osrm":
        if not settings.osrm_urls:
            raise TravelUnavailable("travel_provider is osrm but DOORSTEP_OSRM_URLS is empty")
        return OsrmTravelTimes(settings.osrm_urls)
    if settings.travel_provider == "valhalla":
        if not settings.valhalla_url:
            raise TravelUnavailable(
                "travel_provider is valhalla but DOORSTEP_VALHALLA_URL is unset"
            )
        return ValhallaTravelTimes(settings.valhalla_url)
    if settings.travel_provider == "haversine":
        return HaversineTravelTimes()
    return RoadGraphTravelTimes(
        regions,
        settings.region,
        max_snap_m=settings.max_snap_m,
        workers=settings.matrix_workers,
    )
