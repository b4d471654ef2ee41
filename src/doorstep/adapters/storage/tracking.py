"""Customers' tracking links, and the orders a station's delivery slots count."""

from __future__ import annotations

import builtins
from datetime import date, datetime
from typing import Any

from sqlalchemy import Row, select

from doorstep.adapters.storage import tables as t
from doorstep.adapters.storage.rows import TableRows, hold
from doorstep.domain.order_status import FINAL
from doorstep.domain.tracking import TrackingToken


class SqlTracking(TableRows):
    table = t.tracking_tokens

    def add(self, token: TrackingToken) -> None:
        self._insert(_values(token))

    def update(self, token: TrackingToken) -> None:
        self._update(_values(token))

    def get_by_hash(self, token_hash: str) -> TrackingToken | None:
        row = self._first(select(self.table).where(self.table.c.token_hash == token_hash))
        return _token(row) if row else None

    def live_of_order(self, organisation_id: str, order_id: str) -> TrackingToken | None:
        c = self.table.c
        statement = select(self.table).where(
            c.organisation_id == organisation_id, c.live_order_id == order_id
        )
        row = self._first(statement)
        return _token(row) if row else None

    def lock_slots(self, organisation_id: str, station_id: str) -> None:
        # PostgreSQL only: SQLite's BEGIN IMMEDIATE already lets one booking write at a time.
        hold(self._conn, f"doorstep-slots:{organisation_id}:{station_id}")

    def booked_starts(
        self, organisation_id: str, station_id: str, first: date, last: date, exclude_order: str
    ) -> builtins.list[datetime]:
        # Only the windows column is read: the slots of a fortnight may count thousands of orders.
        o = t.orders.c
        statement = select(o.time_windows).where(
            o.organisation_id == organisation_id,
            o.station_id == station_id,
            o.service_date >= first,
            o.service_date <= last,
            o.status.not_in([s.value for s in FINAL]),
            o.id != exclude_order,
        )
        starts: list[datetime] = []
        for (windows,) in self._conn.execute(statement):
            if windows:
                starts.append(min(datetime.fromisoformat(start) for start, _ in windows))
        return starts


def _values(token: TrackingToken) -> dict[str, Any]:
    values = dict(vars(token))
    values["live_order_id"] = token.order_id if token.revoked_at is None else None
    return values


def _token(row: Row[Any]) -> TrackingToken:
    values = row._asdict()
    values.pop("live_order_id")
    return TrackingToken(**values)
