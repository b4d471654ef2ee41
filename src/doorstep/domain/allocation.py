"""Allocation of a station's day between the own fleet and partners: the rules and the choice.

Pure: ``services.carriers.allocation`` plans the own fleet, prices every order with the
partners' rate cards (``domain.rate_shopping.judge``) and hands the facts to ``decide``.

**The organisation's rules** (``AllocationRules``, stored per organisation):

- ``never``: pairs (order tag, partner code): an order tagged so (``carriers.order_tags``:
  its required skills, ``age_check``) is never handed to that partner;
- ``own_fleet_share``: the own fleet is preferred up to this share of its working time
  (default 0.9): while the fleet's routes use less than it, no order the fleet can serve is
  handed to a partner for being cheaper there;
- ``max_price_cents``: a partner price above it is never paid (None: no maximum).

**The choice** (``decide``), for orders of one day whose own-fleet facts come from one plan:

1. Each order's partner options are the feasible ones of rate shopping (coverage, service
   level, size, tags, capacity left by other days' and other orders' allocations), less those
   the rules exclude; every exclusion is kept as a reason.
2. Orders the plan left out must go to a partner. They are placed first, hardest first (fewest
   partners that can take them, then the largest regret: what the next partner would cost
   more), each with the cheapest partner that has parcels left. One without any is kept for
   the own fleet (``back_to_fleet``), for the service to plan again with it forced in.
3. Orders on routes move to their cheapest partner when it costs less than their removal
   saving (the plan's cost with the stop less without it), largest saving first, as long as
   the fleet stays at or above ``own_fleet_share`` of its working time after the move (the
   move's working time taken off) and the partner has parcels left.
4. Everything else stays with the own fleet, with its marginal cost and why each partner was
   not chosen.

A stop the planner locked on a van (``Candidate.locked_on``) is decided before all this: it
stays with the own fleet whatever a partner would charge, and its decision says so ("kept:
locked on Van 1 by the planner").

Every decision carries its figures as data beside the words: ``service_level``, the level the
order needs (a partner decision is booked at it by the hand-off), and ``fleet_cost_cents``,
the own fleet's marginal cost of the order (of serving it, or of inserting it when the plan
left it out; None: no room). Both are stored with the decision. Rows stored before they were
(migration 0014) have neither; ``stored_level`` and ``stored_fleet_words`` read those rows'
figures back from their reasons, whose lines start with ``LEVEL_REASON`` and ``FLEET_REASON``.

Removal savings are not additive (two neighbouring stops share the drive to them), so the
service plans the own fleet again on what stays and decides again for what that plan leaves
out; ``decide`` is one round of that.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from doorstep.domain.carriers import CarrierKind, ServiceLevel
from doorstep.domain.errors import InvalidValue
from doorstep.domain.rate_shopping import Allocation, Option
from doorstep.domain.rates import show_money

DEFAULT_OWN_FLEET_SHARE = 0.9
# How a partner decision's reasons name the service level it was chosen for, and how a
# decision's reasons give the own fleet's side (its marginal cost, or no room). Words for
# people: the figures are the decision's data. Only rows stored before migration 0014 are read
# back from these words (``level_of``, ``fleet_cost``).
LEVEL_REASON = "service level: "
FLEET_REASON = "own fleet: "
_CODE_TAG = 40


@dataclass(frozen=True)
class AllocationRules:
    """An organisation's rules for handing orders to partners (see the module docstring)."""

    never: frozenset[tuple[str, str]] = frozenset()  # (order tag, partner code)
    own_fleet_share: float = DEFAULT_OWN_FLEET_SHARE
    max_price_cents: int | None = None

    def __post_init__(self) -> None:
        for tag, code in self.never:
            if not tag or not code or len(tag) > _CODE_TAG or len(code) > _CODE_TAG:
                raise InvalidValue(
                    "never", "each rule names an order tag and a partner code, e.g. refrigerated"
                )
        share = self.own_fleet_share
        if isinstance(share, bool) or not isinstance(share, int | float) or not 0 <= share <= 1:
            raise InvalidValue("own_fleet_share", f"must be a share from 0 to 1, got {share!r}")
        cents = self.max_price_cents
        if cents is not None and (
            isinstance(cents, bool) or not isinstance(cents, int) or cents <= 0
        ):
            raise InvalidValue("max_price_cents", f"must be whole cents above 0, got {cents!r}")

    def excluded(self, option: Option, tags: frozenset[str]) -> list[str]:
        """Why the rules keep ``option`` (a partner's) from an order with ``tags``."""
        found = [
            f"rule: orders tagged {tag} never go to {option.carrier_code}"
            for tag, code in sorted(self.never)
            if code == option.carrier_code and tag in tags
        ]
        limit = self.max_price_cents
        if limit is not None and option.price_cents is not None and option.price_cents > limit:
            currency = option.currency or ""
            found.append(
                f"rule: its price {show_money(option.price_cents, currency)} is over the "
                f"maximum of {show_money(limit, currency)} an order"
            )
        return found


