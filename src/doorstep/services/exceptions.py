"""The exception queue: cases opened as trouble is detected, owned and resolved by people.

Other services open cases through ``raise_cases`` inside their own transaction, so a case
exists exactly when what it reports was stored; the same key never opens a second case.

The queue lists the organisation's cases, or one station's day's (``list_cases``): a case of
an order (every type but the route cases and unknown barcodes) belongs to the order's
station on the day the order is planned on, or handed to a partner carrier for, and follows
the order if it moves to another day; a route case (a late departure, a route behind) to its
vehicle's station on the day in its key; an unknown barcode, which names no order, to every
station on the (station's local) day it was scanned, since any of them may hold the parcel.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from doorstep.domain.errors import InvalidValue, NotFound
from doorstep.domain.exceptions import (
    CaseStatus,
    ExceptionCase,
    ExceptionType,
    Resolution,
    problem_type,
)
from doorstep.domain.permissions import Permission
from doorstep.domain.scans import ScanEvent, ScanKind
from doorstep.services import broadcasts, webhooks
from doorstep.services.authorization import Principal, require
from doorstep.services.orders import MAX_PAGE, decode_cursor, encode_cursor
from doorstep.services.ports import Broadcaster, CaseScope, Clock, Position, UnitOfWork
from doorstep.services.stations import resolve_station


@dataclass(frozen=True)
class Trouble:
    """Something to open a case for, if none exists with its key."""

    type: ExceptionType
    key: str
    summary: str
    barcode: str = ""
    order_id: str | None = None


def case_id(org: str, key: str) -> str:
    """A case's id, made from its key: whoever detects the trouble names the same case."""
    return "exc_" + hashlib.sha256(f"{org}\n{key}".encode()).hexdigest()[:24]


def raise_cases(
    uow: UnitOfWork, org: str, found: Sequence[Trouble], at: datetime
) -> list[ExceptionCase]:
    """Open a case for each trouble whose key has none yet; the cases opened."""
    if not found:
        return []
    known = uow.exceptions.by_keys(org, [t.key for t in found])
    opened = []
    for t in {t.key: t for t in found}.values():
        if t.key in known:
            continue
        case = ExceptionCase.open(
            case_id(org, t.key), org, t.type, t.key, t.summary, at,
            barcode=t.barcode, order_id=t.order_id,
        )  # fmt: skip
        uow.exceptions.add(case)
        opened.append(case)
    webhooks.publish_cases(uow, org, opened, at, opened=True)
    return opened


def settle(
    uow: UnitOfWork,
    org: str,
    cases: Sequence[ExceptionCase],
    resolution: Resolution,
    at: datetime,
    note: str = "",
) -> None:
    """Resolve open ``cases`` on doorstep's own account (a later scan or a rule settled them)."""
    closed = [
        case.resolved(resolution, at, "doorstep", note)
        for case in cases
        if case.status is CaseStatus.OPEN
    ]
    for case in closed:
        uow.exceptions.update(case)
    webhooks.publish_cases(uow, org, closed, at, opened=False)


def settle_keys(
    uow: UnitOfWork, org: str, keys: Sequence[str], resolution: Resolution, at: datetime
) -> None:
    if keys:
        settle(uow, org, list(uow.exceptions.by_keys(org, keys).values()), resolution, at)


class ScanTroubles:
    """The exception cases a batch opens and clears, from its events' problems and kinds.

    A scan's problem opens a case for that event; the problem going away (the missing scan
    arrived) clears it, and the same problem in other words (a renamed van) leaves it be. A
    failed attempt or a damaged parcel that applies opens one too.
    """

    def __init__(self, owners: Mapping[str, str]) -> None:
        self.owners = owners
        self.found: list[Trouble] = []
        self.cleared: list[str] = []
        # Per type, the barcodes scanned right and the latest such scan's device time; the
        # device time of each event found wrong here, so only earlier wrongs are put right.
        self.put_right: dict[ExceptionType, dict[str, datetime]] = {
            t: {} for t in _PUT_RIGHT.values()
        }
        self.when: dict[str, datetime] = {}

    def changed(self, event: ScanEvent, old: str | None, new: str | None) -> None:
        order_id = self.owners.get(event.barcode)
        if old is not None and new is not None and problem_type(old) is problem_type(new):
            # The same trouble in other words (a vehicle renamed, a lane moved by a new sort
            # plan): still wrong, so its case stays as it is, neither cleared nor opened again.
            return
        if old is not None:
            self.cleared.append(f"{problem_type(old).value}:{event.id}")
        if new is not None:
            kind = problem_type(new)
            self.when[f"{kind.value}:{event.id}"] = event.device_time
            self.found.append(
                Trouble(kind, f"{kind.value}:{event.id}", new, event.barcode, order_id)
            )
        if new is None and event.kind in _PUT_RIGHT:
            right = self.put_right[_PUT_RIGHT[event.kind]]
            right[event.barcode] = max(
                right.get(event.barcode, event.device_time), event.device_time
            )
        if new is None and event.kind in _RAISES:
            kind = _RAISES[event.kind]
            reason = f" ({event.reason.value})" if event.reason else ""
            summary = f"{kind.value.replace('_', ' ')}{reason}: {event.note}".rstrip(": ")
            self.found.append(
                Trouble(kind, f"{kind.value}:{event.id}", summary, event.barcode, order_id)
            )

    def settle(self, uow: UnitOfWork, org: str, now: datetime) -> None:
        settle_keys(uow, org, self.cleared, Resolution.CLEARED, now)
        raise_cases(uow, org, self.found, now)
        for kind, right in self.put_right.items():
            orders = sorted({self.owners[b] for b in right if b in self.owners})
            cases = uow.exceptions.open_of_orders(org, orders, kind) if orders else []
            righted = [c for c in cases if c.barcode in right and self._before(c, right)]
            settle(uow, org, righted, Resolution.CLEARED, now, "scanned right afterwards")

    def _before(self, case: ExceptionCase, right: Mapping[str, datetime]) -> bool:
        """Whether the wrong scan came before the right one (cases of earlier batches did)."""
        wrong = self.when.get(case.key)
        return wrong is None or wrong < right[case.barcode]


