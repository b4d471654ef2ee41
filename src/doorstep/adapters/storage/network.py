"""Repositories for the delivery network: stations, vehicles and drivers."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import time
from typing import Any

from sqlalchemy import Row, exists, select

from doorstep.adapters.storage import tables as t
from doorstep.adapters.storage.rows import TableRows, window_columns, window_from
from doorstep.domain.fleet import Capacity, Driver, SpeedProfile, Vehicle, VehicleCosts, VehicleType
from doorstep.domain.geo import Location
from doorstep.domain.schedules import DailyWindow, OpeningHours, Weekday
from doorstep.domain.stations import Station


def _hours_json(hours: OpeningHours) -> list[dict[str, Any]]:
    return [
        {"day": int(day), "start": w.start.isoformat(), "end": w.end.isoformat()}
        for day, w in hours.days
    ]


def _hours_from(value: list[dict[str, Any]]) -> OpeningHours:
    return OpeningHours(
        tuple(
            (
                Weekday(d["day"]),
                DailyWindow(time.fromisoformat(d["start"]), time.fromisoformat(d["end"])),
            )
            for d in value
        )
    )


class _Scoped(TableRows):
    """Lookups that always include the organisation, so no tenant sees another's rows."""

    def get(self, organisation_id: str, object_id: str) -> Any:
        c = self.table.c
        row = self._first(
            select(self.table).where(c.organisation_id == organisation_id, c.id == object_id)
        )
        return self._entity(row) if row else None

    def _by(self, organisation_id: str, column: str, value: str) -> Any:
        c = self.table.c
        row = self._first(
            select(self.table).where(c.organisation_id == organisation_id, c[column] == value)
        )
        return self._entity(row) if row else None

    def _list(self, organisation_id: str, *conditions: Any) -> list[Any]:
        c = self.table.c
        statement = select(self.table).where(c.organisation_id == organisation_id, *conditions)
        return [self._entity(r) for r in self._all(statement.order_by(c.name, c.id))]

    def _entity(self, row: Row[Any]) -> Any:
        raise NotImplementedError


class SqlStations(_Scoped):
    table = t.stations

    def add(self, station: Station) -> None:
        self._insert(self._values(station))

    def update(self, station: Station) -> None:
        self._update(self._values(station))

    def get_by_code(self, organisation_id: str, code: str) -> Station | None:
        found: Station | None = self._by(organisation_id, "code", code)
        return found

    def list(self, organisation_id: str) -> Sequence[Station]:
        return self._list(organisation_id)

    def delete(self, station: Station) -> None:
        self._conn.execute(self.table.delete().where(self.table.c.id == station.id))

    def in_use(self, station: Station) -> bool:
        checks = (
            exists().where(t.vehicles.c.station_id == station.id),
            exists().where(t.drivers.c.home_station_id == station.id),
            exists().where(t.orders.c.station_id == station.id),
        )
        return any(self._conn.execute(select(check)).scalar() for check in checks)

    @staticmethod
    def _values(s: Station) -> dict[str, Any]:
        values = dict(vars(s))
        location = values.pop("location")
        values.update(
            lat=location.lat,
            lon=location.lon,
            opening_hours=_hours_json(s.opening_hours),
            service_area=[[p.lat, p.lon] for p in s.service_area] or None,
        )
        return values

    def _entity(self, row: Row[Any]) -> Station:
        values = row._asdict()
        values["location"] = Location(values.pop("lat"), values.pop("lon"))
        values["opening_hours"] = _hours_from(values["opening_hours"])
        values["service_area"] = tuple(Location(a, b) for a, b in values["service_area"] or ())
        return Station(**values)


class SqlVehicles(_Scoped):
    table = t.vehicles

    def add(self, vehicle: Vehicle) -> None:
        self._insert(self._values(vehicle))

    def update(self, vehicle: Vehicle) -> None:
        self._update(self._values(vehicle))

    def get_by_name(self, organisation_id: str, name: str) -> Vehicle | None:
        found: Vehicle | None = self._by(organisation_id, "name", name)
        return found

    def list(self, organisation_id: str, station_id: str | None = None) -> Sequence[Vehicle]:
        c = self.table.c
        return self._list(organisation_id, *([c.station_id == station_id] if station_id else []))

    @staticmethod
    def _values(v: Vehicle) -> dict[str, Any]:
        return {
            "id": v.id,
            "organisation_id": v.organisation_id,
            "station_id": v.station_id,
            "name": v.name,
            "registration": v.registration,
            "vehicle_type": v.vehicle_type.value,
            "speed_profile": (v.speed_profile or SpeedProfile(v.vehicle_type.value)).value,
            "capacity_weight_kg": v.capacity.weight_kg,
            "capacity_volume_l": v.capacity.volume_l,
            "capacity_parcels": v.capacity.parcels,
            **window_columns(v.shift, "shift"),
            "cost_per_km": v.costs.per_km,
            "cost_per_hour": v.costs.per_hour,
            "cost_fixed_per_use": v.costs.fixed_per_use,
            "skills": sorted(v.skills),
            "max_route_duration_s": v.max_route_duration_s,
            "active": v.active,
        }

    def _entity(self, row: Row[Any]) -> Vehicle:
        m = row._mapping
        return Vehicle(
            id=m["id"],
            organisation_id=m["organisation_id"],
            station_id=m["station_id"],
            name=m["name"],
            registration=m["registration"],
            vehicle_type=VehicleType(m["vehicle_type"]),
            speed_profile=SpeedProfile(m["speed_profile"]),
            capacity=Capacity(
                m["capacity_weight_kg"], m["capacity_volume_l"], m["capacity_parcels"]
            ),
            shift=window_from(row, "shift"),
            costs=VehicleCosts(m["cost_per_km"], m["cost_per_hour"], m["cost_fixed_per_use"]),
            skills=frozenset(m["skills"]),
            max_route_duration_s=m["max_route_duration_s"],
            active=m["active"],
        )


class SqlDrivers(_Scoped):
    table = t.drivers

    def add(self, driver: Driver) -> None:
        self._insert(self._values(driver))

    def update(self, driver: Driver) -> None:
        self._update(self._values(driver))

    def get_by_name(self, organisation_id: str, name: str) -> Driver | None:
        found: Driver | None = self._by(organisation_id, "name", name)
        return found

    def list(self, organisation_id: str, station_id: str | None = None) -> Sequence[Driver]:
        c = self.table.c
        return self._list(
            organisation_id, *([c.home_station_id == station_id] if station_id else [])
        )

    @staticmethod
    def _values(d: Driver) -> dict[str, Any]:
        values = dict(vars(d))
        values.update(window_columns(values.pop("shift"), "shift"), skills=sorted(d.skills))
        return values

    def _entity(self, row: Row[Any]) -> Driver:
        values = row._asdict()
        values["shift"] = window_from(row, "shift")
        del values["shift_start"], values["shift_end"]
        values["skills"] = frozenset(values["skills"])
        return Driver(**values)
