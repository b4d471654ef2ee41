"""Exception cases, unique per organisation and key; the queue by due time, of the whole
organisation or of one station's day (``CaseScope``)."""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from dataclasses import asdict
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Row, and_, or_, select

from doorstep.adapters.storage import tables as t
from doorstep.adapters.storage.rows import TableRows, chunks
from doorstep.domain.exceptions import (
    SLA,
    CaseStatus,
    ExceptionCase,
    ExceptionType,
    Resolution,
)
from doorstep.domain.handoffs import HandoffStatus
from doorstep.services.ports import CaseScope, Position


class SqlExceptions(TableRows):
    table = t.exception_cases

    def add(self, case: ExceptionCase) -> None:
        self._insert(_values(case))

    def update(self, case: ExceptionCase) -> None:
        self._update(_values(case))

    def get(self, organisation_id: str, case_id: str) -> ExceptionCase | None:
        c = self.table.c
        row = self._first(
            select(self.table).where(c.organisation_id == organisation_id, c.id == case_id)
        )
        return _case(row) if row else None

    def by_keys(self, organisation_id: str, keys: Sequence[str]) -> dict[str, ExceptionCase]:
        c = self.table.c
        found: dict[str, ExceptionCase] = {}
        for chunk in chunks(keys):
            statement = select(self.table).where(
                c.organisation_id == organisation_id, c.key.in_(chunk)
            )
            found.update((row.key, _case(row)) for row in self._all(statement))
        return found

    def open_of_orders(
        self, organisation_id: str, order_ids: Sequence[str], type: ExceptionType
    ) -> builtins.list[ExceptionCase]:
        c = self.table.c
        found: builtins.list[ExceptionCase] = []
        for chunk in chunks(order_ids):
            statement = select(self.table).where(
                c.organisation_id == organisation_id,
                c.order_id.in_(chunk),
                c.type == type.value,
                c.status == CaseStatus.OPEN.value,
            )
            found += [_case(row) for row in self._all(statement)]
        return found

    def opened_between(
        self, organisation_id: str, start: datetime, end: datetime
    ) -> builtins.list[ExceptionCase]:
        c = self.table.c
        # opened_at has no index, but due_at = opened_at + SLA, so bounding due_at too lets
        # the queue index (organisation, status, due_at) find the rows; the status list is
        # there so that index applies without a skip scan.
        latest = end + max(SLA.values())
        statement = (
            select(self.table)
            .where(
                c.organisation_id == organisation_id,
                c.status.in_([s.value for s in CaseStatus]),
                c.due_at >= start,
                c.due_at < latest,
                c.opened_at >= start,
                c.opened_at < end,
            )
            .order_by(c.opened_at, c.id)
        )
        return [_case(row) for row in self._all(statement)]

    def list(
        self,
        organisation_id: str,
        *,
        status: CaseStatus | None,
        type: ExceptionType | None,
        after: Position | None,
        limit: int,
        scope: CaseScope | None = None,
    ) -> Sequence[ExceptionCase]:
        c = self.table.c
        statement = select(self.table).where(c.organisation_id == organisation_id)
        if scope is not None:
            statement = statement.where(_in_scope(organisation_id, scope))
        if status is not None:
            statement = statement.where(c.status == status.value)
        if type is not None:
            statement = statement.where(c.type == type.value)
        if after is not None:
            at, case_id = after.created_at, after.id
            statement = statement.where(or_(c.due_at > at, and_(c.due_at == at, c.id > case_id)))
        statement = statement.order_by(c.due_at, c.id).limit(limit)
        return [_case(row) for row in self._all(statement)]


def _in_scope(organisation_id: str, scope: CaseScope) -> ColumnElement[bool]:
    """A case of the station's day: of one of its orders of the day (planned on it, or handed
    to a partner for it), one of the day's route keys, or a case of no order opened that
    local day.

    The order is read per case, by its primary key, as a scalar subquery: PostgreSQL would
    turn an EXISTS or IN under this OR into a hash of every order of the station (a scan of
    the whole orders table, which has no index by station and day), where this reads only
    the orders of the cases the queue index (organisation, status, due_at) walks, and stops
    at the LIMIT. So neither an index on the orders nor a column on the cases is needed.
    """
    c, o, h = t.exception_cases.c, t.orders.c, t.handoffs.c
    handed = (
        select(h.id)
        .where(
            h.organisation_id == organisation_id,
            h.order_id == o.id,
            h.service_date == scope.service_date,
            h.status != HandoffStatus.CANCELLED.value,
        )
        .exists()
    )
    station_of_day = (
        select(o.station_id)
        .where(
            o.id == c.order_id,
            o.organisation_id == organisation_id,
            or_(o.service_date == scope.service_date, handed),
        )
        .scalar_subquery()
    )
    of_day = station_of_day == scope.station_id
    found: builtins.list[ColumnElement[bool]] = [of_day]
    if scope.keys:
        found.append(c.key.in_(scope.keys))
    if scope.unplaced_types:
        found.append(
            and_(
                c.order_id.is_(None),
                c.type.in_([x.value for x in scope.unplaced_types]),
                c.opened_at >= scope.opened_from,
                c.opened_at < scope.opened_to,
            )
        )
    return or_(*found)


def _values(case: ExceptionCase) -> dict[str, Any]:
    values = asdict(case)
    values["type"] = case.type.value
    values["status"] = case.status.value
    values["resolution"] = case.resolution.value if case.resolution else None
    return values


def _case(row: Row[Any]) -> ExceptionCase:
    values = row._asdict()
    values["type"] = ExceptionType(row.type)
    values["status"] = CaseStatus(row.status)
    values["resolution"] = Resolution(row.resolution) if row.resolution else None
    return ExceptionCase(**values)
