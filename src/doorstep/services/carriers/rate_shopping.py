"""Rate shopping for one order: every active carrier, why it can or cannot serve the order, its
price and promise, cheapest feasible first (the rules are ``domain.rate_shopping``'s).

What this module gathers (the IO):

- the order (by id, or by shipper reference: ``REF`` when one shipper uses it, else
  ``SHIPPER/REF``), its station (time zone and location) and the organisation's currency;
- the active carriers, their rate cards, and the parcels already allocated to each on the
  order's day (``carrier_allocations``; the order's own allocation left out);
- the road distance from the station to the order: one 1 x 1 ``TravelTimes.matrix`` with the
  van profile, metres / 1000, for cards zoned by distance (None when the roads cannot answer:
  such cards then refuse, saying so);
- for the own fleet, the marginal cost of the order's cheapest feasible insertion into its
  station and day's latest plan version (``services.planning.live.try_order``), converted from
  the plan's cost units (``COST_UNITS`` per unit of currency) to cents, rounded half-up; "no
  room" with the planner's reason when it fits nowhere, or when the day has no plan.

Nothing is stored by shopping. ``allocate`` records a choice (one row per order; allocating
again replaces it), so the next order's shopping counts its parcels against that carrier's
capacity of the day; it hands nothing over and plans nothing: an order allocated to the own
fleet still goes on a route by planning (``doorstep plan``, or a live ``add-order``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, tzinfo
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from doorstep.domain.carriers import Carrier, CarrierKind, ServiceLevel
from doorstep.domain.errors import Conflict, InvalidValue, NotFound
from doorstep.domain.fleet import SpeedProfile
from doorstep.domain.orders import Order
from doorstep.domain.permissions import Permission
from doorstep.domain.rate_shopping import (
    Allocation,
    FleetCost,
    Need,
    Option,
    Pricing,
    judge,
    needed_level,
    ranked,
    used_day,
)
from doorstep.domain.rates import RateCard, Shipment, price, show_money
from doorstep.domain.stations import Station
from doorstep.planning.travel import TravelUnavailable, UnroutablePoint
from doorstep.services.authorization import Principal, require
from doorstep.services.carriers.registry import find_carrier
from doorstep.services.orders import orders_matching
from doorstep.services.planning.day import COST_UNITS
from doorstep.services.planning.live import LivePorts, try_order
from doorstep.services.ports import OrderFilter, UnitOfWork

CENTS = 100
UNITS_PER_CENT = COST_UNITS // CENTS  # 1,000 cost units are one cent


@dataclass(frozen=True)
class Shopping:
    """One order's options, cheapest feasible first, and what they were judged on."""

    order: Order
    need: Need
    distance_km: float | None
    options: tuple[Option, ...]
    day: date  # whose capacity the order takes: its service date, else today
    notes: tuple[str, ...] = ()

    @property
    def chosen(self) -> Option | None:
        return next((option for option in self.options if option.chosen), None)


@dataclass(frozen=True)
class _Gathered:
    order: Order
    station: Station | None
    currency: str
    carriers: list[Carrier]
    cards: dict[tuple[str, ServiceLevel], RateCard]
    used: dict[str, int]
    vehicles: dict[str, str]  # names by id


def shop(principal: Principal, reference: str, *, ports: LivePorts) -> Shopping:
    """The order's options; see the module docstring. ``ports.uow`` may be a reader."""
    require(principal, Permission.ORDERS_READ)
    require(principal, Permission.NETWORK_READ)
    now = ports.clock.now()
    found = _gather(principal, reference, ports.uow, now)
    order, station = found.order, found.station
    zone: tzinfo = ZoneInfo(station.timezone) if station is not None else UTC
    notes: list[str] = []
    distance = _distance_km(station, order, ports, notes)
    need = needed_level(order, now, zone)
    fleet: FleetCost | None = None
    options = []
    for carrier in found.carriers:
        pricing: Pricing
        if carrier.kind is CarrierKind.OWN_FLEET:
            fleet = fleet or _fleet_cost(principal, order, found, ports)
            pricing = fleet
        else:
            pricing = _quote(found.cards.get((carrier.id, need.level)), order, distance)
        options.append(
            judge(
                carrier,
                order,
                need,
                pricing,
                used_parcels=found.used.get(carrier.id, 0),
                booked_at=now,
                zone=zone,
            )
        )
    day = used_day(order, now, zone)
    return Shopping(order, need, distance, ranked(options), day, tuple(notes))


