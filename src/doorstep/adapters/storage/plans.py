"""The plan version repository: every planning run of a station's day, with the orders it holds."""

from __future__ import annotations

import json
import threading
import weakref
from collections import OrderedDict
from collections.abc import Sequence
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, Row, func, insert, select, update

from doorstep.adapters.storage import tables as t
from doorstep.adapters.storage.plan_json import (
    inputs_from,
    inputs_json,
    locks_from,
    locks_json,
    routes_from,
    routes_json,
    unassigned_from,
    unassigned_json,
)
from doorstep.adapters.storage.rows import TableRows
from doorstep.planning.plan import Plan
from doorstep.planning.versions import PlanStatus, PlanVersion


def _zone(version: PlanVersion) -> str:
    # The service sets epochs in the station's IANA zone; any other aware epoch keeps its
    # instant and reads back in UTC.
    return str(getattr(version.epoch.tzinfo, "key", "UTC"))


def _values(v: PlanVersion) -> dict[str, Any]:
    return {
        "id": v.id,
        "organisation_id": v.organisation_id,
        "station_id": v.station_id,
        "service_date": v.service_date,
        "number": v.number,
        "created_at": v.created_at,
        "created_by": v.created_by,
        "epoch": v.epoch,
        "timezone": _zone(v),
        "time_limit_s": v.time_limit_s,
        "seed": v.seed,
        "cost": v.plan.cost,
        "distance_m": v.plan.distance_m,
        "solver": v.plan.solver,
        "runtime_s": v.plan.runtime_s,
        "notes": list(v.plan.notes),
        "routes": routes_json(v.plan),
        "unassigned": unassigned_json(v.plan),
        "inputs": inputs_json(v.inputs),
        "left_out": [list(pair) for pair in v.left_out],
        **_changing(v),
    }


def _changing(v: PlanVersion) -> dict[str, Any]:
    """The columns a stored version may still change: its status and its locks."""
    return {
        "status": v.status.value,
        "published": True if v.status is PlanStatus.PUBLISHED else None,
        "published_at": v.published_at,
        "locked": locks_json(v.locked),
    }


def _version(row: Row[Any]) -> PlanVersion:
    m = row._mapping
    epoch = m["epoch"].astimezone(ZoneInfo(m["timezone"]))
    plan = Plan(
        routes=routes_from(m["routes"]),
        unassigned=unassigned_from(m["unassigned"]),
        cost=m["cost"],
        solver=m["solver"],
        runtime_s=m["runtime_s"],
        notes=tuple(m["notes"]),
    )
    return PlanVersion(
        id=m["id"],
        organisation_id=m["organisation_id"],
        station_id=m["station_id"],
        service_date=m["service_date"],
        number=m["number"],
        created_at=m["created_at"],
        created_by=m["created_by"],
        status=PlanStatus(m["status"]),
        epoch=epoch,
        time_limit_s=m["time_limit_s"],
        seed=m["seed"],
        plan=plan,
        inputs=inputs_from(m["inputs"], epoch),
        left_out=tuple((order_id, why) for order_id, why in m["left_out"]),
        locked=locks_from(m["locked"]),
        published_at=m["published_at"],
    )


def _stops(v: PlanVersion) -> list[dict[str, Any]]:
    """One row per order the version holds: on a route, left out by the planner, or before."""
    held: dict[str, str | None] = {order_id: None for order_id, _ in v.left_out}
    held |= {u.stop_id: None for u in v.plan.unassigned}
    for route in v.plan.routes:
        held |= dict.fromkeys(route.stop_ids, route.vehicle_id)
    return [
        {"plan_id": v.id, "stop_id": s, "organisation_id": v.organisation_id, "vehicle_id": vid}
        for s, vid in held.items()
    ]


CACHED_VERSIONS = 16  # per database: a few stations' days, each with a version or two


class VersionCache:
    """The most recently read versions of one database, by id, status, locks and publishing
    time (all a stored version can change); shared by the request threads."""

    def __init__(self, most: int = CACHED_VERSIONS) -> None:
        self._most = most
        self._found: OrderedDict[tuple[Any, ...], PlanVersion] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[Any, ...]) -> PlanVersion | None:
        with self._lock:
            found = self._found.get(key)
            if found is not None:
                self._found.move_to_end(key)
            return found

    def put(self, key: tuple[Any, ...], version: PlanVersion) -> None:
        with self._lock:
            self._found[key] = version
            while len(self._found) > self._most:
                self._found.popitem(last=False)


