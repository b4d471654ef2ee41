"""Rate shopping for one order: which carriers can serve it, at what price, by when, and why not.

Pure: the service gathers the carriers, their rate cards, the parcels already allocated to
each on the day and the own fleet's marginal cost, and these functions decide.

**The service level an order needs** (``needed_level``), from its windows and its day, in the
station's time zone:

- an order with time windows needs ``scheduled``: the customer was given a window, and only a
  carrier that delivers inside the order's own window keeps it; its deadline is the latest
  window's end;
- without windows, an order due today (its service date is the day it is shopped, or past)
  needs ``same_day``, by the end of today;
- without windows, an order due later (or without a service date) needs ``next_day``, by the
  end of its service date (no deadline without one).

A carrier serves the level only if it offers exactly that level, and its promise (``Promise``,
booked now) is due no later than the order's deadline: a next-day carrier cannot take an
order due today, and a same-day carrier booked after its cutoff delivers tomorrow, too late.

**Capacity** is counted in parcels per day: the parcels of the orders already allocated to the
carrier on the order's day (its service date, else today), the order itself excepted, plus
the order's parcels must not pass ``capacity_per_day``.

Every check is made and every failing one reported, so a planner sees all that stands in the
way, not only the first. The options are sorted cheapest feasible first (ties by carrier
code), then the excluded ones by code; the first feasible one is chosen.

**Live quotes** (``with_live_quote``): a feasible partner with an API may be asked for a quote;
its price and promise then replace the card's (the card's price kept beside it, and the
difference when they disagree by more than a cent), so the ranking uses the live price. A
quote that failed leaves the card's price, with the reason.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta, tzinfo
from enum import StrEnum

from doorstep.domain.carriers import Carrier, CarrierKind, ServiceLevel, normal_postcode, order_tags
from doorstep.domain.errors import InvalidValue
from doorstep.domain.handoffs import CarrierQuote
from doorstep.domain.orders import Order, OrderKind, ProofKind
from doorstep.domain.rates import Quote, Refusal, exact, show_kg, show_money


@dataclass(frozen=True)
class Need:
    """The service level an order needs, its deadline (None: none) and why."""

    level: ServiceLevel
    deadline: datetime | None
    reason: str


def _end_of(day: date, zone: tzinfo) -> datetime:
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone)


def needed_level(order: Order, now: datetime, zone: tzinfo) -> Need:
    """The level the order needs when shopped at ``now``; see the module docstring."""
    if order.time_windows:
        end = max(window.end_at for window in order.time_windows)
        shown = end.astimezone(zone).strftime("%Y-%m-%d %H:%M")
        return Need(ServiceLevel.SCHEDULED, end, f"the order has a time window (ending {shown})")
    today = now.astimezone(zone).date()
    day = order.service_date
    if day is not None and day <= today:
        return Need(ServiceLevel.SAME_DAY, _end_of(today, zone), "the order is due today")
    if day is None:
        return Need(ServiceLevel.NEXT_DAY, None, "the order has no service date or window")
    return Need(ServiceLevel.NEXT_DAY, _end_of(day, zone), f"the order is due on {day.isoformat()}")


@dataclass(frozen=True)
class FleetCost:
    """The own fleet's answer for an order: the marginal cost of its cheapest feasible
    insertion into the day's latest plan (``cost_cents``, None: no room) and what it means."""

    cost_cents: int | None
    currency: str
    explanation: str
    due: datetime | None = None  # the planned start of service


Pricing = Quote | Refusal | FleetCost | None


@dataclass(frozen=True)
class Option:
    """One carrier for one order: feasible or not, its price and promise, and the reasons."""

    carrier_id: str
    carrier_code: str
    carrier_name: str
    kind: CarrierKind
    service_level: ServiceLevel
    feasible: bool
    price_cents: int | None
    currency: str | None
    due: datetime | None  # the latest delivery it promises (own fleet: the planned time)
    reasons: tuple[str, ...]  # why it cannot serve the order; empty when it can
    explanation: tuple[str, ...]  # how the price was made (quote lines, or the insertion)
    chosen: bool = False