@dataclass(frozen=True)
class FleetFacts:
    """What the own fleet's plan says of one order.

    ``planned``: on a route; ``marginal_cents``: its removal saving when planned, else the cost
    of its cheapest feasible insertion (None: no room); ``work_s``: the working time the fleet
    saves without it (planned orders); ``explanation``: the planner's words."""

    planned: bool
    marginal_cents: int | None
    explanation: str
    work_s: int = 0


@dataclass(frozen=True)
class Candidate:
    """One order to allocate: its parcels and tags, the fleet's facts and the partner options
    (``domain.rate_shopping.judge``'s, capacity counted without this batch)."""

    order_id: str
    label: str  # shipper/reference, for people
    parcels: int
    tags: frozenset[str]
    fleet: FleetFacts
    options: tuple[Option, ...]  # partners only
    need: str = ""  # the service level it needs, and why
    locked_on: str = ""  # the van whose locked route holds it (it stays there), by name
    level: ServiceLevel | None = None  # the service level it needs (``need``'s, as data)


@dataclass(frozen=True)
class Utilisation:
    """The fleet's working time: what its routes use of what its vehicles have."""

    used_s: int
    available_s: int

    @property
    def share(self) -> float:
        return self.used_s / self.available_s if self.available_s > 0 else 1.0

    def without(self, work_s: int) -> Utilisation:
        return Utilisation(max(self.used_s - work_s, 0), self.available_s)


@dataclass(frozen=True)
class OwnFleet:
    """The own fleet as a carrier: its id and code (the ``own_fleet`` carrier, or the station's
    vans when the organisation registered none)."""

    carrier_id: str | None
    code: str
    name: str
    currency: str


@dataclass(frozen=True)
class Decision:
    """An order's carrier with the price, the promise and the reasons, in the words shown.

    ``service_level``: the level the order needs, which a partner decision is booked at (None:
    not known); ``fleet_cost_cents``: the own fleet's marginal cost of the order, of serving
    it or of inserting it when the plan left it out (None: no room). An own-fleet decision's
    price is that cost; a partner decision's is the partner's."""

    order_id: str
    label: str
    carrier_id: str | None
    carrier_code: str
    kind: CarrierKind
    price_cents: int | None
    currency: str
    promised_by: datetime | None
    within_level: bool  # served within its service level (False: left out, no partner)
    summary: str
    reasons: tuple[str, ...]
    parcels: int = 0
    service_level: ServiceLevel | None = None
    fleet_cost_cents: int | None = None


@dataclass(frozen=True)
class Round:
    """One round's decisions, and the orders kept for the fleet though the plan left them out."""

    decisions: tuple[Decision, ...]
    back_to_fleet: tuple[str, ...] = ()
    notes: tuple[str, ...] = field(default=())


def _money(cents: int | None, currency: str) -> str:
    return "-" if cents is None else show_money(cents, currency)


