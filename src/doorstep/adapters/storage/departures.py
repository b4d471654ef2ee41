"""Vehicles' departures from the station, with what they left behind and why."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from typing import Any

from sqlalchemy import Row, select

from doorstep.adapters.storage import tables as t
from doorstep.adapters.storage.rows import TableRows
from doorstep.domain.loadout import Departure


class SqlDepartures(TableRows):
    table = t.departures

    def add(self, departure: Departure) -> None:
        values = asdict(departure)
        values["loaded"], values["missing"] = list(departure.loaded), list(departure.missing)
        self._insert(values)

    def of_vehicle(
        self, organisation_id: str, station_id: str, service_date: date, vehicle_id: str
    ) -> Departure | None:
        c = self.table.c
        row = self._first(
            select(self.table).where(
                c.organisation_id == organisation_id,
                c.station_id == station_id,
                c.service_date == service_date,
                c.vehicle_id == vehicle_id,
            )
        )
        return _departure(row) if row else None


def _departure(row: Row[Any]) -> Departure:
    values = row._asdict()
    values["loaded"], values["missing"] = tuple(row.loaded), tuple(row.missing)
    return Departure(**values)
