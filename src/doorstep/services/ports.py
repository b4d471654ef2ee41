"""What the services need from the outside world, as Protocols the adapters implement."""

from __future__ import annotations

import builtins
from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import date, datetime
from types import TracebackType
from typing import Protocol, Self

from doorstep.domain.accounts import ApiKey, Organisation, Session, User
from doorstep.domain.allocation import AllocationRules
from doorstep.domain.carriers import Carrier, ServiceLevel
from doorstep.domain.exceptions import CaseStatus, ExceptionCase, ExceptionType
from doorstep.domain.flags import FlagCode
from doorstep.domain.fleet import Driver, Vehicle
from doorstep.domain.geo import Location
from doorstep.domain.geocoding import Candidate
from doorstep.domain.handoffs import (
    Booking,
    CarrierConnection,
    CarrierQuote,
    Handoff,
    ShipmentRequest,
    TrackingEvent,
)
from doorstep.domain.hours import DutyChange
from doorstep.domain.inspections import Inspection, MaintenanceRecord
from doorstep.domain.loadout import Departure
from doorstep.domain.messages import Message, MessageSettings, TemplateText, Trigger
from doorstep.domain.notifications import Channel, SendResult
from doorstep.domain.order_fixes import OrderFix
from doorstep.domain.order_status import OrderStatus
from doorstep.domain.orders import Address, Order, OrderKind, ProofRequirement, StatusChange
from doorstep.domain.positions import Ping, PositionSettings
from doorstep.domain.proofs import ProofFile
from doorstep.domain.rate_shopping import Allocation
from doorstep.domain.rates import RateCard
from doorstep.domain.route_ends import RouteEnd
from doorstep.domain.scans import ParcelState, ScanEvent
from doorstep.domain.schedules import TimeWindow
from doorstep.domain.sorting import Assignment
from doorstep.domain.stations import Station
from doorstep.domain.subscriptions import Delivery, Subscription
from doorstep.domain.tracking import TrackingToken
from doorstep.planning.versions import PlanVersion


class Clock(Protocol):
    def now(self) -> datetime:
        """The current instant, time-zone aware."""
        ...


class IdGenerator(Protocol):
    def new_id(self, prefix: str) -> str:
        """A new unique id such as ``ord_1f3c...``; seeded in simulations for repeatable days."""
        ...


class SecretGenerator(Protocol):
    def token(self, prefix: str) -> str:
        """An unguessable secret for a session or API key; never seeded."""
        ...


class PasswordHasher(Protocol):
    def hash(self, password: str) -> str: ...

    def verify(self, password_hash: str | None, password: str) -> bool:
        """Check a password; with no hash (no such account) take as long, then say no."""
        ...


class ProofStore(Protocol):
    """Proof images stored by content hash, durably before ``put`` returns."""

    def put(self, organisation_id: str, data: bytes, media_type: str) -> ProofFile:
        """Store ``data`` (InvalidValue for another media type or size); the same bytes again
        return the same file."""
        ...

    def exists(self, organisation_id: str, sha256: str) -> bool: ...
    def get(self, organisation_id: str, sha256: str) -> tuple[bytes, str] | None:
        """The bytes and media type, or None."""
        ...


class Geocoder(Protocol):
    """Turns addresses into places and back: the region's own index, or a remote service."""

    def forward(self, address: Address, *, limit: int = 5) -> list[Candidate]:
        """Candidates for ``address``, most confident first; empty when nothing matches.

        Uses the structured parts (street, house number, unit, postcode, city) where given and
        parses ``as_given`` for the rest. Raises ``GeocoderUnavailable`` when it cannot answer.
        """
        ...

    def reverse(
        self, location: Location, *, limit: int = 1, radius_m: float = 200.0
    ) -> list[Candidate]:
        """Addresses nearest to ``location`` within ``radius_m``, nearest first, with distance_m."""
        ...

    def parse(self, text: str) -> Address:
        """``text`` split into street, house number, unit, postcode and city, as this geocoder
        reads it (the checks ask whether a house number and a unit were given)."""
        ...


