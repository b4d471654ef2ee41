"""In-memory fakes of the services' ports: repositories, a re-entrant unit of work, clock, ids.

The repositories hand out copies, so as with a database only ``add``/``update`` change what is
stored, and they enforce the same uniqueness rules as the tables (raising ``Conflict`` the way
the SQL unit of work turns an IntegrityError into one).
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Hashable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from types import TracebackType
from typing import Any, ClassVar, Generic, Protocol, Self, TypeVar, cast

from doorstep.domain.accounts import ApiKey, Organisation, Session, User
from doorstep.domain.carriers import Carrier, ServiceLevel
from doorstep.domain.errors import Conflict
from doorstep.domain.exceptions import CaseStatus, ExceptionCase, ExceptionType
from doorstep.domain.fleet import Driver, Vehicle
from doorstep.domain.hours import DutyChange
from doorstep.domain.inspections import Inspection, MaintenanceRecord
from doorstep.domain.loadout import Departure
from doorstep.domain.messages import Message, MessageSettings, MessageStatus
from doorstep.domain.order_fixes import OrderFix
from doorstep.domain.order_status import FINAL
from doorstep.domain.orders import Order, OrderKind, StatusChange
from doorstep.domain.positions import Ping, PositionSettings
from doorstep.domain.rate_shopping import Allocation
from doorstep.domain.rates import RateCard
from doorstep.domain.route_ends import RouteEnd
from doorstep.domain.scans import ParcelState, ScanKind
from doorstep.domain.sorting import Assignment
from doorstep.domain.stations import Station
from doorstep.domain.subscriptions import Delivery, DeliveryStatus, Subscription
from doorstep.domain.tracking import TrackingToken
from doorstep.planning.versions import PlanStatus, PlanVersion
from doorstep.services.ports import (
    ApiKeyRepository,
    AssignmentRepository,
    Broadcaster,
    CarrierRepository,
    CaseScope,
    Contact,
    DeliveryRepository,
    DepartureRepository,
    DriverRepository,
    DutyRepository,
    ExceptionRepository,
    IdempotencyRecord,
    IdempotencyRepository,
    InspectionRepository,
    MaintenanceRepository,
    MessageRepository,
    OrderFilter,
    OrderFixRepository,
    OrderRepository,
    OrganisationRepository,
    PlanVersionRepository,
    Position,
    PositionRepository,
    RateCardRepository,
    RouteAssignmentRepository,
    RouteEndRepository,
    ScanContext,
    ScannedOrder,
    ScanRecord,
    ScanRepository,
    ServiceMark,
    SessionRepository,
    StationRepository,
    SubscriptionRepository,
    TrackingRepository,
    UnitOfWork,
    UserRepository,
    VehicleRepository,
)


def _by_id(entity: _Entity) -> str:
    return entity.id


class _Entity(Protocol):
    id: str


class _Tenanted(Protocol):
    id: str
    organisation_id: str


E = TypeVar("E", bound=_Entity)
Owned = TypeVar("Owned", bound=_Tenanted)


@dataclass
class Tables:
    """Everything stored, keyed by id (idempotency records by organisation and key)."""

    organisations: dict[str, Organisation] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)
    api_keys: dict[str, ApiKey] = field(default_factory=dict)
    sessions: dict[str, Session] = field(default_factory=dict)
    stations: dict[str, Station] = field(default_factory=dict)
    vehicles: dict[str, Vehicle] = field(default_factory=dict)
    drivers: dict[str, Driver] = field(default_factory=dict)
    orders: dict[str, Order] = field(default_factory=dict)
    order_fixes: dict[str, OrderFix] = field(default_factory=dict)
    idempotency: dict[tuple[str, str], IdempotencyRecord] = field(default_factory=dict)
    plans: dict[str, PlanVersion] = field(default_factory=dict)
    scan_events: dict[tuple[str, str], ScanRecord] = field(default_factory=dict)
    # (organisation, barcode) -> (station id, service date, plan id, assignment)
    assignments: dict[tuple[str, str], tuple[str, date, str, Assignment]] = field(
        default_factory=dict
    )
    parcel_states: dict[tuple[str, str], tuple[str, ParcelState]] = field(default_factory=dict)
    departures: dict[str, Departure] = field(default_factory=dict)
    route_ends: dict[str, RouteEnd] = field(default_factory=dict)
    exception_cases: dict[str, ExceptionCase] = field(default_factory=dict)
    inspections: dict[str, Inspection] = field(default_factory=dict)
    maintenance_records: dict[str, MaintenanceRecord] = field(default_factory=dict)
    duty_changes: dict[tuple[str, str], DutyChange] = field(default_factory=dict)
    route_assignments: dict[tuple[str, str, date, str], str] = field(default_factory=dict)
    tracking_tokens: dict[str, TrackingToken] = field(default_factory=dict)
    message_settings: dict[str, MessageSettings] = field(default_factory=dict)
    messages: dict[str, Message] = field(default_factory=dict)
    subscriptions: dict[str, Subscription] = field(default_factory=dict)
    deliveries: dict[str, Delivery] = field(default_factory=dict)
    positions: dict[tuple[str, str, datetime], Ping] = field(default_factory=dict)
    position_settings: dict[str, PositionSettings] = field(default_factory=dict)
    carriers: dict[str, Carrier] = field(default_factory=dict)
    # (organisation, carrier id, service level) -> card
    rate_cards: dict[tuple[str, str, ServiceLevel], RateCard] = field(default_factory=dict)
    # (organisation, order id) -> allocation
    carrier_allocations: dict[tuple[str, str], Allocation] = field(default_factory=dict)


class _Rows(Generic[E]):
    """One table of a FakeUnitOfWork, usable only inside the unit's ``with`` block."""

    table: ClassVar[str]

    def __init__(self, uow: FakeUnitOfWork) -> None:
        self._uow = uow

    @property
    def rows(self) -> dict[str, E]:
        return cast(dict[str, E], getattr(self._uow.current(), self.table))

    def unique(self, entity: E) -> set[Hashable]:
        """The values of the table's unique constraints other than the primary key."""
        return set()

    def add(self, entity: E) -> None:
        if entity.id in self.rows:
            raise Conflict(f"duplicate primary key {entity.id}")
        self._put(entity)

    def update(self, entity: E) -> None:
        if entity.id in self.rows:
            self._put(entity)

    def _put(self, entity: E) -> None:
        taken = [o.id for o in self.rows.values() if self.unique(o) & self.unique(entity)]
        if set(taken) - {entity.id}:
            raise Conflict(f"{entity.id} breaks a unique constraint of {self.table}")
        self.rows[entity.id] = copy.deepcopy(entity)

    def _where(self, keep: Callable[[E], bool], order: Callable[[E], Any] = _by_id) -> list[E]:
        return sorted((copy.deepcopy(e) for e in self.rows.values() if keep(e)), key=order)

    def _first(self, keep: Callable[[E], bool]) -> E | None:
        return next(iter(self._where(keep)), None)