def _choices(candidate: Candidate, rules: AllocationRules) -> tuple[list[Option], list[str]]:
    """The partner options the order may go to, cheapest first, and why the others may not."""
    fine: list[Option] = []
    why: list[str] = []
    for option in candidate.options:
        reasons = [*option.reasons, *rules.excluded(option, candidate.tags)]
        if reasons:
            why.append(f"{option.carrier_code}: {'; '.join(reasons)}")
        elif option.price_cents is not None:
            fine.append(option)
    fine.sort(key=lambda o: (o.price_cents or 0, o.carrier_code))
    return fine, why


def _fleet_words(facts: FleetFacts, currency: str) -> str:
    if facts.planned:
        cost = _money(facts.marginal_cents, currency)
        return f"{FLEET_REASON}{cost} marginal cost ({facts.explanation})"
    if facts.marginal_cents is None:
        return f"{FLEET_REASON}no room ({facts.explanation})"
    return (
        f"{FLEET_REASON}left out of the plan, {_money(facts.marginal_cents, currency)} to "
        f"insert ({facts.explanation})"
    )


def decide(
    candidates: Sequence[Candidate],
    capacity_left: Mapping[str, int | None],
    rules: AllocationRules,
    utilisation: Utilisation,
    own: OwnFleet,
    *,
    move_planned: bool = True,
) -> Round:
    """One round of allocation; see the module docstring. ``capacity_left`` gives each partner's
    parcels left for the day (None: no limit), the batch's own orders not counted. Without
    ``move_planned`` the orders on routes all stay (the last round's plan is final)."""
    left = dict(capacity_left)
    currency = own.currency
    decided: dict[str, Decision] = {}
    back: list[str] = []
    options = {c.order_id: _choices(c, rules) for c in candidates}

    def room(option: Option, parcels: int) -> bool:
        free = left.get(option.carrier_id)
        return free is None or free >= parcels

    def take(option: Option, parcels: int) -> None:
        free = left.get(option.carrier_id)
        if free is not None:
            left[option.carrier_id] = free - parcels

    def to_partner(c: Candidate, option: Option, why: str, others: list[str]) -> Decision:
        level = option.service_level
        return Decision(
            c.order_id, c.label, option.carrier_id, option.carrier_code, CarrierKind.PARTNER,
            option.price_cents, option.currency or currency, option.due, True,
            f"{option.carrier_code} at {_money(option.price_cents, currency)}: {why}",
            (
                f"chosen: {option.carrier_code} at {_money(option.price_cents, currency)}, "
                "the cheapest feasible partner with capacity left",
                f"{LEVEL_REASON}{level.value}"
                + (f" ({c.need.split(': ', 1)[-1]})" if c.need else ""),
                _fleet_words(c.fleet, currency),
                *others,
            ),
            c.parcels,
            level,
            c.fleet.marginal_cents,
        )  # fmt: skip

    def full(c: Candidate, chosen: Option | None) -> list[str]:
        _, why = options[c.order_id]
        fine, _ = options[c.order_id]
        skipped = [
            f"{o.carrier_code}: no capacity left for {c.parcels} parcel(s)"
            if not room(o, c.parcels)
            else f"{o.carrier_code}: dearer at {_money(o.price_cents, currency)}"
            for o in fine
            if chosen is None or o.carrier_id != chosen.carrier_id
        ]
        return [*skipped, *why]

    # 1. Locked stops stay where the planner put them; their partners are only listed.
    for c in candidates:
        if not c.locked_on:
            continue
        fine, excluded = options[c.order_id]
        marginal = c.fleet.marginal_cents
        decided[c.order_id] = Decision(
            c.order_id, c.label, own.carrier_id, own.code, CarrierKind.OWN_FLEET, marginal,
            currency, None, c.fleet.planned, f"kept: locked on {c.locked_on} by the planner",
            (
                f"kept: locked on {c.locked_on} by the planner",
                _fleet_words(c.fleet, currency),
                *(
                    f"{o.carrier_code}: {_money(o.price_cents, currency)}, not asked: the "
                    "order is locked"
                    for o in fine
                ),
                *excluded,
            ),
            c.parcels,
            c.level,
            marginal,
        )  # fmt: skip
    free = [c for c in candidates if not c.locked_on]

    # 2. Orders the plan left out: hardest first.
    def hardness(c: Candidate) -> tuple[int, int, str]:
        fine, _ = options[c.order_id]
        regret = (fine[1].price_cents or 0) - (fine[0].price_cents or 0) if len(fine) > 1 else 10**9
        return (len(fine), -regret, c.order_id)

    out = sorted((c for c in free if not c.fleet.planned), key=hardness)
    for c in out:
        fine, _ = options[c.order_id]
        chosen = next((o for o in fine if room(o, c.parcels)), None)
        if chosen is None:
            back.append(c.order_id)
            decided[c.order_id] = Decision(
                c.order_id, c.label, own.carrier_id, own.code, CarrierKind.OWN_FLEET, None,
                currency, None, False,
                "not served: the own fleet has no room and no partner can take it",
                (_fleet_words(c.fleet, currency), *full(c, None)),
                c.parcels,
                c.level,
                c.fleet.marginal_cents,
            )  # fmt: skip
            continue
        take(chosen, c.parcels)
        if c.fleet.marginal_cents is None:
            why = "the own fleet has no room for it"
        else:
            cost = _money(c.fleet.marginal_cents, currency)
            why = f"cheaper than the own fleet's {cost} to serve it (its plan leaves it out)"
        decided[c.order_id] = to_partner(c, chosen, why, full(c, chosen))

    # 3. Orders on routes: move where a partner is cheaper, largest saving first.
    planned = [c for c in free if c.fleet.planned]

    def saving(c: Candidate) -> int:
        fine, _ = options[c.order_id]
        if not fine or c.fleet.marginal_cents is None:
            return 0
        return c.fleet.marginal_cents - (fine[0].price_cents or 0)

    share = rules.own_fleet_share
    for c in sorted(planned, key=lambda c: (-saving(c), c.order_id)):
        fine, excluded = options[c.order_id]
        marginal = c.fleet.marginal_cents
        cheaper = [
            o
            for o in fine
            if move_planned and marginal is not None and (o.price_cents or 0) < marginal
        ]
        chosen = next((o for o in cheaper if room(o, c.parcels)), None)
        after = utilisation.without(c.fleet.work_s)
        if chosen is not None and after.share >= share:
            take(chosen, c.parcels)
            utilisation = after
            decided[c.order_id] = to_partner(
                c, chosen,
                f"cheaper than the own fleet's {_money(marginal, currency)} marginal cost",
                full(c, chosen),
            )  # fmt: skip
            continue
        reasons = [
            f"chosen: own fleet at {_money(marginal, currency)} marginal cost "
            f"({c.fleet.explanation})"
        ]
        if chosen is not None:
            reasons.append(
                f"rule: the own fleet is preferred up to {share:.0%} of its working time; "
                f"handing this order to {chosen.carrier_code} at "
                f"{_money(chosen.price_cents, currency)} would leave it at {after.share:.0%}"
            )
            summary = f"own fleet: preferred up to {share:.0%} utilisation"
        else:
            summary = f"own fleet at {_money(marginal, currency)}: cheapest feasible"
        reasons += [
            f"{o.carrier_code}: {_money(o.price_cents, currency)}, not cheaper than the own fleet"
            if o not in cheaper
            else f"{o.carrier_code}: no capacity left for {c.parcels} parcel(s)"
            for o in fine
            if chosen is None or o.carrier_id != chosen.carrier_id
        ]
        if chosen is not None:
            reasons += [f"{chosen.carrier_code}: {_money(chosen.price_cents, currency)}, cheaper"]
        reasons += excluded
        decided[c.order_id] = Decision(
            c.order_id, c.label, own.carrier_id, own.code, CarrierKind.OWN_FLEET, marginal,
            currency, None, True, summary, tuple(reasons), c.parcels, c.level, marginal,
        )  # fmt: skip
    ordered = tuple(decided[c.order_id] for c in candidates)
    return Round(ordered, tuple(back))