def judge(
    carrier: Carrier,
    order: Order,
    need: Need,
    pricing: Pricing,
    *,
    used_parcels: int,
    booked_at: datetime,
    zone: tzinfo,
) -> Option:
    """``carrier``'s option for ``order``; ``pricing`` is its card's answer (partners) or the
    own fleet's insertion (own fleet), None when it has no card for the level."""
    reasons = [
        *_coverage(carrier, order),
        *_level(carrier, need),
        *_limits(carrier, order),
        *_tags(carrier, order),
        *_proof(carrier, order),
        *_collection(carrier, order),
        *_capacity(carrier, order, used_parcels),
    ]
    due: datetime | None = None
    if carrier.kind is CarrierKind.PARTNER and need.level in carrier.service_levels:
        due, late = _promise(carrier, order, need, booked_at, zone)
        reasons.extend(late)
    price_cents: int | None = None
    currency: str | None = None
    explanation: tuple[str, ...] = ()
    if isinstance(pricing, Quote):
        price_cents, currency = pricing.total_cents, pricing.currency
        explanation = tuple(
            f"{line.kind.value}: {show_money(line.amount_cents, pricing.currency)} ({line.reason})"
            for line in pricing.lines
        )
    elif isinstance(pricing, Refusal):
        reasons.append(f"its rate card does not price the order: {pricing.reason}")
    elif isinstance(pricing, FleetCost):
        currency, explanation, due = pricing.currency, (pricing.explanation,), pricing.due
        if pricing.cost_cents is None:
            reasons.append(pricing.explanation)
        else:
            price_cents = pricing.cost_cents
    elif carrier.kind is CarrierKind.PARTNER and need.level in carrier.service_levels:
        missing = f"it has no rate card for {need.level.value}"
        reasons.append(missing if order.parcels else "the order has no parcels to price")
    return Option(
        carrier.id,
        carrier.code,
        carrier.name,
        carrier.kind,
        need.level,
        not reasons,
        price_cents,
        currency,
        due,
        tuple(reasons),
        explanation,
    )


def ranked(options: Iterable[Option]) -> tuple[Option, ...]:
    """Cheapest feasible first (then by code), the rest by code; the first feasible chosen."""

    def key(option: Option) -> tuple[bool, bool, int, str]:
        cents = option.price_cents if option.feasible else None
        return (not option.feasible, cents is None, cents or 0, option.carrier_code)

    ordered = sorted(options, key=key)
    if ordered and ordered[0].feasible:
        ordered[0] = replace(ordered[0], chosen=True)
    return tuple(ordered)


def _coverage(carrier: Carrier, order: Order) -> Sequence[str]:
    if carrier.coverage.covers(order.address.postcode, order.location):
        return ()
    if carrier.coverage.empty:
        return ("it has no coverage area",)
    postcode = order.address.postcode
    where = f"postcode {normal_postcode(postcode)}" if postcode else "the order (no postcode)"
    if order.location is not None:
        where += f" at {order.location.lat:.5f}, {order.location.lon:.5f}"
    return (f"{where} is outside its coverage",)


def _level(carrier: Carrier, need: Need) -> Sequence[str]:
    if need.level in carrier.service_levels:
        return ()
    offered = ", ".join(sorted(level.value for level in carrier.service_levels))
    return (f"the order needs {need.level.value} ({need.reason}); it offers {offered}",)


def _limits(carrier: Carrier, order: Order) -> Sequence[str]:
    found = []
    for parcel in order.parcels:
        if carrier.max_weight_kg is not None and parcel.weight_kg > carrier.max_weight_kg:
            found.append(
                f"parcel {parcel.barcode} weighs {show_kg(exact(parcel.weight_kg))} kg, over "
                f"its limit of {show_kg(exact(carrier.max_weight_kg))} kg"
            )
        side = max(parcel.length_cm, parcel.width_cm, parcel.height_cm)
        if carrier.max_side_cm is not None and side > carrier.max_side_cm:
            found.append(
                f"parcel {parcel.barcode} has a side of {show_kg(exact(side))} cm, over its "
                f"limit of {show_kg(exact(carrier.max_side_cm))} cm"
            )
    return found