class _Scoped(_Rows[Owned]):
    """A table of tenant-owned rows: lookups by id always include the organisation."""

    def get(self, organisation_id: str, object_id: str) -> Owned | None:
        return self._first(lambda e: (e.organisation_id, e.id) == (organisation_id, object_id))

    def _of(self, organisation_id: str, **equal: object) -> list[Owned]:
        def keep(e: Owned) -> bool:
            pairs = equal.items()
            return e.organisation_id == organisation_id and all(
                getattr(e, k) == v for k, v in pairs
            )

        return self._where(keep)


class FakeOrganisations(_Rows[Organisation]):
    table = "organisations"

    def unique(self, entity: Organisation) -> set[Hashable]:
        return {entity.slug}

    def get(self, organisation_id: str) -> Organisation | None:
        return self._first(lambda o: o.id == organisation_id)

    def get_by_slug(self, slug: str) -> Organisation | None:
        return self._first(lambda o: o.slug == slug)

    def list(self) -> Sequence[Organisation]:
        return self._where(lambda _: True, lambda o: o.slug)


class FakeUsers(_Scoped[User]):
    table = "users"

    def unique(self, entity: User) -> set[Hashable]:
        return {entity.email}

    def get_by_email(self, email: str) -> User | None:
        # Like the SQL repository, match the normalised (trimmed, lower-case) address.
        return self._first(lambda u: u.email == email.strip().lower())

    def list(self, organisation_id: str) -> Sequence[User]:
        return sorted(self._of(organisation_id), key=lambda u: u.email)


class FakeApiKeys(_Scoped[ApiKey]):
    table = "api_keys"

    def unique(self, entity: ApiKey) -> set[Hashable]:
        return {entity.secret_hash}

    def get_by_hash(self, secret_hash: str) -> ApiKey | None:
        return self._first(lambda k: k.secret_hash == secret_hash)

    def list(self, organisation_id: str) -> Sequence[ApiKey]:
        return sorted(self._of(organisation_id), key=lambda k: (k.created_at, k.id))


class FakeSessions(_Rows[Session]):
    table = "sessions"

    def unique(self, entity: Session) -> set[Hashable]:
        return {entity.token_hash}

    def get(self, session_id: str) -> Session | None:
        return self._first(lambda s: s.id == session_id)

    def get_by_hash(self, token_hash: str) -> Session | None:
        return self._first(lambda s: s.token_hash == token_hash)


class FakeStations(_Scoped[Station]):
    table = "stations"

    def unique(self, entity: Station) -> set[Hashable]:
        return {(entity.organisation_id, entity.code)}

    def get_by_code(self, organisation_id: str, code: str) -> Station | None:
        return next(iter(self._of(organisation_id, code=code)), None)

    def list(self, organisation_id: str) -> Sequence[Station]:
        return sorted(self._of(organisation_id), key=lambda s: (s.name, s.id))

    def delete(self, station: Station) -> None:
        self.rows.pop(station.id, None)

    def in_use(self, station: Station) -> bool:
        tables = self._uow.current()
        return (
            any(v.station_id == station.id for v in tables.vehicles.values())
            or any(d.home_station_id == station.id for d in tables.drivers.values())
            or any(o.station_id == station.id for o in tables.orders.values())
        )


class FakeVehicles(_Scoped[Vehicle]):
    table = "vehicles"

    def unique(self, entity: Vehicle) -> set[Hashable]:
        return {(entity.organisation_id, entity.name)}

    def get_by_name(self, organisation_id: str, name: str) -> Vehicle | None:
        return next(iter(self._of(organisation_id, name=name)), None)

    def list(self, organisation_id: str, station_id: str | None = None) -> Sequence[Vehicle]:
        found = self._of(organisation_id, **({"station_id": station_id} if station_id else {}))
        return sorted(found, key=lambda v: (v.name, v.id))


class FakeDrivers(_Scoped[Driver]):
    table = "drivers"

    def unique(self, entity: Driver) -> set[Hashable]:
        return {(entity.organisation_id, entity.name)}

    def get_by_name(self, organisation_id: str, name: str) -> Driver | None:
        return next(iter(self._of(organisation_id, name=name)), None)

    def list(self, organisation_id: str, station_id: str | None = None) -> Sequence[Driver]:
        found = self._of(organisation_id, **({"home_station_id": station_id} if station_id else {}))
        return sorted(found, key=lambda d: (d.name, d.id))


def _matches(order: Order, where: OrderFilter, after: Position | None) -> bool:
    exact = {
        "station_id": where.station_id,
        "kind": where.kind,
        "shipper": where.shipper,
        "shipper_reference": where.shipper_reference,
        "service_date": where.service_date,
    }
    return (
        (not where.statuses or order.status in where.statuses)
        and all(getattr(order, name) == value for name, value in exact.items() if value is not None)
        and (where.flag is None or any(f.code is where.flag for f in order.flags))
        and (where.created_from is None or order.created_at >= where.created_from)
        and (where.created_before is None or order.created_at < where.created_before)
        and (after is None or (order.created_at, order.id) > (after.created_at, after.id))
    )