@dataclass(frozen=True)
class OrderFilter:
    statuses: frozenset[OrderStatus] = frozenset()
    station_id: str | None = None
    kind: OrderKind | None = None
    shipper: str | None = None
    shipper_reference: str | None = None
    service_date: date | None = None
    flag: FlagCode | None = None
    created_from: datetime | None = None
    created_before: datetime | None = None


@dataclass(frozen=True)
class Position:
    """Where a page of a (created_at, id)-ordered listing ends, for keyset pagination."""

    created_at: datetime
    id: str


@dataclass(frozen=True)
class IdempotencyRecord:
    """The first answer to a POST, replayed to any retry with the same key and body."""

    organisation_id: str
    key: str
    fingerprint: str
    created_at: datetime
    status_code: int | None = None
    body: str | None = None


class OrganisationRepository(Protocol):
    def add(self, organisation: Organisation) -> None: ...
    def get(self, organisation_id: str) -> Organisation | None: ...
    def get_by_slug(self, slug: str) -> Organisation | None: ...
    def list(self) -> Sequence[Organisation]:
        """Every organisation on the installation, by slug; for operators, never for tenants."""
        ...

    def update(self, organisation: Organisation) -> None: ...


class UserRepository(Protocol):
    def add(self, user: User) -> None: ...
    def get(self, organisation_id: str, user_id: str) -> User | None: ...
    def get_by_email(self, email: str) -> User | None: ...
    def list(self, organisation_id: str) -> Sequence[User]: ...
    def update(self, user: User) -> None: ...


class ApiKeyRepository(Protocol):
    def add(self, key: ApiKey) -> None: ...
    def get(self, organisation_id: str, key_id: str) -> ApiKey | None: ...
    def get_by_hash(self, secret_hash: str) -> ApiKey | None: ...
    def list(self, organisation_id: str) -> Sequence[ApiKey]: ...
    def update(self, key: ApiKey) -> None: ...


class SessionRepository(Protocol):
    def add(self, session: Session) -> None: ...
    def get(self, session_id: str) -> Session | None: ...
    def get_by_hash(self, token_hash: str) -> Session | None: ...
    def update(self, session: Session) -> None: ...


class StationRepository(Protocol):
    def add(self, station: Station) -> None: ...
    def get(self, organisation_id: str, station_id: str) -> Station | None: ...
    def get_by_code(self, organisation_id: str, code: str) -> Station | None: ...
    def list(self, organisation_id: str) -> Sequence[Station]: ...
    def update(self, station: Station) -> None: ...
    def delete(self, station: Station) -> None: ...
    def in_use(self, station: Station) -> bool:
        """Whether vehicles, drivers or orders still refer to the station."""
        ...


class VehicleRepository(Protocol):
    def add(self, vehicle: Vehicle) -> None: ...
    def get(self, organisation_id: str, vehicle_id: str) -> Vehicle | None: ...
    def get_by_name(self, organisation_id: str, name: str) -> Vehicle | None: ...
    def list(self, organisation_id: str, station_id: str | None = None) -> Sequence[Vehicle]: ...
    def update(self, vehicle: Vehicle) -> None: ...


class DriverRepository(Protocol):
    def add(self, driver: Driver) -> None: ...
    def get(self, organisation_id: str, driver_id: str) -> Driver | None: ...
    def get_by_name(self, organisation_id: str, name: str) -> Driver | None: ...
    def list(self, organisation_id: str, station_id: str | None = None) -> Sequence[Driver]: ...
    def update(self, driver: Driver) -> None: ...