def _proof(carrier: Carrier, order: Order) -> Sequence[str]:
    """A partner that does not capture the proof the order asks for could not deliver it
    (its delivery would be refused for want of proof). A minimum-age check is the age_check
    tag, reported by ``_tags``."""
    kind = order.proof.kind
    if kind is ProofKind.MINIMUM_AGE or carrier.captures(kind):
        return ()
    return (f"the order needs a {kind.value} proof, which it does not capture",)


def _collection(carrier: Carrier, order: Order) -> Sequence[str]:
    """Partners deliver: a pickup (a return to collect from the customer) stays with the own
    fleet, since a partner's events have no "collected" status to bring it back to us."""
    if carrier.kind is CarrierKind.PARTNER and order.kind is OrderKind.PICKUP:
        return ("the order is a pickup to collect, and partners only deliver",)
    return ()


def _tags(carrier: Carrier, order: Order) -> Sequence[str]:
    missing = carrier.unhandled(order_tags(order))
    if not missing:
        return ()
    return (f"it does not handle {', '.join(sorted(missing))}",)


def _capacity(carrier: Carrier, order: Order, used: int) -> Sequence[str]:
    if carrier.capacity_per_day is None:
        return ()
    need = len(order.parcels)
    left = max(carrier.capacity_per_day - used, 0)
    if need <= left:
        return ()
    return (
        f"no capacity left: {used} of its {carrier.capacity_per_day} parcels a day are "
        f"allocated, {left} left for the order's {need}",
    )


def _promise(
    carrier: Carrier, order: Order, need: Need, booked_at: datetime, zone: tzinfo
) -> tuple[datetime | None, Sequence[str]]:
    try:
        promise = carrier.promise(need.level)
    except InvalidValue as error:
        return None, (f"it has no promise for {need.level.value}: {error.message}",)
    window = max(order.time_windows, key=lambda w: w.end_at) if order.time_windows else None
    due = promise.due(booked_at, zone, window).astimezone(zone)
    if need.deadline is not None and due > need.deadline:
        shown = due.strftime("%Y-%m-%d %H:%M")
        limit = need.deadline.astimezone(zone).strftime("%Y-%m-%d %H:%M")
        return due, (f"booked now it delivers by {shown}, after the order's deadline {limit}",)
    return due, ()


def used_day(order: Order, now: datetime, zone: tzinfo) -> date:
    """The day whose capacity an order takes: its service date, else today."""
    return order.service_date or now.astimezone(zone).date()


@dataclass(frozen=True)
class Allocation:
    """An order given to a carrier: its parcels count against the carrier's capacity that day.

    A batch allocation (``services.carriers.allocation``) also records the price (the own
    fleet's marginal cost, or the partner's), the promise, whether the order is served within
    its service level, and the reasons; ``carrier_id`` is None for the own fleet when the
    organisation registered no own-fleet carrier. And its figures as data
    (``domain.allocation.Decision``'s): ``service_level``, the level the order needs, which a
    partner is booked at, and ``fleet_cost_cents``, the own fleet's marginal cost of serving
    the order, or of inserting it when it was left out (None: no room, or not known). Rows
    stored before these were (migration 0014) have neither: ``domain.allocation.stored_level``
    and ``stored_fleet_words`` read them from the reasons."""

    organisation_id: str
    order_id: str
    carrier_id: str | None
    service_date: date
    parcels: int
    allocated_at: datetime
    price_cents: int | None = None
    currency: str | None = None
    promised_by: datetime | None = None
    within_level: bool | None = None
    summary: str = ""
    reasons: tuple[str, ...] = ()
    kind: str | None = None  # own_fleet or partner (batch allocations)
    service_level: ServiceLevel | None = None
    fleet_cost_cents: int | None = None