class FakeOrders(_Scoped[Order]):
    table = "orders"

    def unique(self, entity: Order) -> set[Hashable]:
        org = entity.organisation_id
        barcodes: set[Hashable] = {("barcode", org, p.barcode) for p in entity.parcels}
        return barcodes | {("reference", org, entity.shipper, entity.shipper_reference)}

    def get_by_reference(self, organisation_id: str, shipper: str, reference: str) -> Order | None:
        found = self._of(organisation_id, shipper=shipper, shipper_reference=reference)
        return next(iter(found), None)

    def barcodes_taken(
        self, organisation_id: str, barcodes: Sequence[str], exclude_order: str | None
    ) -> set[str]:
        others = [o for o in self._of(organisation_id) if o.id != exclude_order]
        return {p.barcode for o in others for p in o.parcels} & set(barcodes)

    def list(
        self, organisation_id: str, where: OrderFilter, *, after: Position | None, limit: int
    ) -> Sequence[Order]:
        found = [o for o in self._of(organisation_id) if _matches(o, where, after)]
        return sorted(found, key=lambda o: (o.created_at, o.id))[:limit]

    def by_references(
        self, organisation_id: str, keys: Sequence[tuple[str, str]]
    ) -> dict[tuple[str, str], Order]:
        wanted = set(keys)
        return {
            (o.shipper, o.shipper_reference): o
            for o in self._of(organisation_id)
            if (o.shipper, o.shipper_reference) in wanted
        }

    def barcode_owners(self, organisation_id: str, barcodes: Sequence[str]) -> dict[str, str]:
        wanted = set(barcodes)
        return {
            p.barcode: o.id
            for o in self._of(organisation_id)
            for p in o.parcels
            if p.barcode in wanted
        }

    def open_with_dedupe_keys(
        self, organisation_id: str, keys: Sequence[str]
    ) -> dict[str, list[str]]:
        wanted = set(keys)
        found: dict[str, list[str]] = {}
        for o in self._of(organisation_id):
            if o.status not in FINAL and o.dedupe_key in wanted:
                found.setdefault(o.dedupe_key, []).append(o.id)
        return found

    def add_many(self, orders: Sequence[Order]) -> None:
        for order in orders:
            self.add(order)

    def get_many(self, organisation_id: str, order_ids: Sequence[str]) -> dict[str, Order]:
        wanted = set(order_ids)
        return {o.id: o for o in self._of(organisation_id) if o.id in wanted}

    def record_changes(
        self, organisation_id: str, changes: Sequence[tuple[str, StatusChange]]
    ) -> None:
        for order_id, change in changes:
            stored = self.rows[order_id]
            assert stored.organisation_id == organisation_id
            stored.status, stored.updated_at = change.to_status, change.at
            stored.history.append(change)


class FakeAssignments:
    def __init__(self, uow: FakeUnitOfWork) -> None:
        self._uow = uow

    def replace_day(
        self,
        organisation_id: str,
        station_id: str,
        service_date: date,
        plan_id: str,
        assignments: Sequence[Assignment],
    ) -> None:
        table = self._uow.current().assignments
        moving = {a.barcode for a in assignments}
        for key, (station, day, _, found) in list(table.items()):
            same_day = (station, day) == (station_id, service_date)
            if key[0] == organisation_id and (same_day or found.barcode in moving):
                del table[key]
        for a in assignments:
            table[(organisation_id, a.barcode)] = (station_id, service_date, plan_id, a)

    def of_barcodes(self, organisation_id: str, barcodes: Sequence[str]) -> dict[str, Assignment]:
        table = self._uow.current().assignments
        keys = ((organisation_id, b) for b in barcodes)
        return {k[1]: table[k][3] for k in keys if k in table}

    def of_day(self, organisation_id: str, station_id: str, service_date: date) -> list[Assignment]:
        found = [
            a
            for (org, _), (station, day, _, a) in self._uow.current().assignments.items()
            if (org, station, day) == (organisation_id, station_id, service_date)
        ]
        return sorted(found, key=lambda a: (a.lane, a.position, a.barcode))


class FakeDepartures(_Scoped[Departure]):
    table = "departures"

    def unique(self, entity: Departure) -> set[Hashable]:
        key = (entity.organisation_id, entity.station_id, entity.service_date, entity.vehicle_id)
        return {key}

    def of_vehicle(
        self, organisation_id: str, station_id: str, service_date: date, vehicle_id: str
    ) -> Departure | None:
        found = self._of(
            organisation_id, station_id=station_id, service_date=service_date, vehicle_id=vehicle_id
        )
        return next(iter(found), None)


class FakeRouteEnds(_Scoped[RouteEnd]):
    table = "route_ends"

    def unique(self, entity: RouteEnd) -> set[Hashable]:
        return {(entity.organisation_id, entity.departure_id)}

    def of_departure(self, organisation_id: str, departure_id: str) -> RouteEnd | None:
        return next(iter(self._of(organisation_id, departure_id=departure_id)), None)


class FakeExceptions(_Scoped[ExceptionCase]):
    table = "exception_cases"

    def unique(self, entity: ExceptionCase) -> set[Hashable]:
        return {(entity.organisation_id, entity.key)}

    def by_keys(self, organisation_id: str, keys: Sequence[str]) -> dict[str, ExceptionCase]:
        wanted = set(keys)
        return {c.key: c for c in self._of(organisation_id) if c.key in wanted}

    def open_of_orders(
        self, organisation_id: str, order_ids: Sequence[str], type: ExceptionType
    ) -> list[ExceptionCase]:
        wanted = set(order_ids)
        return [
            c
            for c in self._of(organisation_id, type=type, status=CaseStatus.OPEN)
            if c.order_id in wanted
        ]

    def opened_between(
        self, organisation_id: str, start: datetime, end: datetime
    ) -> list[ExceptionCase]:
        found = [c for c in self._of(organisation_id) if start <= c.opened_at < end]
        return sorted(found, key=lambda c: (c.opened_at, c.id))

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
        found = [
            c
            for c in self._of(organisation_id)
            if (status is None or c.status is status)
            and (type is None or c.type is type)
            and (after is None or (c.due_at, c.id) > (after.created_at, after.id))
            and (scope is None or self._in_scope(c, scope))
        ]
        return sorted(found, key=lambda c: (c.due_at, c.id))[:limit]

    def _in_scope(self, case: ExceptionCase, scope: CaseScope) -> bool:
        tables = self._uow.current()
        order = tables.orders.get(case.order_id or "")
        if order is not None and order.organisation_id == case.organisation_id:
            handed = any(
                h.order_id == order.id
                and h.service_date == scope.service_date
                and h.status.value != "cancelled"
                for h in tables.__dict__.get("handoffs", {}).values()
            )
            of_day = order.service_date == scope.service_date or handed
            return order.station_id == scope.station_id and of_day
        if case.key in scope.keys:
            return True
        return (
            case.order_id is None
            and case.type in scope.unplaced_types
            and scope.opened_from <= case.opened_at < scope.opened_to
        )