_RAISES = {ScanKind.FAIL: ExceptionType.FAILED_ATTEMPT, ScanKind.DAMAGED: ExceptionType.DAMAGED}
# A sort or load that applies puts right the parcel's earlier mis-sort or mis-load; a receive
# back at the station, the missed scan of a parcel left on a vehicle at the end of its route.
_PUT_RIGHT = {
    ScanKind.SORT: ExceptionType.MIS_SORT,
    ScanKind.LOAD: ExceptionType.MIS_LOAD,
    ScanKind.RECEIVE: ExceptionType.MISSED_SCAN,
}


@dataclass(frozen=True)
class CasePage:
    cases: tuple[ExceptionCase, ...]
    next_cursor: str | None


# The cases keyed by a vehicle and a day (``services.dispatch``), not by an order.
ROUTE_TYPES = (ExceptionType.LATE_DEPARTURE, ExceptionType.ROUTE_BEHIND)


def route_key(type: ExceptionType, vehicle_id: str, day: date) -> str:
    """The key of a vehicle's route case of a day, as the watch opens it."""
    return f"{type.value}:{vehicle_id}:{day.isoformat()}"


def list_cases(
    principal: Principal,
    *,
    status: CaseStatus | None = CaseStatus.OPEN,
    type: ExceptionType | None = None,
    station: str | None = None,
    day: date | None = None,
    cursor: str | None = None,
    limit: int = 100,
    uow: UnitOfWork,
) -> CasePage:
    """The queue: cases by due time, the most urgent first; with ``station`` (id or code) and
    ``day``, only that station's day's (the module docstring says which those are)."""
    require(principal, Permission.ORDERS_READ)
    if not 1 <= limit <= MAX_PAGE:
        raise InvalidValue("limit", f"must be between 1 and {MAX_PAGE}, got {limit}")
    if (station is None) != (day is None):
        missing = "date" if day is None else "station"
        raise InvalidValue(missing, "give station and date together: the queue of a station's day")
    with uow:
        scope = _scope(uow, principal.organisation_id, station, day) if station and day else None
        found = uow.exceptions.list(
            principal.organisation_id,
            status=status,
            type=type,
            after=decode_cursor(cursor) if cursor else None,
            limit=limit + 1,
            scope=scope,
        )
    page = tuple(found[:limit])
    if len(found) <= limit:
        return CasePage(page, None)
    return CasePage(page, encode_cursor(Position(page[-1].due_at, page[-1].id)))


def _scope(uow: UnitOfWork, org: str, station_ref: str, day: date) -> CaseScope:
    found = resolve_station(uow, org, "station", station_ref)
    vehicles = uow.vehicles.list(org, found.id)
    keys = tuple(route_key(t, v.id, day) for v in vehicles for t in ROUTE_TYPES)
    start = datetime.combine(day, time(0), ZoneInfo(found.timezone))
    # The next local midnight, across a change of clocks too.
    end = datetime.combine(day + timedelta(days=1), time(0), ZoneInfo(found.timezone))
    return CaseScope(found.id, day, keys, (ExceptionType.UNKNOWN_BARCODE,), start, end)


def assign(
    principal: Principal,
    case_id: str,
    owner_id: str,
    *,
    uow: UnitOfWork,
    broadcast: Broadcaster | None = None,
) -> ExceptionCase:
    """Give a case an owner (a user of the organisation)."""
    require(principal, Permission.ORDERS_WRITE)
    with uow:
        case = _case(uow, principal.organisation_id, case_id)
        if uow.users.get(principal.organisation_id, owner_id) is None:
            raise NotFound("user", owner_id, "give the id of a user of this organisation")
        changed = case.assigned(owner_id)
        uow.exceptions.update(changed)
        uow.commit()
    broadcasts.case_changed(broadcast, principal.organisation_id, changed.id, changed.status.value)
    return changed


def resolve(
    principal: Principal,
    case_id: str,
    resolution: Resolution,
    *,
    note: str = "",
    uow: UnitOfWork,
    clock: Clock,
    broadcast: Broadcaster | None = None,
) -> ExceptionCase:
    """Close a case with a resolution code (``cleared`` is doorstep's own)."""
    require(principal, Permission.ORDERS_WRITE)
    if resolution is Resolution.CLEARED:
        people = ", ".join(r.value for r in Resolution if r is not Resolution.CLEARED)
        raise InvalidValue("resolution", f"'cleared' is set by doorstep; use one of: {people}")
    with uow:
        case = _case(uow, principal.organisation_id, case_id)
        changed = case.resolved(resolution, clock.now(), principal.actor_id, note)
        uow.exceptions.update(changed)
        webhooks.publish_cases(uow, principal.organisation_id, [changed], clock.now(), opened=False)
        uow.commit()
    broadcasts.case_changed(broadcast, principal.organisation_id, changed.id, changed.status.value)
    return changed


def _case(uow: UnitOfWork, org: str, case_id: str) -> ExceptionCase:
    case = uow.exceptions.get(org, case_id)
    if case is None:
        raise NotFound("exception", case_id)
    return case
