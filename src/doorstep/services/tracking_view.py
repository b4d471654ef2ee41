"""What the recipient's tracking page shows, and nothing more.

Shown: the status in the recipient's words, the day and an ETA window, the driver's first
name once the order is on a published route, the vehicle's last known position only while
the order's stop is among the route's next ``NEXT_STOPS_SHOWN`` open stops, and after
delivery the proof (kind, name given, time, files). Never: other orders or stops, the
driver's full name, phone numbers, the access notes (they may hold door codes) or ids.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from doorstep.domain.geo import Location
from doorstep.domain.order_status import FINAL, OrderStatus
from doorstep.domain.orders import DeliveryPreferences, Order, OrderKind
from doorstep.domain.proofs import Proof
from doorstep.domain.scans import ScanEvent, ScanKind
from doorstep.domain.schedules import TimeWindow
from doorstep.domain.tracking import (
    CUSTOMER_WORDS,
    NEXT_STOPS_SHOWN,
    PREFERENCES_ALLOWED,
    RESCHEDULE_ALLOWED,
    TrackingToken,
    first_name,
)
from doorstep.planning.plan import Route
from doorstep.planning.versions import PlanVersion
from doorstep.services.dispatch import drivers_of_day
from doorstep.services.ports import EtaWindows, UnitOfWork

_DONE = frozenset({OrderStatus.DELIVERED, OrderStatus.FAILED_ATTEMPT})


@dataclass(frozen=True)
class PlannedEta:
    """The plan's time at the stop, widened by ``margin`` and rounded outwards to ``step``;
    before planning, the order's own earliest window. Replaced by a live ETA engine later."""

    margin: timedelta = timedelta(minutes=30)
    step: timedelta = timedelta(minutes=15)

    def eta_window(self, order: Order, planned_arrival: datetime | None) -> TimeWindow | None:
        if order.status in FINAL:
            return None
        if planned_arrival is None:
            return min(order.time_windows, key=lambda w: w.start_at, default=None)
        start = _floor(planned_arrival - self.margin, self.step)
        end = _floor(planned_arrival + self.margin, self.step)
        return TimeWindow(start, end if end == planned_arrival + self.margin else end + self.step)


def _floor(instant: datetime, step: timedelta) -> datetime:
    into_hour = timedelta(minutes=instant.minute, seconds=instant.second)
    into_hour += timedelta(microseconds=instant.microsecond)
    return instant - into_hour % step


@dataclass(frozen=True)
class VehiclePosition:
    location: Location
    at: datetime


@dataclass(frozen=True)
class DeliveryProof:
    kind: str  # safe_place, neighbour, signature, photo or handed_over
    recipient_name: str
    at: datetime
    where: str  # the safe place or the neighbour, when left there
    files: tuple[str, ...]  # SHA-256 of the photo and signature


@dataclass(frozen=True)
class TrackingView:
    shipper: str
    shipper_reference: str
    kind: OrderKind
    status: OrderStatus
    headline: str
    service_date: date | None
    eta: TimeWindow | None
    driver_first_name: str
    stops_before: int | None  # open stops before this one, while the vehicle is shown
    vehicle: VehiclePosition | None
    proof: DeliveryProof | None
    preferences: DeliveryPreferences
    has_access_notes: bool
    can_change_preferences: bool
    can_reschedule: bool
    link_expires_at: datetime
    # Handed to a partner carrier: who carries it and its tracking number there.
    partner: PartnerTracking | None = None


@dataclass(frozen=True)
class PartnerTracking:
    carrier: str  # the carrier's name
    tracking_number: str


@dataclass(frozen=True)
class _Spot:
    """Where a published route has the order: the planned time, the driver, how near it is."""

    arrival: datetime
    driver: str
    ahead: int | None
    vehicle: VehiclePosition | None


def view(
    uow: UnitOfWork, link: TrackingToken, order: Order, now: datetime, eta: EtaWindows
) -> TrackingView:
    spot = _spot(uow, order)
    proof = delivery_proof(uow, order) if order.status is OrderStatus.DELIVERED else None
    # Scans and pings are stored in UTC; the customer reads the station's clock.
    station = uow.stations.get(order.organisation_id, order.station_id or "")
    if station is not None:
        zone = ZoneInfo(station.timezone)
        if proof is not None:
            proof = replace(proof, at=proof.at.astimezone(zone))
        if spot is not None and spot.vehicle is not None:
            spot = replace(spot, vehicle=replace(spot.vehicle, at=spot.vehicle.at.astimezone(zone)))
    return TrackingView(
        order.shipper, order.shipper_reference, order.kind, order.status,
        CUSTOMER_WORDS[order.status], order.service_date,
        eta.eta_window(order, spot.arrival if spot else None),
        spot.driver if spot else "", spot.ahead if spot else None,
        spot.vehicle if spot else None, proof, order.preferences, bool(order.access_notes),
        order.status in PREFERENCES_ALLOWED,
        # A stop on a published route is the driver's to serve: the page offers no other time
        # (tracking_actions.reschedule refuses one, and only the station moves it).
        order.status in RESCHEDULE_ALLOWED and spot is None,
        link.ends_at(order), _partner(uow, order),
    )  # fmt: skip