class FakeInspections(_Scoped[Inspection]):
    table = "inspections"

    def of_vehicle_day(
        self, organisation_id: str, vehicle_id: str, service_date: date
    ) -> list[Inspection]:
        found = self._of(organisation_id, vehicle_id=vehicle_id, service_date=service_date)
        return sorted(found, key=lambda i: (i.inspected_at, i.id))


class FakeMaintenance(_Scoped[MaintenanceRecord]):
    table = "maintenance_records"

    def open_of_vehicle(self, organisation_id: str, vehicle_id: str) -> list[MaintenanceRecord]:
        return [r for r in self._of(organisation_id, vehicle_id=vehicle_id) if r.open]


class FakeDuty:
    def __init__(self, uow: FakeUnitOfWork) -> None:
        self._uow = uow

    def known(self, organisation_id: str, ids: list[str]) -> dict[str, DutyChange]:
        table = self._uow.current().duty_changes
        return {i: table[(organisation_id, i)] for i in ids if (organisation_id, i) in table}

    def add_many(self, organisation_id: str, changes: list[DutyChange]) -> None:
        table = self._uow.current().duty_changes
        for change in changes:
            if (organisation_id, change.id) in table:
                raise Conflict(f"duplicate primary key {change.id}")
            table[(organisation_id, change.id)] = change

    def of_driver(
        self, organisation_id: str, driver_id: str, since: datetime, until: datetime
    ) -> list[DutyChange]:
        found = [
            ch
            for (org, _), ch in self._uow.current().duty_changes.items()
            if org == organisation_id and ch.driver_id == driver_id and since <= ch.at < until
        ]
        return sorted(found, key=lambda ch: (ch.at, ch.id))


class FakeRouteAssignments:
    def __init__(self, uow: FakeUnitOfWork) -> None:
        self._uow = uow

    def of_day(self, organisation_id: str, station_id: str, day: date) -> dict[str, str]:
        table = self._uow.current().route_assignments
        return {
            v: d
            for (o, s, dd, v), d in table.items()
            if (o, s, dd) == (organisation_id, station_id, day)
        }

    def put(
        self,
        organisation_id: str,
        station_id: str,
        day: date,
        vehicle_id: str,
        driver_id: str,
        at: datetime,
        by: str,
    ) -> None:
        self._uow.current().route_assignments[(organisation_id, station_id, day, vehicle_id)] = (
            driver_id
        )


class FakeScans:
    def __init__(self, uow: FakeUnitOfWork) -> None:
        self._uow = uow
        self.locks = 0

    def lock(self, organisation_id: str) -> None:
        self.locks += 1

    def stored(
        self, organisation_id: str, event_ids: Sequence[str]
    ) -> dict[str, tuple[str, str | None]]:
        events = self._uow.current().scan_events
        found = (events.get((organisation_id, i)) for i in event_ids)
        return {r.event.id: (r.event.fingerprint, r.problem) for r in found if r is not None}

    def add_many(self, records: Sequence[ScanRecord]) -> None:
        events = self._uow.current().scan_events
        for record in records:
            key = (record.event.organisation_id, record.event.id)
            if key in events:
                raise Conflict(f"duplicate primary key {key}")
            events[key] = record

    def context(self, organisation_id: str, barcodes: Sequence[str]) -> ScanContext:
        wanted, tables = set(barcodes), self._uow.current()
        orders = {
            o.id: ScannedOrder(
                o.id, o.status, o.proof, tuple(p.barcode for p in o.parcels), _contact(o)
            )
            for o in tables.orders.values()
            if o.organisation_id == organisation_id and any(p.barcode in wanted for p in o.parcels)
        }
        owners = {b: order.id for order in orders.values() for b in order.barcodes}
        states = {
            b: tables.parcel_states[(organisation_id, b)][1]
            for b in owners
            if (organisation_id, b) in tables.parcel_states
        }
        return ScanContext(orders, owners, states)

    def of_barcodes(
        self, organisation_id: str, barcodes: Sequence[str]
    ) -> dict[str, list[ScanRecord]]:
        wanted = set(barcodes)
        found: dict[str, list[ScanRecord]] = {}
        for (org, _), record in self._uow.current().scan_events.items():
            if org == organisation_id and record.event.barcode in wanted:
                found.setdefault(record.event.barcode, []).append(record)
        return found

    def set_problems(self, organisation_id: str, problems: Mapping[str, str | None]) -> None:
        events = self._uow.current().scan_events
        for event_id, problem in problems.items():
            key = (organisation_id, event_id)
            events[key] = replace(events[key], problem=problem)

    def save_states(self, organisation_id: str, states: Sequence[tuple[str, ParcelState]]) -> None:
        table = self._uow.current().parcel_states
        for order_id, state in states:
            table[(organisation_id, state.barcode)] = (order_id, state)

    def states(
        self, organisation_id: str, barcodes: Sequence[str]
    ) -> dict[str, tuple[str, ParcelState]]:
        table = self._uow.current().parcel_states
        return {b: table[(organisation_id, b)] for b in barcodes if (organisation_id, b) in table}

    def service_marks(self, organisation_id: str, since: datetime, limit: int) -> list[ServiceMark]:
        orders = self._uow.current().orders
        kinds = {ScanKind.ARRIVE, ScanKind.DELIVER, ScanKind.FAIL}
        found = [
            r
            for (org, _), r in self._uow.current().scan_events.items()
            if org == organisation_id
            and r.event.kind in kinds
            and r.problem is None
            and r.event.server_time >= since
            and r.order_id in orders
        ]
        found.sort(key=lambda r: (r.event.server_time, r.event.id), reverse=True)
        return [
            ServiceMark(
                r.order_id or "",
                orders[r.order_id or ""].address.as_given.casefold(),
                orders[r.order_id or ""].kind is OrderKind.PICKUP,
                r.event.barcode,
                r.event.kind is ScanKind.ARRIVE,
                r.event.device_time,
            )
            for r in found[:limit]
        ]

    def received_between(
        self, organisation_id: str, start: datetime, end: datetime
    ) -> list[ScanRecord]:
        found = [
            r
            for (org, _), r in self._uow.current().scan_events.items()
            if org == organisation_id
            and r.event.kind is ScanKind.RECEIVE
            and start <= r.event.device_time < end
        ]
        return sorted(found, key=lambda r: (r.event.device_time, r.event.id))

    def list(
        self,
        organisation_id: str,
        *,
        barcode: str | None = None,
        problems_only: bool = False,
        after: Position | None = None,
        limit: int = 100,
    ) -> Sequence[ScanRecord]:
        found = [
            r
            for (org, _), r in self._uow.current().scan_events.items()
            if org == organisation_id
            and (barcode is None or r.event.barcode == barcode)
            and (not problems_only or r.problem is not None)
            and (after is None or (r.event.server_time, r.event.id) > (after.created_at, after.id))
        ]
        return sorted(found, key=lambda r: (r.event.server_time, r.event.id))[:limit]


