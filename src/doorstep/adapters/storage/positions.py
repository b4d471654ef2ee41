"""GPS pings, written in bulk and read back by vehicle and time; retention settings."""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Row, delete, insert, select, update
from sqlalchemy.sql.dml import UpdateBase

from doorstep.adapters.storage import tables as t
from doorstep.adapters.storage.rows import TableRows, execute_many, upsert_into
from doorstep.domain.positions import Ping, PingSource, PositionSettings

_KEY = ["organisation_id", "device_id", "device_time"]


class SqlPositions(TableRows):
    table = t.positions

    def add_many(self, organisation_id: str, pings: Sequence[Ping]) -> int:
        # One statement for the whole batch, a ping already stored (a retry) skipped by the
        # database itself: no read first, and concurrent retries cannot both store it.
        rows = [_values(organisation_id, p) for p in pings]
        return execute_many(self._conn, self._insert_new(), rows)

    def _insert_new(self) -> UpdateBase:
        return upsert_into(self._conn, self.table).on_conflict_do_nothing(index_elements=_KEY)

    def between(
        self, organisation_id: str, vehicle_id: str, start: datetime, end: datetime
    ) -> builtins.list[Ping]:
        c = self.table.c
        statement = (
            select(self.table)
            .where(
                c.organisation_id == organisation_id,
                c.vehicle_id == vehicle_id,
                c.device_time >= start,
                c.device_time < end,
            )
            .order_by(c.device_time, c.device_id)
        )
        return [_ping(row) for row in self._all(statement)]

    def latest(self, organisation_id: str, vehicle_id: str) -> Ping | None:
        c = self.table.c
        statement = (
            select(self.table)
            .where(c.organisation_id == organisation_id, c.vehicle_id == vehicle_id)
            .order_by(c.device_time.desc(), c.device_id.desc())
            .limit(1)
        )
        row = self._first(statement)
        return _ping(row) if row is not None else None

    def purge(self, organisation_id: str, vehicle_id: str, before: datetime, limit: int) -> int:
        # A chunk ends at the limit-th oldest ping, found along the vehicle's index; a DELETE
        # with LIMIT is not portable, and a chunk keeps each transaction (and lock) short.
        c = self.table.c
        mine = (c.organisation_id == organisation_id, c.vehicle_id == vehicle_id)
        bound = self._first(
            select(c.device_time)
            .where(*mine, c.device_time < before)
            .order_by(c.device_time)
            .offset(limit - 1)
            .limit(1)
        )
        statement = delete(self.table).where(*mine, c.device_time < before)
        if bound is not None:
            statement = statement.where(c.device_time <= bound.device_time)
        return self._conn.execute(statement).rowcount

    def settings(self, organisation_id: str) -> PositionSettings:
        s = t.position_settings.c
        row = self._first(select(t.position_settings).where(s.organisation_id == organisation_id))
        if row is None:
            return PositionSettings()
        return PositionSettings(row.retention_days, row.geofence_radius_m, row.geofence_dwell_s)

    def save_settings(self, organisation_id: str, settings: PositionSettings) -> None:
        table = t.position_settings
        values = {
            "retention_days": settings.retention_days,
            "geofence_radius_m": settings.geofence_radius_m,
            "geofence_dwell_s": settings.geofence_dwell_s,
        }
        where = table.c.organisation_id == organisation_id
        if self._conn.execute(update(table).where(where).values(**values)).rowcount == 0:
            self._conn.execute(insert(table).values(organisation_id=organisation_id, **values))


def _values(organisation_id: str, ping: Ping) -> dict[str, Any]:
    return {
        "organisation_id": organisation_id,
        "device_id": ping.device_id,
        "device_time": ping.device_time,
        "vehicle_id": ping.vehicle_id,
        "lat": ping.lat,
        "lon": ping.lon,
        "accuracy_m": ping.accuracy_m,
        "speed_mps": ping.speed_mps,
        "heading_deg": ping.heading_deg,
        "source": ping.source.value,
    }


def _ping(row: Row[Any]) -> Ping:
    return Ping(
        row.device_id,
        row.vehicle_id,
        row.device_time,
        row.lat,
        row.lon,
        row.accuracy_m,
        row.speed_mps,
        row.heading_deg,
        PingSource(row.source),
    )