# One cache per database engine: ids are unique within a database, not across the test
# databases one process may open.
_VERSIONS: weakref.WeakKeyDictionary[Engine, VersionCache] = weakref.WeakKeyDictionary()


class SqlPlanVersions(TableRows):
    table = t.plan_versions

    def add(self, version: PlanVersion) -> None:
        self._insert(_values(version))
        rows = _stops(version)
        if rows:
            self._conn.execute(insert(t.plan_stops), rows)

    def get(self, organisation_id: str, plan_id: str) -> PlanVersion | None:
        c = self.table.c
        row = self._first(
            select(self.table).where(c.organisation_id == organisation_id, c.id == plan_id)
        )
        return _version(row) if row else None

    def list(
        self, organisation_id: str, station_id: str, service_date: date
    ) -> Sequence[PlanVersion]:
        """The station's versions of the day, oldest (number 1) first."""
        statement = self._day(organisation_id, station_id, service_date)
        return [_version(r) for r in self._all(statement.order_by(self.table.c.number))]

    def latest(
        self, organisation_id: str, station_id: str, service_date: date
    ) -> PlanVersion | None:
        c = self.table.c
        where = self._day_where(organisation_id, station_id, service_date)
        return self._cached(where, c.number.desc())

    def published(
        self, organisation_id: str, station_id: str, service_date: date
    ) -> PlanVersion | None:
        where = self._day_where(organisation_id, station_id, service_date)
        return self._cached([*where, self.table.c.published.is_(True)], None)

    def _cached(self, where: Sequence[Any], order: Any) -> PlanVersion | None:
        """The version ``where`` picks, read whole only when this database's cache lacks it.

        A stored version never changes but for its status and locks, and the day's published
        one is read on every GPS batch, scan and board refresh: reading its key first (a
        small row) spares decoding a 10,000-stop plan each time.
        """
        c = self.table.c
        head = select(c.id, c.status, c.locked, c.published_at).where(*where)
        if order is not None:
            head = head.order_by(order)
        found = self._first(head.limit(1))
        if found is None:
            return None
        key = (found.id, found.status, json.dumps(found.locked), found.published_at)
        cache = _VERSIONS.setdefault(self._conn.engine, VersionCache())
        version = cache.get(key)
        if version is None:
            row = self._first(select(self.table).where(*where, c.id == found.id))
            if row is None:  # replaced between the two reads: read it as it is now
                return self._cached(where, order)
            version = _version(row)
            cache.put(key, version)
        return version

    def next_number(self, organisation_id: str, station_id: str, service_date: date) -> int:
        c = self.table.c
        highest = self._conn.execute(
            select(func.max(c.number)).where(
                c.organisation_id == organisation_id,
                c.station_id == station_id,
                c.service_date == service_date,
            )
        ).scalar()
        return int(highest or 0) + 1

    def update(self, version: PlanVersion) -> None:
        c = self.table.c
        self._conn.execute(
            update(self.table)
            .where(c.organisation_id == version.organisation_id, c.id == version.id)
            .values(**_changing(version))
        )

    def containing(self, organisation_id: str, order_id: str) -> PlanVersion | None:
        """The newest version holding the order (on a route or left out), of any day."""
        c, s = self.table.c, t.plan_stops.c
        statement = (
            select(self.table)
            .join(t.plan_stops, s.plan_id == c.id)
            .where(s.organisation_id == organisation_id, s.stop_id == order_id)
            .order_by(c.created_at.desc(), c.number.desc(), c.id.desc())
            .limit(1)
        )
        row = self._first(statement)
        return _version(row) if row else None

    def _day(self, organisation_id: str, station_id: str, service_date: date) -> Any:
        return select(self.table).where(*self._day_where(organisation_id, station_id, service_date))

    def _day_where(
        self, organisation_id: str, station_id: str, service_date: date
    ) -> Sequence[Any]:
        c = self.table.c
        return [
            c.organisation_id == organisation_id,
            c.station_id == station_id,
            c.service_date == service_date,
        ]
