"""Shared plumbing for repositories: one connection, insert/update/select of whole rows."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import time
from typing import Any

from sqlalchemy import Connection, Executable, Row, Table, insert, text, update
from sqlalchemy.dialects.postgresql import Insert as PostgresInsert
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import Insert as SqliteInsert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.sql.dml import UpdateBase

from doorstep.domain.schedules import DailyWindow

# SQLite allows a limited number of bound parameters per statement: IN lists go in pieces.
CHUNK = 500


def chunks(values: Iterable[str]) -> list[list[str]]:
    """The distinct ``values``, sorted, in pieces of at most ``CHUNK`` for an IN clause."""
    unique = sorted(set(values))
    return [unique[i : i + CHUNK] for i in range(0, len(unique), CHUNK)]


def execute_many(conn: Connection, statement: UpdateBase, rows: Sequence[Mapping[str, Any]]) -> int:
    """Run ``statement`` once per row of ``rows`` (all with the same keys) in one driver call.

    The same as ``conn.execute(statement, rows)``, less SQLAlchemy's generic per-row work: it
    builds a parameter dict for every row and checks each value, which took more time than
    the database on scan ingestion's thousands of rows per batch. Here the statement is
    compiled once, each column type's own bind processor converts its values (so what is
    stored is exactly what ``execute`` would store), and the driver gets plain tuples or dicts.
    Returns the rows affected, summed over ``rows`` (sqlite3 and psycopg both sum them).
    """
    if not rows:
        return 0
    dialect = conn.dialect
    compiled = statement.compile(dialect=dialect, column_keys=list(rows[0]))
    names = list(compiled.positiontup or ()) if compiled.positional else list(compiled.binds)
    types = {name: compiled.binds[name].type.dialect_impl(dialect) for name in names}
    convert = [(name, types[name].bind_processor(dialect)) for name in names]
    # A bind of the statement's own (a column's key) is named after the column; bindparam()s
    # by their key. Both are keys of each row.
    keys = [compiled.binds[name].key for name in names]
    if absent := [key for key in keys if key not in rows[0]]:
        raise ValueError(f"execute_many: the rows lack {absent}; give every value in the rows")
    if compiled.positional:
        params: list[Any] = [
            tuple(
                row[key] if process is None else process(row[key])
                for key, (_, process) in zip(keys, convert, strict=True)
            )
            for row in rows
        ]
    else:
        params = [
            {
                name: row[key] if process is None else process(row[key])
                for key, (name, process) in zip(keys, convert, strict=True)
            }
            for row in rows
        ]
    return conn.exec_driver_sql(compiled.string, params).rowcount


def upsert_into(conn: Connection, table: Table) -> SqliteInsert | PostgresInsert:
    """An INSERT of this database's dialect, which has ``on_conflict_do_nothing`` and
    ``on_conflict_do_update`` (both databases have INSERT ... ON CONFLICT)."""
    return sqlite_insert(table) if conn.dialect.name == "sqlite" else postgresql_insert(table)


def hold(conn: Connection, key: str) -> None:
    """Hold ``key`` until the transaction ends. PostgreSQL only: on SQLite a writing unit of
    work already holds the database's one write lock (BEGIN IMMEDIATE)."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(hashtext(:key))"), {"key": key})


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