def summarise(decisions: Iterable[Decision]) -> dict[str, int]:
    """Counts and cents: orders to the own fleet, to partners, not served; partner cents."""
    found = {"own_fleet": 0, "partner": 0, "not_served": 0, "partner_cents": 0, "fleet_cents": 0}
    for d in decisions:
        if not d.within_level:
            found["not_served"] += 1
        elif d.kind is CarrierKind.PARTNER:
            found["partner"] += 1
            found["partner_cents"] += d.price_cents or 0
        else:
            found["own_fleet"] += 1
            found["fleet_cents"] += d.price_cents or 0
    return found


def fleet_words(fleet_cost_cents: int | None, currency: str) -> str:
    """The own fleet's side of a decision, short, from its figure: "12.30 EUR marginal cost"
    (of serving the order, or of inserting it when the plan left it out), or "no room"."""
    if fleet_cost_cents is None:
        return "no room"
    return f"{show_money(fleet_cost_cents, currency)} marginal cost"


def _before_0014(allocation: Allocation) -> bool:
    """Whether a batch decision was stored before its figures were (migration 0014): since
    then every decision ``decide`` makes has a service level (the order's ``Candidate.level``,
    which the service always gives), so a batch row without one is older. A single order's
    allocation (``kind`` None) never had either."""
    return allocation.kind is not None and allocation.service_level is None


