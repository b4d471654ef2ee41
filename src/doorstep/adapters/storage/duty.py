"""Drivers' duty-status changes, stored once by the id the app gave them."""

from __future__ import annotations

import builtins
from datetime import datetime
from typing import Any

from sqlalchemy import Row, select

from doorstep.adapters.storage import tables as t
from doorstep.adapters.storage.rows import TableRows, chunks
from doorstep.domain.hours import DutyChange, DutyStatus


class SqlDutyChanges(TableRows):
    table = t.duty_changes

    def known(self, organisation_id: str, ids: builtins.list[str]) -> dict[str, DutyChange]:
        c = self.table.c
        found: dict[str, DutyChange] = {}
        for chunk in chunks(ids):
            statement = select(self.table).where(
                c.organisation_id == organisation_id, c.id.in_(chunk)
            )
            found.update((row.id, _change(row)) for row in self._all(statement))
        return found

    def add_many(self, organisation_id: str, changes: builtins.list[DutyChange]) -> None:
        if changes:
            rows = [
                {"organisation_id": organisation_id, "id": ch.id, "driver_id": ch.driver_id,
                 "status": ch.status.value, "at": ch.at}
                for ch in changes
            ]  # fmt: skip
            self._conn.execute(t.duty_changes.insert(), rows)

    def of_driver(
        self, organisation_id: str, driver_id: str, since: datetime, until: datetime
    ) -> builtins.list[DutyChange]:
        c = self.table.c
        statement = (
            select(self.table)
            .where(
                c.organisation_id == organisation_id,
                c.driver_id == driver_id,
                c.at >= since,
                c.at < until,
            )
            .order_by(c.at, c.id)
        )
        return [_change(row) for row in self._all(statement)]


def _change(row: Row[Any]) -> DutyChange:
    return DutyChange(row.id, row.driver_id, DutyStatus(row.status), row.at)