class FakeOrderFixes(_Scoped[OrderFix]):
    table = "order_fixes"

    def list(self, organisation_id: str, order_id: str) -> Sequence[OrderFix]:
        return sorted(self._of(organisation_id, order_id=order_id), key=lambda f: (f.at, f.id))


class FakePlanVersions(_Scoped[PlanVersion]):
    table = "plans"

    def unique(self, entity: PlanVersion) -> set[Hashable]:
        day = (entity.organisation_id, entity.station_id, entity.service_date)
        published = {("published", *day)} if entity.status is PlanStatus.PUBLISHED else set()
        return {("number", *day, entity.number)} | published

    def list(
        self, organisation_id: str, station_id: str, service_date: date
    ) -> Sequence[PlanVersion]:
        found = self._of(organisation_id, station_id=station_id, service_date=service_date)
        return sorted(found, key=lambda v: v.number)

    def latest(
        self, organisation_id: str, station_id: str, service_date: date
    ) -> PlanVersion | None:
        return next(reversed(self.list(organisation_id, station_id, service_date)), None)

    def published(
        self, organisation_id: str, station_id: str, service_date: date
    ) -> PlanVersion | None:
        day = self.list(organisation_id, station_id, service_date)
        return next((v for v in day if v.status is PlanStatus.PUBLISHED), None)

    def next_number(self, organisation_id: str, station_id: str, service_date: date) -> int:
        return len(self.list(organisation_id, station_id, service_date)) + 1

    def containing(self, organisation_id: str, order_id: str) -> PlanVersion | None:
        def holds(v: PlanVersion) -> bool:
            held = {u.stop_id for u in v.plan.unassigned} | {o for o, _ in v.left_out}
            return order_id in held or v.plan.route_of(order_id) is not None

        found = [v for v in self._of(organisation_id) if holds(v)]
        return max(found, key=lambda v: (v.created_at, v.number, v.id), default=None)


class FakeIdempotency:
    def __init__(self, uow: FakeUnitOfWork) -> None:
        self._uow = uow

    def get(self, organisation_id: str, key: str) -> IdempotencyRecord | None:
        return self._uow.current().idempotency.get((organisation_id, key))

    def claim(self, record: IdempotencyRecord) -> None:
        if self.get(record.organisation_id, record.key) is not None:
            raise Conflict(f"idempotency key {record.key} is claimed already")
        self.complete(record)

    def complete(self, record: IdempotencyRecord) -> None:
        self._uow.current().idempotency[(record.organisation_id, record.key)] = record


class FakeTracking(_Rows[TrackingToken]):
    table = "tracking_tokens"

    def unique(self, entity: TrackingToken) -> set[Hashable]:
        live = {(entity.organisation_id, entity.order_id)} if entity.revoked_at is None else set()
        return {entity.token_hash} | live

    def get_by_hash(self, token_hash: str) -> TrackingToken | None:
        return self._first(lambda e: e.token_hash == token_hash)

    def live_of_order(self, organisation_id: str, order_id: str) -> TrackingToken | None:
        return self._first(
            lambda e: (
                (e.organisation_id, e.order_id) == (organisation_id, order_id)
                and e.revoked_at is None
            )
        )

    def lock_slots(self, organisation_id: str, station_id: str) -> None:
        pass  # one thread: nothing to hold off

    def booked_starts(
        self, organisation_id: str, station_id: str, first: date, last: date, exclude_order: str
    ) -> list[datetime]:
        return [
            min(w.start_at for w in o.time_windows)
            for o in self._uow.current().orders.values()
            if (o.organisation_id, o.station_id) == (organisation_id, station_id)
            and o.service_date is not None
            and first <= o.service_date <= last
            and o.status not in FINAL
            and o.id != exclude_order
            and o.time_windows
        ]


def _contact(o: Order) -> Contact:
    r = o.recipient
    return Contact(o.id, r.name, r.email, r.phone, o.shipper_reference, o.station_id)


