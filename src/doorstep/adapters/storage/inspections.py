"""Vehicle inspections and the maintenance records unsafe defects open."""

from __future__ import annotations

import builtins
from dataclasses import asdict
from datetime import date
from typing import Any

from sqlalchemy import Row, select

from doorstep.adapters.storage import tables as t
from doorstep.adapters.storage.rows import TableRows
from doorstep.domain.inspections import (
    Inspection,
    InspectionKind,
    ItemResult,
    MaintenanceRecord,
)


class SqlInspections(TableRows):
    table = t.inspections

    def add(self, inspection: Inspection) -> None:
        values = asdict(inspection)
        values["kind"] = inspection.kind.value
        values["items"] = [asdict(i) for i in inspection.items]
        self._insert(values)

    def of_vehicle_day(
        self, organisation_id: str, vehicle_id: str, service_date: date
    ) -> builtins.list[Inspection]:
        c = self.table.c
        statement = (
            select(self.table)
            .where(
                c.organisation_id == organisation_id,
                c.vehicle_id == vehicle_id,
                c.service_date == service_date,
            )
            .order_by(c.inspected_at, c.id)
        )
        return [_inspection(row) for row in self._all(statement)]


class SqlMaintenance(TableRows):
    table = t.maintenance_records

    def add(self, record: MaintenanceRecord) -> None:
        values = asdict(record)
        values["defects"] = list(record.defects)
        self._insert(values)

    def update(self, record: MaintenanceRecord) -> None:
        values = asdict(record)
        values["defects"] = list(record.defects)
        self._update(values)

    def get(self, organisation_id: str, record_id: str) -> MaintenanceRecord | None:
        c = self.table.c
        row = self._first(
            select(self.table).where(c.organisation_id == organisation_id, c.id == record_id)
        )
        return _record(row) if row else None

    def open_of_vehicle(
        self, organisation_id: str, vehicle_id: str
    ) -> builtins.list[MaintenanceRecord]:
        c = self.table.c
        statement = select(self.table).where(
            c.organisation_id == organisation_id,
            c.vehicle_id == vehicle_id,
            c.closed_at.is_(None),
        )
        return [_record(row) for row in self._all(statement)]


def _inspection(row: Row[Any]) -> Inspection:
    values = row._asdict()
    values["kind"] = InspectionKind(row.kind)
    values["items"] = tuple(ItemResult(**i) for i in row.items)
    return Inspection(**values)


def _record(row: Row[Any]) -> MaintenanceRecord:
    values = row._asdict()
    values["defects"] = tuple(row.defects)
    return MaintenanceRecord(**values)
