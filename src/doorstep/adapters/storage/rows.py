"""Shared plumbing for repositories: one connection, insert/update/select of whole rows."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import time
from typing import Any

from sqlalchemy import Connection, Executable, Row, Table, insert, update

from doorstep.domain.schedules import DailyWindow

# SQLite allows a limited number of bound parameters per statement: IN lists go in pieces.
CHUNK = 500


def chunks(values: Iterable[str]) -> list[list[str]]:
    """The distinct ``values``, sorted, in pieces of at most ``CHUNK`` for an IN clause."""
    unique = sorted(set(values))
    return [unique[i : i + CHUNK] for i in range(0, len(unique), CHUNK)]


class TableRows:
    """Base of a repository over one table; subclasses convert rows to domain objects."""

    table: Table

    def __init__(self, connection: Connection) -> None:
        self._conn = connection

    def _insert(self, values: Mapping[str, Any]) -> None:
        self._conn.execute(insert(self.table).values(**values))

    def _update(self, values: Mapping[str, Any]) -> None:
        self._conn.execute(
            update(self.table).where(self.table.c.id == values["id"]).values(**values)
        )

    def _first(self, statement: Executable) -> Row[Any] | None:
        return self._conn.execute(statement).first()

    def _all(self, statement: Executable) -> Sequence[Row[Any]]:
        return self._conn.execute(statement).all()


def window_columns(window: DailyWindow, prefix: str) -> dict[str, str]:
    return {f"{prefix}_start": window.start.isoformat(), f"{prefix}_end": window.end.isoformat()}


def window_from(row: Row[Any], prefix: str) -> DailyWindow:
    mapping = row._mapping
    return DailyWindow(
        time.fromisoformat(mapping[f"{prefix}_start"]), time.fromisoformat(mapping[f"{prefix}_end"])
    )