class FakeMessages:
    def __init__(self, uow: FakeUnitOfWork) -> None:
        self._uow = uow

    def settings(self, organisation_id: str) -> MessageSettings | None:
        return self._uow.current().message_settings.get(organisation_id)

    def save_settings(self, settings: MessageSettings) -> None:
        self._uow.current().message_settings[settings.organisation_id] = settings

    def add_new(self, messages: Sequence[Message]) -> int:
        table = self._uow.current().messages
        taken = {(m.organisation_id, m.key, m.channel) for m in table.values()}
        added = 0
        for m in messages:
            if (m.organisation_id, m.key, m.channel) not in taken:
                for older in [o for o in table.values() if m.supersedes(o)]:
                    table[older.id] = older.superseded(m.id)
                table[m.id] = m
                taken.add((m.organisation_id, m.key, m.channel))
                added += 1
        return added

    def claim(self, now: datetime, until: datetime, limit: int) -> list[Message]:
        table = self._uow.current().messages
        due = sorted(
            (m for m in table.values() if m.status is MessageStatus.QUEUED and m.not_before <= now),
            key=lambda m: (m.not_before, m.id),
        )[:limit]
        for m in due:
            table[m.id] = replace(m, not_before=until)
        return due

    def update(self, message: Message) -> None:
        table = self._uow.current().messages
        stored = table.get(message.id)
        by = stored.superseded_by if stored else None
        resurrects = message.status is not MessageStatus.SENT  # superseded while being sent
        if stored is not None and stored.status is MessageStatus.SUPERSEDED and resurrects:
            message = replace(message, status=stored.status, not_before=stored.not_before)
        table[message.id] = replace(message, superseded_by=by)

    def list(
        self, organisation_id: str, *, order_id: str | None = None, limit: int = 100
    ) -> list[Message]:
        found = [
            m
            for m in self._uow.current().messages.values()
            if m.organisation_id == organisation_id and order_id in (None, m.order_id)
        ]
        return sorted(found, key=lambda m: (m.created_at, m.id), reverse=True)[:limit]

    def contacts(self, organisation_id: str, order_ids: Sequence[str]) -> dict[str, Contact]:
        orders = self._uow.current().orders
        return {
            o.id: _contact(o)
            for i in order_ids
            if (o := orders.get(i)) is not None and o.organisation_id == organisation_id
        }


class FakeSubscriptions:
    def __init__(self, uow: FakeUnitOfWork) -> None:
        self._uow = uow

    def add(self, subscription: Subscription) -> None:
        self._uow.current().subscriptions[subscription.id] = subscription

    def get(self, organisation_id: str, subscription_id: str) -> Subscription | None:
        found = self._uow.current().subscriptions.get(subscription_id)
        return found if found and found.organisation_id == organisation_id else None

    def update(self, subscription: Subscription) -> None:
        self.add(subscription)

    def list(self, organisation_id: str) -> list[Subscription]:
        table = self._uow.current().subscriptions.values()
        return [s for s in table if s.organisation_id == organisation_id]


class FakeDeliveries:
    def __init__(self, uow: FakeUnitOfWork) -> None:
        self._uow = uow

    def add_new(self, deliveries: Sequence[Delivery]) -> int:
        table = self._uow.current().deliveries
        taken = {(d.subscription_id, d.key) for d in table.values()}
        added = 0
        for d in deliveries:
            if (d.subscription_id, d.key) not in taken:
                table[d.id] = d
                taken.add((d.subscription_id, d.key))
                added += 1
        return added

    def claim(self, now: datetime, until: datetime, limit: int) -> list[Delivery]:
        table = self._uow.current().deliveries
        due = sorted(
            (
                d
                for d in table.values()
                if d.status is DeliveryStatus.PENDING and d.next_attempt_at <= now
            ),
            key=lambda d: (d.next_attempt_at, d.id),
        )[:limit]
        for d in due:
            table[d.id] = replace(d, next_attempt_at=until)
        return due

    def get(self, organisation_id: str, delivery_id: str) -> Delivery | None:
        found = self._uow.current().deliveries.get(delivery_id)
        return found if found and found.organisation_id == organisation_id else None

    def update(self, delivery: Delivery) -> None:
        self._uow.current().deliveries[delivery.id] = delivery

    def list(
        self,
        organisation_id: str,
        *,
        subscription_id: str | None = None,
        status: str | None = None,
        limit: int = 100,
    ) -> list[Delivery]:
        found = [
            d
            for d in self._uow.current().deliveries.values()
            if d.organisation_id == organisation_id
            and subscription_id in (None, d.subscription_id)
            and status in (None, d.status.value)
        ]
        return sorted(found, key=lambda d: (d.created_at, d.id), reverse=True)[:limit]


class FakePositions:
    def __init__(self, uow: FakeUnitOfWork) -> None:
        self._uow = uow

    def add_many(self, organisation_id: str, pings: Sequence[Ping]) -> int:
        table, stored = self._uow.current().positions, 0
        for ping in pings:
            key = (organisation_id, ping.device_id, ping.device_time)
            if key not in table:  # as ON CONFLICT DO NOTHING
                table[key], stored = ping, stored + 1
        return stored

    def _of(self, organisation_id: str, vehicle_id: str) -> list[Ping]:
        found = [
            p
            for (org, _, _), p in self._uow.current().positions.items()
            if org == organisation_id and p.vehicle_id == vehicle_id
        ]
        return sorted(found, key=lambda p: (p.device_time, p.device_id))

    def between(
        self, organisation_id: str, vehicle_id: str, start: datetime, end: datetime
    ) -> list[Ping]:
        return [p for p in self._of(organisation_id, vehicle_id) if start <= p.device_time < end]

    def latest(self, organisation_id: str, vehicle_id: str) -> Ping | None:
        found = self._of(organisation_id, vehicle_id)
        return found[-1] if found else None

    def purge(self, organisation_id: str, vehicle_id: str, before: datetime, limit: int) -> int:
        old = [p for p in self._of(organisation_id, vehicle_id) if p.device_time < before]
        if not old:
            return 0
        gone = [p for p in old if p.device_time <= old[min(limit, len(old)) - 1].device_time]
        for ping in gone:
            del self._uow.current().positions[(organisation_id, ping.device_id, ping.device_time)]
        return len(gone)

    def settings(self, organisation_id: str) -> PositionSettings:
        return self._uow.current().position_settings.get(organisation_id, PositionSettings())

    def save_settings(self, organisation_id: str, settings: PositionSettings) -> None:
        self._uow.current().position_settings[organisation_id] = settings


