"""The ends of departed routes: the post-trip inspection and what was still on board."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from sqlalchemy import Row, select

from doorstep.adapters.storage import tables as t
from doorstep.adapters.storage.rows import TableRows
from doorstep.domain.route_ends import RouteEnd


class SqlRouteEnds(TableRows):
    table = t.route_ends

    def add(self, end: RouteEnd) -> None:
        values = asdict(end)
        values["on_board"] = list(end.on_board)
        self._insert(values)

    def of_departure(self, organisation_id: str, departure_id: str) -> RouteEnd | None:
        c = self.table.c
        row = self._first(
            select(self.table).where(
                c.organisation_id == organisation_id, c.departure_id == departure_id
            )
        )
        return _end(row) if row else None


def _end(row: Row[Any]) -> RouteEnd:
    values = row._asdict()
    values["on_board"] = tuple(row.on_board)
    return RouteEnd(**values)
