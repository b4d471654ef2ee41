"""Stored first answers to POST requests, keyed by organisation and Idempotency-Key."""

from __future__ import annotations

from sqlalchemy import select, update

from doorstep.adapters.storage import tables as t
from doorstep.adapters.storage.rows import TableRows
from doorstep.services.ports import IdempotencyRecord


class SqlIdempotency(TableRows):
    table = t.idempotency_keys

    def get(self, organisation_id: str, key: str) -> IdempotencyRecord | None:
        c = self.table.c
        row = self._first(
            select(self.table).where(c.organisation_id == organisation_id, c.key == key)
        )
        return IdempotencyRecord(**row._asdict()) if row else None

    def claim(self, record: IdempotencyRecord) -> None:
        # The primary key makes a concurrent claim of the same key block (PostgreSQL) or wait
        # for the write lock (SQLite) until this transaction ends, then fail or see the row.
        self._insert(vars(record))

    def complete(self, record: IdempotencyRecord) -> None:
        c = self.table.c
        self._conn.execute(
            update(self.table)
            .where(c.organisation_id == record.organisation_id, c.key == record.key)
            .values(status_code=record.status_code, body=record.body)
        )