class FakeCarriers(_Scoped[Carrier]):
    table = "carriers"

    def unique(self, entity: Carrier) -> set[Hashable]:
        return {(entity.organisation_id, entity.code)}

    def get_by_code(self, organisation_id: str, code: str) -> Carrier | None:
        return next(iter(self._of(organisation_id, code=code)), None)

    def list(self, organisation_id: str) -> Sequence[Carrier]:
        return sorted(self._of(organisation_id), key=lambda c: c.code)

    def allocate(self, allocation: Allocation) -> None:
        key = (allocation.organisation_id, allocation.order_id)
        self._uow.current().carrier_allocations[key] = allocation

    def allocated(
        self, organisation_id: str, day: date, exclude_order: str | None = None
    ) -> dict[str, int]:
        used: dict[str, int] = {}
        for (org, order_id), a in self._uow.current().carrier_allocations.items():
            if org == organisation_id and a.service_date == day and order_id != exclude_order:
                used[a.carrier_id] = used.get(a.carrier_id, 0) + a.parcels
        return used


class FakeRateCards:
    def __init__(self, uow: FakeUnitOfWork) -> None:
        self._uow = uow

    def put(self, organisation_id: str, carrier_id: str, card: RateCard, at: datetime) -> None:
        if carrier_id not in self._uow.current().carriers:
            raise Conflict(f"no carrier {carrier_id} (foreign key)")
        self._uow.current().rate_cards[(organisation_id, carrier_id, card.service_level)] = card

    def list(self, organisation_id: str) -> dict[tuple[str, ServiceLevel], RateCard]:
        return {
            (carrier, level): card
            for (org, carrier, level), card in self._uow.current().rate_cards.items()
            if org == organisation_id
        }


class FakeUnitOfWork:
    """Re-entrant like SqlUnitOfWork: nested ``with`` joins, the outermost commit commits, and
    leaving the outermost block restores what was last committed (snapshots by deepcopy)."""

    organisations: OrganisationRepository
    users: UserRepository
    api_keys: ApiKeyRepository
    sessions: SessionRepository
    stations: StationRepository
    vehicles: VehicleRepository
    drivers: DriverRepository
    orders: OrderRepository
    order_fixes: OrderFixRepository
    idempotency: IdempotencyRepository
    plans: PlanVersionRepository
    scans: ScanRepository
    assignments: AssignmentRepository
    departures: DepartureRepository
    route_ends: RouteEndRepository
    exceptions: ExceptionRepository
    inspections: InspectionRepository
    maintenance: MaintenanceRepository
    duty: DutyRepository
    route_assignments: RouteAssignmentRepository
    messages: MessageRepository
    subscriptions: SubscriptionRepository
    deliveries: DeliveryRepository
    tracking: TrackingRepository
    positions: PositionRepository
    carriers: CarrierRepository
    rate_cards: RateCardRepository

    def __init__(self) -> None:
        self.tables, self._committed = Tables(), Tables()
        self.commits = self._depth = 0
        self.organisations, self.users = FakeOrganisations(self), FakeUsers(self)
        self.api_keys, self.sessions = FakeApiKeys(self), FakeSessions(self)
        self.stations, self.vehicles = FakeStations(self), FakeVehicles(self)
        self.drivers, self.orders = FakeDrivers(self), FakeOrders(self)
        self.order_fixes = FakeOrderFixes(self)
        self.idempotency = FakeIdempotency(self)
        self.plans = FakePlanVersions(self)
        self.scans = FakeScans(self)
        self.assignments = FakeAssignments(self)
        self.departures = FakeDepartures(self)
        self.route_ends = FakeRouteEnds(self)
        self.exceptions = FakeExceptions(self)
        self.inspections = FakeInspections(self)
        self.maintenance = FakeMaintenance(self)
        self.duty = FakeDuty(self)
        self.route_assignments = FakeRouteAssignments(self)
        self.messages = FakeMessages(self)
        self.subscriptions = FakeSubscriptions(self)
        self.deliveries = FakeDeliveries(self)
        self.tracking = FakeTracking(self)
        self.positions = FakePositions(self)
        self.carriers = FakeCarriers(self)
        self.rate_cards = FakeRateCards(self)

    def current(self) -> Tables:
        """The tables as this transaction sees them; repositories work only inside ``with``."""
        if self._depth == 0:
            raise RuntimeError("repository used outside the unit of work's `with` block")
        return self.tables

    def __enter__(self) -> Self:
        if self._depth == 0:
            self._committed = copy.deepcopy(self.tables)
        self._depth += 1
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._depth -= 1
        if self._depth == 0:
            self.tables = self._committed  # nothing left to undo after a commit

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        saved = copy.deepcopy(self.tables)
        try:
            yield
        except BaseException:
            self.tables = saved
            raise

    def commit(self) -> None:
        if self._depth == 1:
            self._committed = copy.deepcopy(self.tables)
            self.commits += 1


class FakeClock:
    """Stands still unless advanced; with ``step`` each reading moves it on by that much."""

    def __init__(self, start: datetime, step: timedelta = timedelta(0)) -> None:
        self.current, self.step = start, step

    def now(self) -> datetime:
        instant, self.current = self.current, self.current + self.step
        return instant

    def advance(self, delta: timedelta) -> None:
        self.current += delta


class SequentialIds:
    def __init__(self) -> None:
        self.issued = 0

    def new_id(self, prefix: str) -> str:
        self.issued += 1
        return f"{prefix}_{self.issued:06d}"


class FakeSecrets:
    def __init__(self) -> None:
        self.issued = 0

    def token(self, prefix: str) -> str:
        self.issued += 1
        return f"{prefix}_secret{self.issued:04d}"


class FakePasswords:
    """Reverses the password: enough to tell a hash from the password, with no cost."""

    def hash(self, password: str) -> str:
        return "reversed$" + password[::-1]

    def verify(self, password_hash: str | None, password: str) -> bool:
        return password_hash is not None and password_hash == self.hash(password)