def stored_level(allocation: Allocation) -> ServiceLevel | None:
    """The service level a stored decision is booked at: its own; for a row stored before
    migration 0014 (NULL then), the level its reasons name."""
    if allocation.service_level is not None:
        return allocation.service_level
    # Fallback for old rows only: parsing our own words back is fragile.
    return level_of(allocation.reasons) if _before_0014(allocation) else None


def stored_fleet_words(allocation: Allocation, kind: str) -> str:
    """``fleet_words`` of a stored decision (``kind``: own_fleet or partner); for a row stored
    before migration 0014 (no figure then), read from its reasons. Empty for a single order's
    allocation: no one worked out what the fleet would cost."""
    if _before_0014(allocation):  # fallback for old rows only
        return fleet_cost(
            kind, allocation.price_cents, allocation.currency or "", allocation.reasons
        )
    if allocation.kind is None:
        return ""
    return fleet_words(allocation.fleet_cost_cents, allocation.currency or "")


def level_of(reasons: Iterable[str]) -> ServiceLevel | None:
    """The service level a partner decision's reasons name (None: they name none). Only for
    decisions stored before migration 0014, which stored no ``service_level``."""
    for reason in reasons:
        if reason.startswith(LEVEL_REASON):
            word = reason.removeprefix(LEVEL_REASON).split(" ", 1)[0].rstrip(":,")
            try:
                return ServiceLevel(word)
            except ValueError:
                return None
    return None


def fleet_cost(
    decision_kind: str, price_cents: int | None, currency: str, reasons: Iterable[str]
) -> str:
    """The own fleet's side of a decision, short, read from its reasons: "12.30 EUR marginal
    cost", "left out of the plan, 4.10 EUR to insert", "no room" (an own-fleet decision's
    price is its marginal cost; a partner decision names the fleet's in its reasons). Empty
    when unknown. Only for decisions stored before migration 0014, which stored no
    ``fleet_cost_cents``: the others have ``fleet_words``."""
    if decision_kind == CarrierKind.OWN_FLEET.value and price_cents is not None:
        return f"{show_money(price_cents, currency)} marginal cost"
    for reason in reasons:
        if reason.startswith(FLEET_REASON):
            return reason.removeprefix(FLEET_REASON).split(" (", 1)[0]
    return "no room" if decision_kind == CarrierKind.OWN_FLEET.value else ""