class OrderRepository(Protocol):
    def add(self, order: Order) -> None: ...
    def add_many(self, orders: Sequence[Order]) -> None:
        """Insert new orders with their parcels and history, a few statements for them all."""
        ...

    def get(self, organisation_id: str, order_id: str) -> Order | None: ...
    def get_by_reference(
        self, organisation_id: str, shipper: str, reference: str
    ) -> Order | None: ...
    def barcodes_taken(
        self, organisation_id: str, barcodes: Sequence[str], exclude_order: str | None
    ) -> set[str]: ...
    def list(
        self, organisation_id: str, where: OrderFilter, *, after: Position | None, limit: int
    ) -> Sequence[Order]: ...
    def update(self, order: Order) -> None: ...
    def by_references(
        self, organisation_id: str, keys: Sequence[tuple[str, str]]
    ) -> dict[tuple[str, str], Order]:
        """Existing orders by (shipper, shipper reference), for many rows in one query."""
        ...

    def barcode_owners(self, organisation_id: str, barcodes: Sequence[str]) -> dict[str, str]:
        """The order id owning each of ``barcodes`` that is taken."""
        ...

    def open_with_dedupe_keys(
        self, organisation_id: str, keys: Sequence[str]
    ) -> dict[str, builtins.list[str]]:
        """Per key, ids of orders not yet delivered, cancelled or returned that have it."""
        ...

    def get_many(self, organisation_id: str, order_ids: Sequence[str]) -> dict[str, Order]:
        """The orders among ``order_ids`` that exist, by id, in a few queries."""
        ...

    def record_changes(
        self, organisation_id: str, changes: Sequence[tuple[str, StatusChange]]
    ) -> None:
        """Give each order (by id) the change's new status and add the change to its history."""
        ...


class OrderFixRepository(Protocol):
    def add(self, fix: OrderFix) -> None: ...
    def list(self, organisation_id: str, order_id: str) -> Sequence[OrderFix]: ...


@dataclass(frozen=True)
class ScanRecord:
    """A stored scan: the event as sent, the order of its parcel, why it did not apply."""

    event: ScanEvent
    order_id: str | None
    problem: str | None = None


@dataclass(frozen=True)
class Contact:
    """What a customer message needs of its order, read without loading the whole order."""

    order_id: str
    name: str
    email: str
    phone: str
    reference: str  # the shipper's reference, which the customer knows the parcel by
    station_id: str | None


@dataclass(frozen=True)
class ScannedOrder:
    """A scanned parcel's order, as much of it as a batch of scans needs."""

    id: str
    status: OrderStatus
    proof: ProofRequirement
    barcodes: tuple[str, ...]  # all its parcels, in the order's own order
    contact: Contact  # for the customer messages its changes may send


@dataclass(frozen=True)
class ScanContext:
    """What a batch of scans reads before it replays: the orders of its barcodes, every parcel
    of those orders (an order moves only when all its parcels do) and their stored states."""

    orders: Mapping[str, ScannedOrder]  # by order id
    owners: Mapping[str, str]  # barcode -> order id, for every parcel of ``orders``
    states: Mapping[str, ParcelState]  # by barcode, the parcels of ``orders`` scanned before


@dataclass(frozen=True)
class ServiceMark:
    """A scan that starts or ends a service at a stop, for learning service times."""

    order_id: str
    address_key: str  # the address as given, case-folded: the same door every time
    pickup: bool
    barcode: str
    arrived: bool  # an arrive scan; else the delivery or failure that ended the service
    at: datetime


class ScanRepository(Protocol):
    def lock(self, organisation_id: str) -> None:
        """Hold the organisation's scan ingestion to this transaction until it ends."""
        ...

    def stored(
        self, organisation_id: str, event_ids: Sequence[str]
    ) -> dict[str, tuple[str, str | None]]:
        """The fingerprint and problem of each of ``event_ids`` already stored."""
        ...

    def add_many(self, records: Sequence[ScanRecord]) -> None: ...
    def context(self, organisation_id: str, barcodes: Sequence[str]) -> ScanContext:
        """The orders of the known ``barcodes``, their parcels and states, in one read."""
        ...

    def of_barcodes(
        self, organisation_id: str, barcodes: Sequence[str]
    ) -> dict[str, builtins.list[ScanRecord]]:
        """Every stored event of each barcode (for the replay)."""
        ...

    def set_problems(self, organisation_id: str, problems: Mapping[str, str | None]) -> None:
        """Rewrite why each event did not apply (None: it did), after a replay."""
        ...

    def save_states(self, organisation_id: str, states: Sequence[tuple[str, ParcelState]]) -> None:
        """Replace the derived state of each (order id, parcel state)."""
        ...

    def states(
        self, organisation_id: str, barcodes: Sequence[str]
    ) -> dict[str, tuple[str, ParcelState]]:
        """The order id and derived state of each scanned barcode among ``barcodes``."""
        ...

    def received_between(
        self, organisation_id: str, start: datetime, end: datetime
    ) -> builtins.list[ScanRecord]:
        """Receive scans with a device time in [start, end)."""
        ...

    def service_marks(
        self, organisation_id: str, since: datetime, limit: int
    ) -> builtins.list[ServiceMark]:
        """The arrive, deliver and fail scans that applied, stored since ``since``, newest
        first, at most ``limit``."""
        ...

    def list(
        self,
        organisation_id: str,
        *,
        barcode: str | None = None,
        problems_only: bool = False,
        after: Position | None = None,
        limit: int = 100,
    ) -> Sequence[ScanRecord]:
        """Stored events in (server time, id) order, after a position, for paging."""
        ...