# -- live quotes -------------------------------------------------------------------------------


class PriceSource(StrEnum):
    """Where an option's price came from."""

    LIVE_QUOTE = "live_quote"  # the partner's API answered a quote for this order
    RATE_CARD = "rate_card"  # the partner's imported rate card
    PLAN = "plan"  # the own fleet: the marginal cost of inserting the order into the plan


@dataclass(frozen=True)
class QuoteFailed:
    """A live quote asked for and not had: ``reason`` in words (a timeout, the partner's
    error, an answer that made no sense)."""

    reason: str


@dataclass(frozen=True)
class PriceBasis:
    """How an option was priced: its source, the rate card's price beside a live one, their
    difference (live minus card) when they disagree by more than a cent, and why a live quote
    that was asked for is not used (None: none was asked, or it was used)."""

    source: PriceSource
    card_cents: int | None = None
    difference_cents: int | None = None
    quote_failure: str | None = None


TOLERANCE_CENTS = 1  # a live price within a cent of the card's agrees with it (rounding)


def card_basis(option: Option) -> PriceBasis:
    """The basis of an option priced without a live quote: the plan (own fleet) or its card."""
    if option.kind is CarrierKind.OWN_FLEET:
        return PriceBasis(PriceSource.PLAN)
    return PriceBasis(PriceSource.RATE_CARD, card_cents=option.price_cents)


def with_live_quote(
    option: Option, answer: CarrierQuote | QuoteFailed, need: Need, zone: tzinfo
) -> tuple[Option, PriceBasis]:
    """The option of a partner priced by its card (``judge``'s), merged with the live quote
    asked for it: the quote's price and promise become the option's, with the card's price
    kept beside it.

    The card's price stays the option's (with the reason shown) when the quote failed, when
    it is in another currency than the card (prices in two currencies cannot be ranked), or
    when it is negative. A quote without a promise keeps the carrier's usual promise; a
    promise after the order's deadline makes the option infeasible, with the reason. Nothing
    the card's judgement found is taken back: a reason to exclude stays one."""
    card = option.price_cents
    failure = answer.reason if isinstance(answer, QuoteFailed) else _unusable(answer, option)
    if isinstance(answer, QuoteFailed) or failure is not None:
        said = f"live quote failed: {failure}; card price"
        explained = replace(option, explanation=(said, *option.explanation))
        return explained, PriceBasis(PriceSource.RATE_CARD, card, quote_failure=failure)
    promised = answer.deliver_by
    due = promised.astimezone(zone) if promised is not None else option.due
    reasons = option.reasons
    if promised is not None and need.deadline is not None and promised > need.deadline:
        shown = promised.astimezone(zone).strftime("%Y-%m-%d %H:%M")
        limit = need.deadline.astimezone(zone).strftime("%Y-%m-%d %H:%M")
        late = f"its live quote delivers by {shown}, after the order's deadline {limit}"
        reasons = (*reasons, late)
    difference = answer.price_cents - card if card is not None else None
    if difference is not None and abs(difference) <= TOLERANCE_CENTS:
        difference = None
    lines = [f"live quote: {show_money(answer.price_cents, answer.currency)}"]
    if card is not None:
        beside = f"rate card: {show_money(card, answer.currency)}"
        if difference is not None:
            more = "more" if difference > 0 else "less"
            beside += f"; live {show_money(abs(difference), answer.currency)} {more}"
        lines.append(beside)
    merged = replace(
        option,
        feasible=not reasons,
        price_cents=answer.price_cents,
        currency=answer.currency,
        due=due,
        reasons=reasons,
        explanation=(*lines, *option.explanation),
    )
    return merged, PriceBasis(PriceSource.LIVE_QUOTE, card, difference)


def _unusable(quote: CarrierQuote, option: Option) -> str | None:
    if option.currency is not None and quote.currency != option.currency:
        return f"it is in {quote.currency}, the rate card in {option.currency}"
    if quote.price_cents < 0:
        return f"it is negative ({show_money(quote.price_cents, quote.currency)})"
    return None