# Checked by mypy: the fakes are drop-in implementations of the ports.
_UOW: type[UnitOfWork] = FakeUnitOfWork


class FakeBroadcaster:
    """Records each notice, and whether ``uow`` was inside a transaction when it was sent."""

    def __init__(self, uow: FakeUnitOfWork) -> None:
        self._uow = uow
        self.published: list[tuple[str, dict[str, object]]] = []
        self.sent_in_transaction = False

    def publish(self, channel: str, payload: Mapping[str, object]) -> None:
        self.sent_in_transaction |= self._uow._depth > 0
        self.published.append((channel, dict(payload)))

    def publish_many(self, notices: Sequence[tuple[str, Mapping[str, object]]]) -> None:
        for channel, payload in notices:
            self.publish(channel, payload)


_BROADCASTER: type[Broadcaster] = FakeBroadcaster


# -- allocation (issue 10): the day's allocations and the organisation's rules --------------

from doorstep.domain.allocation import AllocationRules  # noqa: E402


def _fake_allocations(self: FakeCarriers, organisation_id: str, day: date) -> list[Allocation]:
    found = self._uow.current().carrier_allocations.items()
    return [a for (org, _), a in sorted(found) if org == organisation_id and a.service_date == day]


def _fake_rules(self: FakeCarriers, organisation_id: str) -> AllocationRules:
    stored: dict[str, AllocationRules] = self._uow.current().__dict__.get("allocation_rules", {})
    return stored.get(organisation_id, AllocationRules())


def _fake_save_rules(self: FakeCarriers, organisation_id: str, rules: AllocationRules) -> None:
    self._uow.current().__dict__.setdefault("allocation_rules", {})[organisation_id] = rules


FakeCarriers.allocations = _fake_allocations  # type: ignore[attr-defined]
FakeCarriers.rules = _fake_rules  # type: ignore[attr-defined]
FakeCarriers.save_rules = _fake_save_rules  # type: ignore[attr-defined]


# -- hand-offs (issue 10): orders handed to partner carriers and the partners' connections -----

from doorstep.domain.handoffs import CarrierConnection, Handoff  # noqa: E402


class FakeHandoffs:
    """Like SqlHandoffs: one open hand-off per order, bookings unique per carrier."""

    def __init__(self, uow: FakeUnitOfWork) -> None:
        self._uow = uow

    @property
    def _rows(self) -> dict[str, Handoff]:
        found: dict[str, Handoff] = self._uow.current().__dict__.setdefault("handoffs", {})
        return found

    def _put(self, handoff: Handoff) -> None:
        for other in self._rows.values():
            if other.id == handoff.id:
                continue
            if (other.carrier_id, other.booking_id) == (handoff.carrier_id, handoff.booking_id):
                raise Conflict(f"{handoff.id} repeats booking {handoff.booking_id}")
            if handoff.open and other.open and other.order_id == handoff.order_id:
                raise Conflict(f"{handoff.order_id} has an open hand-off already")
        self._rows[handoff.id] = copy.deepcopy(handoff)

    def add(self, handoff: Handoff) -> None:
        if handoff.id in self._rows:
            raise Conflict(f"duplicate primary key {handoff.id}")
        self._put(handoff)

    def update(self, handoff: Handoff) -> None:
        if handoff.id in self._rows:
            self._put(handoff)

    def _where(self, organisation_id: str, keep: Callable[[Handoff], bool]) -> list[Handoff]:
        found = [h for h in self._rows.values() if h.organisation_id == organisation_id and keep(h)]
        return [copy.deepcopy(h) for h in sorted(found, key=lambda h: (h.created_at, h.id))]

    def get(self, organisation_id: str, handoff_id: str) -> Handoff | None:
        return next(iter(self._where(organisation_id, lambda h: h.id == handoff_id)), None)

    def open_of_order(self, organisation_id: str, order_id: str) -> Handoff | None:
        found = self._where(organisation_id, lambda h: h.order_id == order_id and h.open)
        return next(iter(found), None)

    def by_booking(self, organisation_id: str, carrier_id: str, booking_id: str) -> Handoff | None:
        found = self._where(
            organisation_id, lambda h: (h.carrier_id, h.booking_id) == (carrier_id, booking_id)
        )
        return next(iter(found), None)

    def list(
        self, organisation_id: str, *, day: date | None = None, carrier_id: str | None = None
    ) -> list[Handoff]:
        return self._where(
            organisation_id,
            lambda h: (
                (day is None or h.service_date == day)
                and (carrier_id is None or h.carrier_id == carrier_id)
            ),
        )


class FakeCarrierConnections:
    def __init__(self, uow: FakeUnitOfWork) -> None:
        self._uow = uow

    @property
    def _rows(self) -> dict[tuple[str, str], CarrierConnection]:
        found: dict[tuple[str, str], CarrierConnection] = self._uow.current().__dict__.setdefault(
            "carrier_connections", {}
        )
        return found

    def put(self, connection: CarrierConnection) -> None:
        self._rows[(connection.organisation_id, connection.carrier_id)] = connection

    def get(self, organisation_id: str, carrier_id: str) -> CarrierConnection | None:
        return self._rows.get((organisation_id, carrier_id))

    def by_carrier_code(self, code: str) -> list[tuple[str, CarrierConnection]]:
        carriers = self._uow.current().carriers
        return [
            (carrier_id, connection)
            for (org, carrier_id), connection in sorted(self._rows.items())
            if (carrier := carriers.get(carrier_id)) is not None
            and carrier.code == code
            and carrier.organisation_id == org
        ]


_init_before_handoffs = FakeUnitOfWork.__init__


def _init_with_handoffs(self: FakeUnitOfWork) -> None:
    _init_before_handoffs(self)
    self.handoffs = FakeHandoffs(self)  # type: ignore[attr-defined]
    self.carrier_connections = FakeCarrierConnections(self)  # type: ignore[attr-defined]


FakeUnitOfWork.__init__ = _init_with_handoffs  # type: ignore[method-assign]