class AssignmentRepository(Protocol):
    def replace_day(
        self,
        organisation_id: str,
        station_id: str,
        service_date: date,
        plan_id: str,
        assignments: Sequence[Assignment],
    ) -> None:
        """Make ``assignments`` the station's sort plan for the day (its parcels move here)."""
        ...

    def of_barcodes(
        self, organisation_id: str, barcodes: Sequence[str]
    ) -> dict[str, Assignment]: ...

    def of_day(
        self, organisation_id: str, station_id: str, service_date: date
    ) -> builtins.list[Assignment]:
        """The day's sort plan by lane, then position."""
        ...


class DepartureRepository(Protocol):
    def add(self, departure: Departure) -> None: ...
    def of_vehicle(
        self, organisation_id: str, station_id: str, service_date: date, vehicle_id: str
    ) -> Departure | None: ...


class RouteEndRepository(Protocol):
    def add(self, end: RouteEnd) -> None: ...
    def of_departure(self, organisation_id: str, departure_id: str) -> RouteEnd | None:
        """The end of the route that departure began, once it ended."""
        ...


@dataclass(frozen=True)
class CaseScope:
    """The cases of one station's day (``services.exceptions.list_cases`` says which): those
    of the station's orders planned on ``service_date`` or handed to a partner for it (not
    cancelled), those with one of ``keys`` (its vehicles' route cases of the day) and, of
    ``unplaced_types``, those with no order opened in ``opened_from <= opened_at <
    opened_to``."""

    station_id: str
    service_date: date
    keys: tuple[str, ...]
    unplaced_types: tuple[ExceptionType, ...]
    opened_from: datetime
    opened_to: datetime


class ExceptionRepository(Protocol):
    def add(self, case: ExceptionCase) -> None: ...
    def update(self, case: ExceptionCase) -> None: ...
    def get(self, organisation_id: str, case_id: str) -> ExceptionCase | None: ...
    def by_keys(self, organisation_id: str, keys: Sequence[str]) -> dict[str, ExceptionCase]: ...
    def open_of_orders(
        self, organisation_id: str, order_ids: Sequence[str], type: ExceptionType
    ) -> builtins.list[ExceptionCase]: ...
    def opened_between(
        self, organisation_id: str, start: datetime, end: datetime
    ) -> builtins.list[ExceptionCase]:
        """Cases with ``start <= opened_at < end``, by opening time (then id)."""
        ...

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
        """Cases by due time (then id), after a position (``created_at`` holds the due time);
        with ``scope``, only that station's day's."""
        ...


class InspectionRepository(Protocol):
    def add(self, inspection: Inspection) -> None: ...
    def of_vehicle_day(
        self, organisation_id: str, vehicle_id: str, service_date: date
    ) -> builtins.list[Inspection]: ...


class MaintenanceRepository(Protocol):
    def add(self, record: MaintenanceRecord) -> None: ...
    def update(self, record: MaintenanceRecord) -> None: ...
    def get(self, organisation_id: str, record_id: str) -> MaintenanceRecord | None: ...
    def open_of_vehicle(
        self, organisation_id: str, vehicle_id: str
    ) -> builtins.list[MaintenanceRecord]: ...


