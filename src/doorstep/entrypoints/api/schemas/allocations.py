"""Allocation between the own fleet and partners: the run's body and the decisions it answers."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field

from doorstep.domain.allocation import AllocationRules, Decision
from doorstep.domain.carriers import Carrier
from doorstep.domain.orders import Order
from doorstep.domain.rate_shopping import Allocation
from doorstep.services.carriers.allocation import AllocationRun

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

    @classmethod
    def of(cls, d: Decision) -> DecisionOut:
        return cls(
            order_id=d.order_id, order=d.label, carrier_id=d.carrier_id, carrier=d.carrier_code,
            kind=d.kind.value, price_cents=d.price_cents, currency=d.currency,
            promised_by=d.promised_by, within_level=d.within_level, parcels=d.parcels,
            summary=d.summary, reasons=list(d.reasons),
        )  # fmt: skip

    @classmethod
    def stored(cls, a: Allocation, order: Order | None, carrier: Carrier | None) -> DecisionOut:
        label = f"{order.shipper}/{order.shipper_reference}" if order is not None else a.order_id
        return cls(
            order_id=a.order_id, order=label, carrier_id=a.carrier_id,
            carrier=carrier.code if carrier is not None else "own_fleet",
            kind=a.kind or (carrier.kind.value if carrier is not None else "own_fleet"),
            price_cents=a.price_cents, currency=a.currency, promised_by=a.promised_by,
            within_level=a.within_level, parcels=a.parcels, summary=a.summary,
            reasons=list(a.reasons),
        )  # fmt: skip


class TotalsOut(BaseModel):
    orders: int
    own_fleet: int
    partner: int
    not_served: int
    partner_cents: int
    fleet_cents: int = Field(description="the sum of the own fleet's marginal costs")


class AllocationRunOut(BaseModel):
    station: str
    date: dt.date
    plan_id: str | None = Field(description="the own fleet's plan of what stays (a draft)")
    rounds: int
    utilisation: float = Field(description="share of the fleet's working time its routes use")
    totals: TotalsOut
    notes: list[str]
    decisions: list[DecisionOut]

    @classmethod
    def of(cls, run: AllocationRun) -> AllocationRunOut:
        totals = run.totals()
        return cls(
            station=run.station.code, date=run.day,
            plan_id=run.version.id if run.version is not None else None, rounds=run.rounds,
            utilisation=round(run.utilisation.share, 4),
            totals=TotalsOut(orders=len(run.decisions), **totals), notes=list(run.notes),
            decisions=[DecisionOut.of(d) for d in run.decisions],
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