def allocate(
    principal: Principal, reference: str, carrier_reference: str | None = None, *, ports: LivePorts
) -> tuple[Shopping, Option]:
    """Give the order to ``carrier_reference`` (code or id), or to the cheapest feasible
    option, and record it so its parcels count against that carrier's capacity of the day.
    A named carrier must be among the order's feasible options (Conflict with its reasons)."""
    require(principal, Permission.ORDERS_WRITE)
    shopping = shop(principal, reference, ports=ports)
    if carrier_reference is None:
        option = shopping.chosen
        if option is None:
            raise Conflict("no carrier can serve the order; see its options for why")
    else:
        with ports.uow as uow:
            carrier = find_carrier(uow, principal.organisation_id, carrier_reference)
        option = next((o for o in shopping.options if o.carrier_id == carrier.id), None)
        if option is None:
            raise Conflict(f"carrier {carrier.code} is not active", field="carrier")
        if not option.feasible:
            raise Conflict(
                f"{carrier.code} cannot serve the order: {'; '.join(option.reasons)}",
                field="carrier",
            )
    order = shopping.order
    now = ports.clock.now()
    with ports.uow as uow:
        uow.carriers.allocate(
            Allocation(
                principal.organisation_id,
                order.id,
                option.carrier_id,
                shopping.day,
                len(order.parcels),
                now,
            )
        )
        uow.commit()
    return shopping, option


def find_order(uow: UnitOfWork, organisation_id: str, reference: str) -> Order:
    """An order by id, by shipper reference (when one shipper uses it), or SHIPPER/REF."""
    found = uow.orders.get(organisation_id, reference)
    if found is not None:
        return found
    shipper, _, ref = reference.rpartition("/")
    where = OrderFilter(shipper=shipper or None, shipper_reference=ref)
    matches = orders_matching(uow, organisation_id, where)
    if not matches:
        raise NotFound("order", reference, "give the order's id or its shipper reference")
    if len(matches) > 1:
        shippers = ", ".join(sorted(f"{o.shipper}/{o.shipper_reference}" for o in matches))
        raise InvalidValue(
            "order", f"{len(matches)} orders have reference {ref!r}; name one of {shippers}"
        )
    return matches[0]


def _gather(principal: Principal, reference: str, uow: UnitOfWork, now: datetime) -> _Gathered:
    org = principal.organisation_id
    with uow:
        order = find_order(uow, org, reference)
        station = uow.stations.get(org, order.station_id) if order.station_id else None
        zone: tzinfo = ZoneInfo(station.timezone) if station is not None else UTC
        organisation = uow.organisations.get(org)
        carriers = [c for c in uow.carriers.list(org) if c.active]
        cards = uow.rate_cards.list(org)
        used = uow.carriers.allocated(org, used_day(order, now, zone), exclude_order=order.id)
        vehicles = {v.id: v.name for v in uow.vehicles.list(org)}
    currency = organisation.currency if organisation is not None else "EUR"
    return _Gathered(order, station, currency, carriers, cards, used, vehicles)


def _distance_km(
    station: Station | None, order: Order, ports: LivePorts, notes: list[str]
) -> float | None:
    if station is None or order.location is None:
        notes.append("no road distance: the order has no station or no location")
        return None
    try:
        matrix = ports.travel.matrix([station.location], [order.location], profile=SpeedProfile.VAN)
    except (TravelUnavailable, UnroutablePoint) as error:
        notes.append(f"no road distance: {error}")
        return None
    return int(matrix.distances_m[0, 0]) / 1000


def _quote(card: RateCard | None, order: Order, distance_km: float | None) -> Pricing:
    if card is None or not order.parcels:
        return None
    return price(card, Shipment(order.parcels, order.address.postcode or None, distance_km))


def to_cents(units: int) -> int:
    """Plan cost units as whole cents, rounded half-up (half a cent away from zero)."""
    return int((Decimal(units) / UNITS_PER_CENT).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _fleet_cost(
    principal: Principal, order: Order, found: _Gathered, ports: LivePorts
) -> FleetCost:
    currency = found.currency
    try:
        trial = try_order(principal, order, ports=ports)
    except NotFound:
        day = order.service_date.isoformat() if order.service_date else "its day"
        return FleetCost(None, currency, f"no room: {day} has no plan at the order's station yet")
    except (InvalidValue, Conflict) as error:
        return FleetCost(None, currency, f"no room: {getattr(error, 'message', str(error))}")
    except (TravelUnavailable, UnroutablePoint) as error:
        return FleetCost(None, currency, f"no room: the roads cannot answer ({error})")
    route = trial.route
    plan = f"plan {trial.base.number}"
    if route is None:
        left = next((u for u in trial.after.unassigned if u.stop_id == order.id), None)
        why = left.reason.message if left is not None and left.reason is not None else ""
        return FleetCost(None, currency, f"no room in {plan}: {why or 'no van can take it'}")
    cents = to_cents(trial.marginal_cost)
    visit = next(v for v in route.visits if v.stop_id == order.id)
    position = route.stop_ids.index(order.id) + 1
    how = "already planned; its share" if trial.planned else "cheapest feasible insertion"
    explanation = (
        f"{how}: {plan}, {found.vehicles.get(route.vehicle_id, route.vehicle_id)}, "
        f"stop {position} of {len(route.visits)}, "
        f"+{show_money(cents, currency)} marginal cost"
    )
    return FleetCost(cents, currency, explanation, trial.base.at(visit.start_s))
