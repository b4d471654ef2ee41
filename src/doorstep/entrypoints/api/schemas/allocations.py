"""Allocation between the own fleet and partners: the run's body and the decisions it answers."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field

from doorstep.domain.allocation import (
    AllocationRules,
    Decision,
    fleet_words,
    stored_fleet_words,
    stored_level,
)
from doorstep.domain.carriers import Carrier, CarrierKind
from doorstep.domain.order_status import PLANNABLE
from doorstep.domain.orders import Order
from doorstep.domain.rate_shopping import Allocation
from doorstep.services.carriers.allocation import AllocationRun, HandOffOutcome, HandOffReport

MAX_TIME_LIMIT_S = 300.0


class AllocationRunIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    station: str = Field(min_length=1, max_length=100, description="the station, by code or id")
    date: dt.date = Field(description="the day to allocate, YYYY-MM-DD")
    time_limit_s: float = Field(
        10.0, gt=0, le=MAX_TIME_LIMIT_S, description="wall time of each planning round"
    )
    seed: int = Field(0, ge=0)


class DecisionOut(BaseModel):
    order_id: str
    order: str = Field(description="shipper/reference")
    carrier_id: str | None = Field(description="None: the own fleet, not registered as a carrier")
    carrier: str = Field(description="the carrier's code")
    kind: str = Field(description="own_fleet or partner")
    price_cents: int | None = Field(description="the partner's price or the fleet's marginal cost")
    currency: str | None
    promised_by: dt.datetime | None
    within_level: bool | None = Field(description="served within its service level")
    parcels: int
    summary: str
    reasons: list[str]
    service_level: str | None = Field(
        None,
        description="the service level the order needs, which a partner is booked at "
        "(None: not known)",
    )
    fleet_cost_cents: int | None = Field(
        None,
        description="the own fleet's marginal cost of the order: of serving it, or of "
        "inserting it when its plan left it out (None: no room, or not known)",
    )
    own_fleet_cost: str = Field(
        "", description="the own fleet's side in words, short: its marginal cost, or no room"
    )
    carrier_name: str | None = Field(None, description="the carrier's name, for people")
    order_status: str | None = Field(None, description="the order's status now (listed ones)")
    to_hand_off: bool = Field(
        False, description="a partner's order still plannable: the next hand-off books it"
    )

    @classmethod
    def of(cls, d: Decision) -> DecisionOut:
        return cls(
            order_id=d.order_id, order=d.label, carrier_id=d.carrier_id, carrier=d.carrier_code,
            kind=d.kind.value, price_cents=d.price_cents, currency=d.currency,
            promised_by=d.promised_by, within_level=d.within_level, parcels=d.parcels,
            summary=d.summary, reasons=list(d.reasons),
            service_level=d.service_level.value if d.service_level is not None else None,
            fleet_cost_cents=d.fleet_cost_cents,
            own_fleet_cost=fleet_words(d.fleet_cost_cents, d.currency),
        )  # fmt: skip

    @classmethod
    def stored(cls, a: Allocation, order: Order | None, carrier: Carrier | None) -> DecisionOut:
        label = f"{order.shipper}/{order.shipper_reference}" if order is not None else a.order_id
        kind = a.kind or (carrier.kind.value if carrier is not None else "own_fleet")
        waiting = (
            kind == CarrierKind.PARTNER.value and order is not None and order.status in PLANNABLE
        )
        # Decisions stored before migration 0014 have no level: read from their reasons.
        level = stored_level(a)
        return cls(
            order_id=a.order_id, order=label, carrier_id=a.carrier_id,
            carrier=carrier.code if carrier is not None else "own_fleet", kind=kind,
            price_cents=a.price_cents, currency=a.currency, promised_by=a.promised_by,
            within_level=a.within_level, parcels=a.parcels, summary=a.summary,
            reasons=list(a.reasons),
            service_level=level.value if level is not None else None,
            fleet_cost_cents=a.fleet_cost_cents,
            own_fleet_cost=stored_fleet_words(a, kind),
            carrier_name=carrier.name if carrier is not None else None,
            order_status=order.status.value if order is not None else None,
            to_hand_off=waiting,
        )  # fmt: skip


class TotalsOut(BaseModel):
    orders: int
    own_fleet: int
    partner: int
    not_served: int
    partner_cents: int
    fleet_cents: int = Field(description="the sum of the own fleet's marginal costs")


class HandOffIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    station: str = Field(min_length=1, max_length=100, description="the station, by code or id")
    date: dt.date = Field(description="the allocated day, YYYY-MM-DD")


class HandOffOutcomeOut(BaseModel):
    order_id: str
    order: str = Field(description="shipper/reference")
    carrier: str = Field(description="the allocated partner's code")
    service_level: str | None
    booked: bool
    tracking_number: str | None
    handoff_id: str | None
    reason: str = Field(description="why it was refused (empty when booked)")

    @classmethod
    def of(cls, o: HandOffOutcome) -> HandOffOutcomeOut:
        return cls(
            order_id=o.order_id, order=o.label, carrier=o.carrier_code,
            service_level=o.service_level.value if o.service_level is not None else None,
            booked=o.booked, tracking_number=o.tracking_number, handoff_id=o.handoff_id,
            reason=o.reason,
        )  # fmt: skip


class HandOffOut(BaseModel):
    station: str
    date: dt.date
    booked: int
    refused: int
    already_handed_off: int = Field(description="partner orders handed off before: not tried")
    not_plannable: int = Field(description="partner orders no longer plannable: not tried")
    outcomes: list[HandOffOutcomeOut]

    @classmethod
    def of(cls, r: HandOffReport) -> HandOffOut:
        return cls(
            station=r.station.code, date=r.day, booked=r.booked, refused=r.refused,
            already_handed_off=r.already_handed_off, not_plannable=r.not_plannable,
            outcomes=[HandOffOutcomeOut.of(o) for o in r.outcomes],
        )  # fmt: skip


class AllocationRunOut(BaseModel):
    station: str
    date: dt.date
    plan_id: str | None = Field(description="the own fleet's plan of what stays (a draft)")
    rounds: int
    utilisation: float = Field(description="share of the fleet's working time its routes use")
    totals: TotalsOut
    notes: list[str]
    decisions: list[DecisionOut]
    outcome: str = Field("", description="where the orders went, in words")
    hand_off: HandOffOut | None = Field(None, description="the CLI's --hand-off: what it booked")

    @classmethod
    def of(cls, run: AllocationRun) -> AllocationRunOut:
        totals = run.totals()
        return cls(
            station=run.station.code, date=run.day,
            plan_id=run.version.id if run.version is not None else None, rounds=run.rounds,
            utilisation=round(run.utilisation.share, 4),
            totals=TotalsOut(orders=len(run.decisions), **totals), notes=list(run.notes),
            decisions=[DecisionOut.of(d) for d in run.decisions], outcome=run.outcome(),
        )  # fmt: skip


class AllocationListOut(BaseModel):
    items: list[DecisionOut]


class RulesIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    never: list[tuple[str, str]] = Field(
        default_factory=list, description="[order tag, partner code]: never hand such orders to it"
    )
    own_fleet_share: float = Field(0.9, ge=0, le=1)
    max_price_cents: int | None = Field(None, gt=0)

    def to_domain(self) -> AllocationRules:
        return AllocationRules(frozenset(self.never), self.own_fleet_share, self.max_price_cents)


class RulesOut(BaseModel):
    never: list[tuple[str, str]]
    own_fleet_share: float
    max_price_cents: int | None

    @classmethod
    def of(cls, rules: AllocationRules) -> RulesOut:
        return cls(
            never=sorted(rules.never),
            own_fleet_share=rules.own_fleet_share,
            max_price_cents=rules.max_price_cents,
        )
