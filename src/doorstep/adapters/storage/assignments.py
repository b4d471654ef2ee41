"""The published sort plan: one row per parcel, rewritten per station and day on publishing."""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import Row, delete, insert, select

from doorstep.adapters.storage import tables as t
from doorstep.adapters.storage.rows import TableRows, chunks
from doorstep.domain.sorting import Assignment

_FIELDS = ("barcode", "order_id", "vehicle_id", "lane", "position", "load_index", "attempt")


class SqlAssignments(TableRows):
    table = t.parcel_assignments

    def replace_day(
        self,
        organisation_id: str,
        station_id: str,
        service_date: date,
        plan_id: str,
        assignments: Sequence[Assignment],
    ) -> None:
        c = self.table.c
        self._conn.execute(
            delete(self.table).where(
                c.organisation_id == organisation_id,
                c.station_id == station_id,
                c.service_date == service_date,
            )
        )
        if not assignments:
            return
        # A parcel replanned onto another day's plan moves: its old row goes first.
        for chunk in chunks(a.barcode for a in assignments):
            self._conn.execute(
                delete(self.table).where(c.organisation_id == organisation_id, c.barcode.in_(chunk))
            )
        day = {
            "organisation_id": organisation_id,
            "station_id": station_id,
            "service_date": service_date,
            "plan_id": plan_id,
        }
        rows = [day | {f: getattr(a, f) for f in _FIELDS} for a in assignments]
        self._conn.execute(insert(self.table), rows)

    def of_barcodes(self, organisation_id: str, barcodes: Sequence[str]) -> dict[str, Assignment]:
        c = self.table.c
        found: dict[str, Assignment] = {}
        for chunk in chunks(barcodes):
            statement = select(self.table).where(
                c.organisation_id == organisation_id, c.barcode.in_(chunk)
            )
            found.update((row.barcode, _assignment(row)) for row in self._all(statement))
        return found

    def of_day(
        self, organisation_id: str, station_id: str, service_date: date
    ) -> builtins.list[Assignment]:
        c = self.table.c
        statement = (
            select(self.table)
            .where(
                c.organisation_id == organisation_id,
                c.station_id == station_id,
                c.service_date == service_date,
            )
            .order_by(c.lane, c.position, c.barcode)
        )
        return [_assignment(row) for row in self._all(statement)]


def _assignment(row: Row[Any]) -> Assignment:
    return Assignment(*(getattr(row, f) for f in _FIELDS))
