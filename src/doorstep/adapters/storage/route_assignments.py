"""Who drives each route of a station's day, when dispatch changed the plan's choice."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import delete, insert, select

from doorstep.adapters.storage import tables as t
from doorstep.adapters.storage.rows import TableRows


class SqlRouteAssignments(TableRows):
    table = t.route_assignments

    def of_day(self, organisation_id: str, station_id: str, day: date) -> dict[str, str]:
        c = self.table.c
        statement = select(c.vehicle_id, c.driver_id).where(
            c.organisation_id == organisation_id,
            c.station_id == station_id,
            c.service_date == day,
        )
        return {str(row.vehicle_id): str(row.driver_id) for row in self._conn.execute(statement)}

    def put(
        self,
        organisation_id: str,
        station_id: str,
        day: date,
        vehicle_id: str,
        driver_id: str,
        at: datetime,
        by: str,
    ) -> None:
        c = self.table.c
        key = {
            "organisation_id": organisation_id,
            "station_id": station_id,
            "service_date": day,
            "vehicle_id": vehicle_id,
        }
        self._conn.execute(delete(self.table).where(*(c[k] == v for k, v in key.items())))
        values = key | {"driver_id": driver_id, "assigned_at": at, "assigned_by": by}
        self._conn.execute(insert(self.table).values(**values))