class DutyRepository(Protocol):
    def known(self, organisation_id: str, ids: builtins.list[str]) -> dict[str, DutyChange]: ...
    def add_many(self, organisation_id: str, changes: builtins.list[DutyChange]) -> None: ...
    def of_driver(
        self, organisation_id: str, driver_id: str, since: datetime, until: datetime
    ) -> builtins.list[DutyChange]:
        """The driver's changes with ``since <= at < until``, in time order."""
        ...


class RouteAssignmentRepository(Protocol):
    def of_day(self, organisation_id: str, station_id: str, day: date) -> dict[str, str]:
        """Driver id by vehicle id, where dispatch assigned one."""
        ...

    def put(
        self,
        organisation_id: str,
        station_id: str,
        day: date,
        vehicle_id: str,
        driver_id: str,
        at: datetime,
        by: str,
    ) -> None: ...


class TrackingRepository(Protocol):
    """Customers' tracking links (stored by hash), and what slot booking counts."""

    def add(self, token: TrackingToken) -> None: ...
    def update(self, token: TrackingToken) -> None:
        """Store a token's revocation; nothing else of a token changes."""
        ...

    def get_by_hash(self, token_hash: str) -> TrackingToken | None: ...
    def live_of_order(self, organisation_id: str, order_id: str) -> TrackingToken | None:
        """The order's token not revoked (there is at most one), expired or not."""
        ...

    def lock_slots(self, organisation_id: str, station_id: str) -> None:
        """Hold the station's slot booking to this transaction, so two customers cannot both
        take a slot's last place (SQLite's write lock does this already)."""
        ...

    def booked_starts(
        self, organisation_id: str, station_id: str, first: date, last: date, exclude_order: str
    ) -> builtins.list[datetime]:
        """The earliest window start of each order of the station due on ``first``..``last``
        (not final, not ``exclude_order``), for counting slots (``domain.slots``)."""
        ...


class PositionRepository(Protocol):
    """GPS pings, keyed by (organisation, device, device time), and the settings for them."""

    def add_many(self, organisation_id: str, pings: Sequence[Ping]) -> int:
        """Store the pings not stored yet (one per device and device time), in one statement;
        how many were new (the rest were stored before: a retry)."""
        ...

    def between(
        self, organisation_id: str, vehicle_id: str, start: datetime, end: datetime
    ) -> builtins.list[Ping]:
        """The vehicle's pings with ``start <= device_time < end``, in time order."""
        ...

    def latest(self, organisation_id: str, vehicle_id: str) -> Ping | None:
        """The vehicle's ping with the latest device time."""
        ...

    def purge(self, organisation_id: str, vehicle_id: str, before: datetime, limit: int) -> int:
        """Delete the vehicle's oldest pings before ``before``, about ``limit`` at most (pings
        sharing the last instant go together); how many went."""
        ...

    def settings(self, organisation_id: str) -> PositionSettings:
        """The organisation's settings; the defaults when it chose none."""
        ...

    def save_settings(self, organisation_id: str, settings: PositionSettings) -> None: ...


class EtaWindows(Protocol):
    """When the recipient may expect the driver; a live ETA engine replaces the planned one."""

    def eta_window(self, order: Order, planned_arrival: datetime | None) -> TimeWindow | None:
        """The window to show, from the plan's arrival at the order's stop (None: not planned
        yet, or not on a published route); None when nothing sensible can be said."""
        ...


class IdempotencyRepository(Protocol):
    def get(self, organisation_id: str, key: str) -> IdempotencyRecord | None: ...

    def claim(self, record: IdempotencyRecord) -> None:
        """Insert the key at once; a concurrent claim of the same key must wait or fail."""
        ...

    def complete(self, record: IdempotencyRecord) -> None: ...


