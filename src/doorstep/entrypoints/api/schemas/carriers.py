"""Bodies for carriers, their imports and an order's rate shopping."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from pydantic import BaseModel, Field

from doorstep.domain.carriers import Carrier, CarrierKind, Coverage, ServiceLevel
from doorstep.domain.orders import ProofKind
from doorstep.domain.rate_shopping import Option, PriceBasis, PriceSource, card_basis
from doorstep.domain.rates import RateCard, show_money
from doorstep.entrypoints.api.schemas.base import EntityIn
from doorstep.entrypoints.api.schemas.values import LocationIn
from doorstep.services.carriers.rate_shopping import Shopping
from doorstep.services.carriers.registry import ImportReport

_CODE = r"^[a-z0-9][a-z0-9_-]{0,39}$"
_PREFIX = r"^[A-Z0-9]{1,10}$"


class CarrierIn(EntityIn):
    code: str = Field(pattern=_CODE, description="unique per organisation, e.g. kaupunkikuriiri")
    name: str = Field(min_length=1, max_length=100)
    kind: CarrierKind
    service_levels: set[ServiceLevel] = Field(min_length=1)
    postcode_prefixes: set[str] = Field(
        default_factory=set, max_length=1000, description="covered postcode prefixes, e.g. 001"
    )
    polygons: list[list[LocationIn]] = Field(
        default_factory=list, max_length=100, description="covered areas, 3+ corners each"
    )
    capacity_per_day: int | None = Field(default=None, ge=1, description="parcels a day")
    max_weight_kg: float | None = Field(default=None, gt=0, description="per parcel")
    max_side_cm: float | None = Field(default=None, gt=0, description="per parcel")
    handles: set[str] = Field(
        default_factory=set, description="order tags it accepts: refrigerated, age_check, ..."
    )
    proofs: set[ProofKind] = Field(
        default_factory=set,
        description="partners only: the proofs of delivery it captures and sends with its "
        "delivered events (signature, photo, pin); an order needing another is not handed to it",
    )
    cutoff: time | None = Field(default=None, description="same/next day: booked by, local")
    deliver_by: time | None = Field(default=None, description="same/next day: delivered by")
    active: bool = True

    def domain_fields(self) -> dict[str, Any]:
        fields = super().domain_fields()
        fields["proofs"] = frozenset(self.proofs)
        prefixes = frozenset(p.strip().upper() for p in fields.pop("postcode_prefixes"))
        polygons = tuple(
            tuple((corner.lat, corner.lon) for corner in polygon) for polygon in self.polygons
        )
        fields["coverage"] = Coverage(prefixes, polygons)
        del fields["polygons"]
        return fields


class RateCardOut(BaseModel):
    service_level: ServiceLevel
    currency: str
    zones: list[str]
    minimum: str
    fuel_percent: str

    @classmethod
    def of(cls, card: RateCard) -> RateCardOut:
        return cls(
            service_level=card.service_level,
            currency=card.currency,
            zones=[f"{zone.name}: {zone.description}" for zone in card.zones],
            minimum=show_money(card.minimum_cents, card.currency),
            fuel_percent=f"{card.fuel_percent.normalize():f}",
        )


class CarrierOut(BaseModel):
    id: str
    code: str
    name: str
    kind: CarrierKind
    service_levels: list[ServiceLevel]
    postcode_prefixes: list[str]
    polygons: list[list[tuple[float, float]]]
    capacity_per_day: int | None
    max_weight_kg: float | None
    max_side_cm: float | None
    handles: list[str]
    proofs: list[ProofKind] = Field(description="the proofs of delivery a partner captures")
    cutoff: time | None
    deliver_by: time | None
    active: bool
    created_at: datetime
    rate_cards: list[RateCardOut]

    @classmethod
    def of(cls, c: Carrier, cards: list[RateCard] | None = None) -> CarrierOut:
        return cls(
            id=c.id,
            code=c.code,
            name=c.name,
            kind=c.kind,
            service_levels=sorted(c.service_levels),
            postcode_prefixes=sorted(c.coverage.postcode_prefixes),
            polygons=[list(polygon) for polygon in c.coverage.polygons],
            capacity_per_day=c.capacity_per_day,
            max_weight_kg=c.max_weight_kg,
            max_side_cm=c.max_side_cm,
            handles=sorted(c.handles),
            proofs=sorted(c.proofs),
            cutoff=c.cutoff,
            deliver_by=c.deliver_by,
            active=c.active,
            created_at=c.created_at,
            rate_cards=[RateCardOut.of(card) for card in cards or []],
        )


class ImportOut(BaseModel):
    added: list[str]
    changed: list[str]
    unchanged: list[str]
    cards_added: list[str]
    cards_changed: list[str]
    cards_unchanged: list[str]

    @classmethod
    def of(cls, report: ImportReport) -> ImportOut:
        return cls(**vars(report))


class OptionOut(BaseModel):
    carrier_id: str
    carrier_code: str
    carrier_name: str
    kind: CarrierKind
    feasible: bool
    chosen: bool
    price_cents: int | None
    price: str | None = Field(description="the price with its currency, e.g. 40.39 EUR")
    currency: str | None
    due: datetime | None = Field(description="the promise: latest delivery (own fleet: planned)")
    reasons: list[str] = Field(description="why it cannot serve the order; empty when it can")
    explanation: list[str] = Field(description="how the price was made")
    price_source: PriceSource = Field(
        description="live_quote: the partner's API quoted it; rate_card: its imported card; "
        "plan: the own fleet's marginal cost"
    )
    card_price_cents: int | None = Field(description="the rate card's price (partners)")
    card_price: str | None
    live_difference_cents: int | None = Field(
        description="live quote minus card price, when they differ by more than a cent"
    )
    live_quote_failure: str | None = Field(
        description="why a live quote asked for was not used (the card's price is)"
    )

    @classmethod
    def of(cls, o: Option, basis: PriceBasis | None = None) -> OptionOut:
        basis = basis or card_basis(o)
        card = basis.card_cents
        return cls(
            carrier_id=o.carrier_id,
            carrier_code=o.carrier_code,
            carrier_name=o.carrier_name,
            kind=o.kind,
            feasible=o.feasible,
            chosen=o.chosen,
            price_cents=o.price_cents,
            price=_money(o.price_cents, o.currency),
            currency=o.currency,
            due=o.due,
            reasons=list(o.reasons),
            explanation=list(o.explanation),
            price_source=basis.source,
            card_price_cents=card,
            card_price=_money(card, o.currency),
            live_difference_cents=basis.difference_cents,
            live_quote_failure=basis.quote_failure,
        )


def _money(cents: int | None, currency: str | None) -> str | None:
    return show_money(cents, currency) if cents is not None and currency else None


class RatesOut(BaseModel):
    order_id: str
    shipper: str
    shipper_reference: str
    service_level: ServiceLevel = Field(description="what the order needs")
    service_level_reason: str
    deadline: datetime | None
    distance_km: float | None = Field(description="by road from the station")
    day: date = Field(description="whose carrier capacity the order takes")
    chosen: str | None = Field(description="code of the cheapest feasible carrier")
    live: bool = Field(description="whether partners with an API were asked for live quotes")
    options: list[OptionOut]
    notes: list[str]

    @classmethod
    def of(cls, s: Shopping) -> RatesOut:
        chosen = s.chosen
        return cls(
            order_id=s.order.id,
            shipper=s.order.shipper,
            shipper_reference=s.order.shipper_reference,
            service_level=s.need.level,
            service_level_reason=s.need.reason,
            deadline=s.need.deadline,
            distance_km=s.distance_km,
            day=s.day,
            chosen=chosen.carrier_code if chosen else None,
            live=s.live,
            options=[OptionOut.of(o, s.basis(o)) for o in s.options],
            notes=list(s.notes),
        )
