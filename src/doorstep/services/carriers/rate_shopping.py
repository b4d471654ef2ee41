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

**Live quotes** (``live``, a ``LiveQuotes``; None prices from cards alone, as allocation
batches do): each partner the cards find feasible and that has a stored API connection is
asked for a quote through its gateway, after the reading transaction has ended and on a
thread of its own, so all partners answer at once while the own fleet is costed; whatever
has not answered ``timeout_s`` after the asking began is given up (a partner's slowness costs
the shopping at most that, never the sum of the partners' timeouts). A quote's price and
promise become the option's, the card's price kept beside it
(``domain.rate_shopping.with_live_quote``); a failed one (``CarrierError``: 4xx, 5xx, a
malformed answer) or a late one leaves the card's price, with the reason. Partners without a
connection are priced by their cards, and not asked.

Nothing is stored by shopping. ``allocate`` records a choice (one row per order; allocating
again replaces it), so the next order's shopping counts its parcels against that carrier's
capacity of the day; it hands nothing over and plans nothing: an order allocated to the own
fleet still goes on a route by planning (``doorstep plan``, or a live ``add-order``).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import Future, wait
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, tzinfo
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from doorstep.domain.carriers import Carrier, CarrierKind, ServiceLevel
from doorstep.domain.errors import CarrierError, Conflict, InvalidValue, NotFound
from doorstep.domain.fleet import SpeedProfile
from doorstep.domain.handoffs import CarrierConnection, CarrierQuote, ShipmentRequest
from doorstep.domain.orders import Order
from doorstep.domain.permissions import Permission
from doorstep.domain.rate_shopping import (
    Allocation,
    FleetCost,
    Need,
    Option,
    PriceBasis,
    Pricing,
    QuoteFailed,
    card_basis,
    judge,
    needed_level,
    ranked,
    used_day,
    with_live_quote,
)
from doorstep.domain.rates import RateCard, Shipment, price, show_money
from doorstep.domain.stations import Station
from doorstep.planning.travel import TravelUnavailable, UnroutablePoint
from doorstep.services.authorization import Principal, require
from doorstep.services.carriers.registry import find_carrier
from doorstep.services.carriers.shipments import shipment_request
from doorstep.services.orders import orders_matching
from doorstep.services.planning.day import COST_UNITS
from doorstep.services.planning.live import LivePorts, try_order
from doorstep.services.ports import CarrierGateways, OrderFilter, UnitOfWork

CENTS = 100
UNITS_PER_CENT = COST_UNITS // CENTS  # 1,000 cost units are one cent
LIVE_QUOTE_TIMEOUT_S = 3.0  # all partners' live quotes, together; a person is waiting


@dataclass(frozen=True)
class LiveQuotes:
    """What asking partners for live quotes takes: their gateways, and how long the shopping
    waits for all of them together (seconds)."""

    gateways: CarrierGateways
    timeout_s: float = LIVE_QUOTE_TIMEOUT_S


@dataclass(frozen=True)
class Shopping:
    """One order's options, cheapest feasible first, and what they were judged on."""

    order: Order
    need: Need
    distance_km: float | None
    options: tuple[Option, ...]
    day: date  # whose capacity the order takes: its service date, else today
    notes: tuple[str, ...] = ()
    live: bool = False  # whether partners with an API connection were asked for live quotes
    bases: Mapping[str, PriceBasis] = field(default_factory=dict)  # by carrier id

    @property
    def chosen(self) -> Option | None:
        return next((option for option in self.options if option.chosen), None)

    def basis(self, option: Option) -> PriceBasis:
        """How ``option`` was priced: a live quote, its rate card (a failed quote's reason
        with it), or the own fleet's plan."""
        return self.bases.get(option.carrier_id) or card_basis(option)


@dataclass(frozen=True)
class _Gathered:
    order: Order
    station: Station | None
    currency: str
    carriers: list[Carrier]
    cards: dict[tuple[str, ServiceLevel], RateCard]
    used: dict[str, int]
    vehicles: dict[str, str]  # names by id
    connections: dict[str, CarrierConnection]  # partners' API connections by carrier id


def shop(
    principal: Principal,
    reference: str,
    *,
    ports: LivePorts,
    live: LiveQuotes | None = None,
) -> Shopping:
    """The order's options; see the module docstring. ``ports.uow`` may be a reader; with
    ``live`` None every partner is priced by its card and none is asked."""
    require(principal, Permission.ORDERS_READ)
    require(principal, Permission.NETWORK_READ)
    now = ports.clock.now()
    found = _gather(principal, reference, ports.uow, now, connections=live is not None)
    order, station = found.order, found.station
    zone: tzinfo = ZoneInfo(station.timezone) if station is not None else UTC
    notes: list[str] = []
    distance = _distance_km(station, order, ports, notes)
    need = needed_level(order, now, zone)

    def judged(carrier: Carrier, pricing: Pricing) -> Option:
        used = found.used.get(carrier.id, 0)
        return judge(carrier, order, need, pricing, used_parcels=used, booked_at=now, zone=zone)

    partners = [
        judged(carrier, _quote(found.cards.get((carrier.id, need.level)), order, distance))
        for carrier in found.carriers
        if carrier.kind is not CarrierKind.OWN_FLEET
    ]
    # Asked before the own fleet is costed: the partners answer while the planner works.
    asked = _ask(partners, found, need, live, now) if live is not None else None
    fleet: FleetCost | None = None
    own = []
    for carrier in found.carriers:
        if carrier.kind is CarrierKind.OWN_FLEET:
            fleet = fleet or _fleet_cost(principal, order, found, ports)
            own.append(judged(carrier, fleet))
    bases: dict[str, PriceBasis] = {}
    if asked is not None:
        answers = asked.answers()
        for n, option in enumerate(partners):
            answer = answers.get(option.carrier_id)
            if answer is not None:
                partners[n], bases[option.carrier_id] = with_live_quote(option, answer, need, zone)
    day = used_day(order, now, zone)
    options = ranked([*own, *partners])
    return Shopping(
        order, need, distance, options, day, tuple(notes), live=live is not None, bases=bases
    )


@dataclass(frozen=True)
class _Asked:
    """Live quotes under way, one thread each, given up together at ``deadline``."""

    futures: dict[str, Future[CarrierQuote]]  # by carrier id
    deadline: float  # time.monotonic()
    timeout_s: float

    def answers(self) -> dict[str, CarrierQuote | QuoteFailed]:
        """Each partner's quote, or why there is none: its ``CarrierError``, or the timeout
        (a quote still under way then is left to finish, and its answer dropped)."""
        left = max(self.deadline - time.monotonic(), 0.0)
        done, _ = wait(self.futures.values(), timeout=left)
        found: dict[str, CarrierQuote | QuoteFailed] = {}
        for carrier_id, future in self.futures.items():
            if future not in done:
                found[carrier_id] = QuoteFailed(f"timeout after {self.timeout_s:g} s")
                continue
            try:
                found[carrier_id] = future.result()
            except CarrierError as error:  # the port's one failure; anything else is a bug
                found[carrier_id] = QuoteFailed(error.message)
        return found


def _ask(
    options: Iterable[Option], found: _Gathered, need: Need, live: LiveQuotes, now: datetime
) -> _Asked:
    """Ask every feasible partner with a connection for a quote, each on a thread of its own.

    Daemon threads rather than a ``ThreadPoolExecutor``: its workers are joined when the
    interpreter exits, so a command line run would wait out a hung partner's whole HTTP
    timeout after printing; a partner given up on must cost nothing more."""
    futures: dict[str, Future[CarrierQuote]] = {}
    for option in options:
        connection = found.connections.get(option.carrier_id)
        if not option.feasible or connection is None:
            continue
        request = shipment_request(found.order, found.station, need.level, now)
        future: Future[CarrierQuote] = Future()
        ask = _asker(live.gateways, option.carrier_code, connection, request)
        threading.Thread(
            target=_run, args=(future, ask), name=f"quote-{option.carrier_code}", daemon=True
        ).start()
        futures[option.carrier_id] = future
    return _Asked(futures, time.monotonic() + live.timeout_s, live.timeout_s)


def _asker(
    gateways: CarrierGateways, code: str, connection: CarrierConnection, request: ShipmentRequest
) -> Callable[[], CarrierQuote]:
    return lambda: gateways(code, connection).quote(request)


def _run(future: Future[CarrierQuote], ask: Callable[[], CarrierQuote]) -> None:
    if not future.set_running_or_notify_cancel():
        return
    try:
        future.set_result(ask())
    except BaseException as error:  # handed to the waiting thread, as an executor would
        future.set_exception(error)


def allocate(
    principal: Principal,
    reference: str,
    carrier_reference: str | None = None,
    *,
    ports: LivePorts,
    live: LiveQuotes | None = None,
) -> tuple[Shopping, Option]:
    """Give the order to ``carrier_reference`` (code or id), or to the cheapest feasible
    option (by live prices when ``live`` is given), and record it so its parcels count
    against that carrier's capacity of the day. A named carrier must be among the order's
    feasible options (Conflict with its reasons)."""
    require(principal, Permission.ORDERS_WRITE)
    shopping = shop(principal, reference, ports=ports, live=live)
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


def _gather(
    principal: Principal, reference: str, uow: UnitOfWork, now: datetime, *, connections: bool
) -> _Gathered:
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
        connected = {}
        partners = [c for c in carriers if c.kind is CarrierKind.PARTNER] if connections else []
        for carrier in partners:
            connection = uow.carrier_connections.get(org, carrier.id)
            if connection is not None:
                connected[carrier.id] = connection
    currency = organisation.currency if organisation is not None else "EUR"
    return _Gathered(order, station, currency, carriers, cards, used, vehicles, connected)


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