class PlanVersionRepository(Protocol):
    def add(self, version: PlanVersion) -> None: ...
    def get(self, organisation_id: str, plan_id: str) -> PlanVersion | None: ...
    def list(
        self, organisation_id: str, station_id: str, service_date: date
    ) -> Sequence[PlanVersion]:
        """The station's versions of the day, by number."""
        ...

    def latest(
        self, organisation_id: str, station_id: str, service_date: date
    ) -> PlanVersion | None: ...
    def published(
        self, organisation_id: str, station_id: str, service_date: date
    ) -> PlanVersion | None:
        """The day's published version (there is at most one), the one dispatch runs."""
        ...

    def next_number(self, organisation_id: str, station_id: str, service_date: date) -> int: ...
    def update(self, version: PlanVersion) -> None:
        """Store a version's status and locks; nothing else of a version ever changes."""
        ...

    def containing(self, organisation_id: str, order_id: str) -> PlanVersion | None:
        """The newest version that holds the order, on a route or left out."""
        ...


class CarrierRepository(Protocol):
    """An organisation's carriers (unique by code), and the orders allocated to them."""

    def add(self, carrier: Carrier) -> None: ...
    def update(self, carrier: Carrier) -> None: ...
    def get(self, organisation_id: str, carrier_id: str) -> Carrier | None: ...
    def get_by_code(self, organisation_id: str, code: str) -> Carrier | None: ...
    def list(self, organisation_id: str) -> Sequence[Carrier]:
        """Every carrier, active or not, by code."""
        ...

    def allocate(self, allocation: Allocation) -> None:
        """Record the order's carrier, replacing an earlier allocation of the order."""
        ...

    def allocated(
        self, organisation_id: str, day: date, exclude_order: str | None = None
    ) -> dict[str, int]:
        """Parcels allocated per carrier id on ``day``, ``exclude_order``'s left out."""
        ...

    def allocations(self, organisation_id: str, day: date) -> Sequence[Allocation]:
        """Every allocation of ``day``, by order id."""
        ...

    def rules(self, organisation_id: str) -> AllocationRules:
        """The organisation's allocation rules (the defaults when none were saved)."""
        ...

    def save_rules(self, organisation_id: str, rules: AllocationRules) -> None: ...


class RateCardRepository(Protocol):
    """Rate cards, one per carrier and service level."""

    def put(self, organisation_id: str, carrier_id: str, card: RateCard, at: datetime) -> None:
        """Store ``card`` as the carrier's card for its level, replacing the one there."""
        ...

    def list(self, organisation_id: str) -> dict[tuple[str, ServiceLevel], RateCard]:
        """Every card of the organisation, by (carrier id, service level)."""
        ...


class HandoffRepository(Protocol):
    """Orders handed to partner carriers; at most one open hand-off per order."""

    def add(self, handoff: Handoff) -> None: ...
    def update(self, handoff: Handoff) -> None: ...
    def get(self, organisation_id: str, handoff_id: str) -> Handoff | None: ...
    def open_of_order(self, organisation_id: str, order_id: str) -> Handoff | None: ...
    def by_booking(
        self, organisation_id: str, carrier_id: str, booking_id: str
    ) -> Handoff | None: ...
    def list(
        self, organisation_id: str, *, day: date | None = None, carrier_id: str | None = None
    ) -> builtins.list[Handoff]:
        """Hand-offs of ``day`` (their service date) and/or carrier, oldest first."""
        ...


class CarrierConnectionRepository(Protocol):
    """How to reach each partner's API and check its webhooks (one per carrier)."""

    def put(self, connection: CarrierConnection) -> None: ...
    def get(self, organisation_id: str, carrier_id: str) -> CarrierConnection | None: ...
    def by_carrier_code(self, code: str) -> builtins.list[tuple[str, CarrierConnection]]:
        """Every organisation's connection of a carrier with ``code``, as (carrier id,
        connection): webhooks name the carrier by code, and the secret that verifies the
        signature tells whose carrier it is."""
        ...