def _partner(uow: UnitOfWork, order: Order) -> PartnerTracking | None:
    handoff = uow.handoffs.open_of_order(order.organisation_id, order.id)
    if handoff is None:
        return None
    carrier = uow.carriers.get(order.organisation_id, handoff.carrier_id)
    name = carrier.name if carrier is not None else handoff.carrier_code
    return PartnerTracking(name, handoff.tracking_number)


def _spot(uow: UnitOfWork, order: Order) -> _Spot | None:
    if order.station_id is None or order.service_date is None:
        return None
    version = uow.plans.published(order.organisation_id, order.station_id, order.service_date)
    route = version.plan.route_of(order.id) if version else None
    if version is None or route is None:
        return None
    visit = next(v for v in route.visits if v.stop_id == order.id)
    ahead, vehicle = None, None
    if order.status is OrderStatus.OUT_FOR_DELIVERY:
        ahead, vehicle = _nearness(uow, version, route, order)
    return _Spot(version.at(visit.start_s), _driver(uow, version, route), ahead, vehicle)


def _driver(uow: UnitOfWork, version: PlanVersion, route: Route) -> str:
    driver_id = drivers_of_day(uow, version).get(route.vehicle_id)
    driver = uow.drivers.get(version.organisation_id, driver_id) if driver_id else None
    return first_name(driver.name) if driver else ""


def _nearness(
    uow: UnitOfWork, version: PlanVersion, route: Route, order: Order
) -> tuple[int | None, VehiclePosition | None]:
    """Open stops before the order's, and the vehicle's position if it is near enough."""
    org = order.organisation_id
    stops = uow.orders.get_many(org, list(route.stop_ids))
    barcodes = {s: [p.barcode for p in o.parcels] for s, o in stops.items()}
    states = uow.scans.states(org, [b for codes in barcodes.values() for b in codes])

    def still_open(stop_id: str) -> bool:
        codes = barcodes.get(stop_id, [])
        return any(b not in states or states[b][1].status not in _DONE for b in codes)

    open_stops = [s for s in route.stop_ids if still_open(s)]
    if order.id not in open_stops:
        return None, None
    ahead = open_stops.index(order.id)
    if ahead >= NEXT_STOPS_SHOWN:
        return None, None
    every = [b for codes in barcodes.values() for b in codes]
    return ahead, _last_position(uow, org, every, version)


def _last_position(
    uow: UnitOfWork, org: str, barcodes: list[str], version: PlanVersion
) -> VehiclePosition | None:
    """The latest scan of the route's parcels today that carried a position (until the
    vehicle sends GPS pings of its own)."""
    zone = version.epoch.tzinfo or ZoneInfo("UTC")
    placed = [
        r.event
        for records in uow.scans.of_barcodes(org, barcodes).values()
        for r in records
        if r.event.position is not None and r.problem is None
        and r.event.device_time.astimezone(zone).date() == version.service_date
    ]  # fmt: skip
    latest = max(placed, key=lambda e: e.device_time, default=None)
    if latest is None or latest.position is None:
        return None
    return VehiclePosition(latest.position, latest.device_time)


def delivery_proof(uow: UnitOfWork, order: Order) -> DeliveryProof | None:
    """The proof of the order's latest delivery scan that applied, if it was delivered."""
    if order.status is not OrderStatus.DELIVERED:
        return None
    records = uow.scans.of_barcodes(order.organisation_id, [p.barcode for p in order.parcels])
    delivered = [
        r.event
        for rs in records.values()
        for r in rs
        if r.event.kind is ScanKind.DELIVER and r.problem is None
    ]
    latest = max(delivered, key=lambda e: e.device_time, default=None)
    return _proof(latest) if latest else None


def _proof(event: ScanEvent) -> DeliveryProof:
    given = event.proof or Proof()
    kind = (
        "safe_place" if given.safe_place
        else "neighbour" if given.neighbour
        else "signature" if given.signature_sha256
        else "photo" if given.photo_sha256
        else "handed_over"
    )  # fmt: skip
    where = given.safe_place or given.neighbour
    return DeliveryProof(kind, given.recipient_name, event.device_time, where, given.files)