class UnitOfWork(Protocol):
    """One transaction. Re-entrant: a service called inside another's unit joins its transaction."""

    # Read-only properties, so an implementation may expose more specific repository types.
    @property
    def organisations(self) -> OrganisationRepository: ...
    @property
    def users(self) -> UserRepository: ...
    @property
    def api_keys(self) -> ApiKeyRepository: ...
    @property
    def sessions(self) -> SessionRepository: ...
    @property
    def stations(self) -> StationRepository: ...
    @property
    def vehicles(self) -> VehicleRepository: ...
    @property
    def drivers(self) -> DriverRepository: ...
    @property
    def orders(self) -> OrderRepository: ...
    @property
    def order_fixes(self) -> OrderFixRepository: ...
    @property
    def idempotency(self) -> IdempotencyRepository: ...
    @property
    def plans(self) -> PlanVersionRepository: ...
    @property
    def scans(self) -> ScanRepository: ...
    @property
    def assignments(self) -> AssignmentRepository: ...
    @property
    def departures(self) -> DepartureRepository: ...
    @property
    def route_ends(self) -> RouteEndRepository: ...
    @property
    def exceptions(self) -> ExceptionRepository: ...
    @property
    def inspections(self) -> InspectionRepository: ...
    @property
    def maintenance(self) -> MaintenanceRepository: ...
    @property
    def duty(self) -> DutyRepository: ...
    @property
    def route_assignments(self) -> RouteAssignmentRepository: ...
    @property
    def tracking(self) -> TrackingRepository: ...
    @property
    def messages(self) -> MessageRepository: ...
    @property
    def subscriptions(self) -> SubscriptionRepository: ...
    @property
    def deliveries(self) -> DeliveryRepository: ...
    @property
    def positions(self) -> PositionRepository: ...
    @property
    def carriers(self) -> CarrierRepository: ...
    @property
    def rate_cards(self) -> RateCardRepository: ...
    @property
    def handoffs(self) -> HandoffRepository: ...
    @property
    def carrier_connections(self) -> CarrierConnectionRepository: ...

    def savepoint(self) -> AbstractContextManager[None]:
        """A nested transaction: leaving it with an error undoes only what happened inside."""
        ...

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    def commit(self) -> None:
        """Commit; raises Conflict when a uniqueness rule was broken by a concurrent writer."""
        ...


# -- partner carriers ------------------------------------------------------------------------


class CarrierGateway(Protocol):
    """A partner carrier's API, karrio style: an adapter per kind of carrier translates these
    calls to its wire format (a pure translator) and sends them (an IO class). Every failure
    is a ``CarrierError`` (temporary or not); nothing else escapes."""

    def quote(self, request: ShipmentRequest) -> CarrierQuote: ...
    def book(self, request: ShipmentRequest) -> Booking:
        """Book the shipment; the same ``request.idempotency_key`` again returns the first
        booking, never a second one (so a retry after a lost answer is safe)."""
        ...

    def cancel(self, booking_id: str) -> None:
        """Cancel a booking; cancelling a cancelled one is fine."""
        ...

    def label(self, booking_id: str) -> bytes:
        """The booking's label, a PDF."""
        ...

    def events(self, booking_id: str) -> Sequence[TrackingEvent]:
        """Every event the carrier has of the booking, in any order."""
        ...

    def webhook_events(self, body: bytes) -> Sequence[TrackingEvent]:
        """The events of a webhook's body (signature already checked); pure translation."""
        ...


class CarrierGateways(Protocol):
    """Makes the gateway for a carrier's stored connection."""

    def __call__(self, carrier_code: str, connection: CarrierConnection) -> CarrierGateway: ...


# -- notification channels -----------------------------------------------------------------


class EmailSender(Protocol):
    def send(
        self, *, to: str, subject: str, text: str, html: str | None = None, to_name: str = ""
    ) -> SendResult:
        """One attempt to send ``text`` (and ``html`` as its alternative) to the address ``to``.

        Never raises for the server's refusals or for network failures: the result says
        whether it was accepted, and whether another attempt may help (SMTP 4xx) or not (5xx).
        ``reference`` is the Message-ID the sender set.
        """
        ...


class SmsSender(Protocol):
    def send(self, to: str, body: str, *, status_callback: str | None = None) -> SendResult:
        """One attempt to send ``body`` to the E.164 number ``to``; ``status_callback`` is the
        URL the provider reports the message's delivery to. Failures come back as results;
        ``reference`` is the provider's message id."""
        ...


class WebhookSender(Protocol):
    def send(
        self,
        url: str,
        body: bytes,
        *,
        secret: str,
        msg_id: str,
        timestamp: int,
        previous_secrets: Sequence[str] = (),
        content_type: str = "application/json",
    ) -> SendResult:
        """One attempt to POST ``body`` to ``url`` with Standard Webhooks headers: ``msg_id``
        is the event's (the same on every retry), ``timestamp`` the attempt's Unix seconds.
        Accepted only on 2xx; 410 Gone is permanent, every other failure temporary."""
        ...


class MessageRepository(Protocol):
    def settings(self, organisation_id: str) -> MessageSettings | None: ...
    def save_settings(self, settings: MessageSettings) -> None: ...
    def add_new(self, messages: Sequence[Message]) -> int:
        """Store the messages whose (organisation, key, channel) is not stored yet; how many.
        Each one stored supersedes the queued ones it replaces (``Message.supersedes``), one
        order's queueing at a time."""
        ...

    def claim(self, now: datetime, until: datetime, limit: int) -> builtins.list[Message]:
        """Queued messages of any organisation whose time has come, oldest first, each put
        off to ``until`` (a lease: no other worker takes them meanwhile)."""
        ...

    def update(self, message: Message) -> None:
        """Record an attempt; a message superseded meanwhile stays so unless it was sent."""
        ...

    def list(
        self, organisation_id: str, *, order_id: str | None = None, limit: int = 100
    ) -> builtins.list[Message]:
        """The newest messages first (of one order, or all)."""
        ...

    def contacts(self, organisation_id: str, order_ids: Sequence[str]) -> dict[str, Contact]: ...


class SubscriptionRepository(Protocol):
    def add(self, subscription: Subscription) -> None: ...
    def get(self, organisation_id: str, subscription_id: str) -> Subscription | None: ...
    def update(self, subscription: Subscription) -> None: ...
    def list(self, organisation_id: str) -> builtins.list[Subscription]: ...


class DeliveryRepository(Protocol):
    def add_new(self, deliveries: Sequence[Delivery]) -> int:
        """Store the deliveries whose (subscription, key) is not stored yet; how many."""
        ...

    def claim(self, now: datetime, until: datetime, limit: int) -> builtins.list[Delivery]:
        """Pending deliveries of any organisation whose next attempt is due, oldest first,
        each put off to ``until`` (a lease, as for messages)."""
        ...

    def get(self, organisation_id: str, delivery_id: str) -> Delivery | None: ...
    def update(self, delivery: Delivery) -> None: ...
    def list(
        self,
        organisation_id: str,
        *,
        subscription_id: str | None = None,
        status: str | None = None,
        limit: int = 100,
    ) -> builtins.list[Delivery]:
        """The newest first."""
        ...


class MessageTemplates(Protocol):
    def render(
        self,
        trigger: Trigger,
        channel: Channel,
        language: str,
        facts: Mapping[str, object],
        own: TemplateText | None = None,
    ) -> tuple[str, str]:
        """The subject and body of a message, from the organisation's ``own`` wording or the
        default one; InvalidValue for a template that does not render."""
        ...


class Broadcaster(Protocol):
    """Tells the open web pages that something changed, so they fetch it (server-sent events).

    Called only after the transaction committed, with small JSON payloads that say what changed
    (ids, statuses, counts), never whole objects: a page refetches what it shows. Never raises:
    a lost notice only delays a page until its next refresh, and the change is already stored.
    """

    def publish(self, channel: str, payload: Mapping[str, object]) -> None:
        """Send ``payload`` to every subscriber of ``channel``, in every server process."""
        ...

    def publish_many(self, notices: Sequence[tuple[str, Mapping[str, object]]]) -> None:
        """Send several ``(channel, payload)`` notices at once (one round trip where it counts)."""
        ...
