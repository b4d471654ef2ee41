"""Repositories for carriers, their rate cards (JSON of the dataclass) and allocations.

A rate card is stored whole as JSON, as plan versions store their inputs: it is read and
replaced as one value, never queried inside. Decimals are written as strings ("12.5"), so a
card reads back equal to the one stored, to the last digit.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from sqlalchemy import Row, delete, func, insert, select

from doorstep.adapters.storage import tables as t
from doorstep.adapters.storage.rows import TableRows
from doorstep.domain.allocation import AllocationRules
from doorstep.domain.carriers import Carrier, CarrierKind, Coverage, ServiceLevel
from doorstep.domain.orders import ProofKind
from doorstep.domain.rate_shopping import Allocation
from doorstep.domain.rates import Bulky, RateCard, RemoteArea, WeightBreak, Zone

Json = dict[str, Any]


def _dec(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _from_dec(value: str | None) -> Decimal | None:
    return None if value is None else Decimal(value)


def rate_card_json(card: RateCard) -> Json:
    remote, bulky = card.remote_area, card.bulky
    return {
        "carrier_code": card.carrier_code,
        "service_level": card.service_level.value,
        "currency": card.currency,
        "volumetric_divisor": card.volumetric_divisor,
        "zones": [
            {
                "name": zone.name,
                "breaks": [[str(b.up_to_kg), b.price_cents] for b in zone.breaks],
                "postcode_prefixes": sorted(zone.postcode_prefixes),
                "from_km": _dec(zone.from_km),
                "to_km": _dec(zone.to_km),
                "per_kg_above_cents": zone.per_kg_above_cents,
            }
            for zone in card.zones
        ],
        "remote_area": None
        if remote is None
        else {
            "postcode_prefixes": sorted(remote.postcode_prefixes),
            "amount_cents": remote.amount_cents,
        },
        "bulky": None
        if bulky is None
        else {
            "amount_cents": bulky.amount_cents,
            "side_over_cm": _dec(bulky.side_over_cm),
            "weight_over_kg": _dec(bulky.weight_over_kg),
        },
        "extra_parcel_cents": card.extra_parcel_cents,
        "fuel_percent": str(card.fuel_percent),
        "minimum_cents": card.minimum_cents,
    }


def rate_card_from(value: Json) -> RateCard:
    remote, bulky = value["remote_area"], value["bulky"]
    return RateCard(
        value["carrier_code"],
        ServiceLevel(value["service_level"]),
        value["currency"],
        tuple(
            Zone(
                zone["name"],
                tuple(WeightBreak(Decimal(kg), cents) for kg, cents in zone["breaks"]),
                postcode_prefixes=frozenset(zone["postcode_prefixes"]),
                from_km=_from_dec(zone["from_km"]),
                to_km=_from_dec(zone["to_km"]),
                per_kg_above_cents=zone["per_kg_above_cents"],
            )
            for zone in value["zones"]
        ),
        volumetric_divisor=value["volumetric_divisor"],
        remote_area=None
        if remote is None
        else RemoteArea(frozenset(remote["postcode_prefixes"]), remote["amount_cents"]),
        bulky=None
        if bulky is None
        else Bulky(
            bulky["amount_cents"],
            side_over_cm=_from_dec(bulky["side_over_cm"]),
            weight_over_kg=_from_dec(bulky["weight_over_kg"]),
        ),
        extra_parcel_cents=value["extra_parcel_cents"],
        fuel_percent=Decimal(value["fuel_percent"]),
        minimum_cents=value["minimum_cents"],
    )


def _time(value: time | None) -> str | None:
    return None if value is None else value.isoformat()


def _from_time(value: str | None) -> time | None:
    return None if value is None else time.fromisoformat(value)


class SqlCarriers(TableRows):
    table = t.carriers

    def get(self, organisation_id: str, carrier_id: str) -> Carrier | None:
        return self._one(self.table.c.id == carrier_id, organisation_id)

    def get_by_code(self, organisation_id: str, code: str) -> Carrier | None:
        return self._one(self.table.c.code == code, organisation_id)

    def _one(self, condition: Any, organisation_id: str) -> Carrier | None:
        c = self.table.c
        row = self._first(select(self.table).where(c.organisation_id == organisation_id, condition))
        return self._entity(row) if row else None

    def add(self, carrier: Carrier) -> None:
        self._insert(self._values(carrier))

    def update(self, carrier: Carrier) -> None:
        self._update(self._values(carrier))

    def list(self, organisation_id: str) -> Sequence[Carrier]:
        c = self.table.c
        statement = select(self.table).where(c.organisation_id == organisation_id)
        return [self._entity(r) for r in self._all(statement.order_by(c.code))]

    def allocate(self, allocation: Allocation) -> None:
        a = t.carrier_allocations
        self._conn.execute(
            delete(a).where(
                a.c.organisation_id == allocation.organisation_id,
                a.c.order_id == allocation.order_id,
            )
        )
        self._conn.execute(
            insert(a).values(
                order_id=allocation.order_id,
                organisation_id=allocation.organisation_id,
                carrier_id=allocation.carrier_id,
                service_date=allocation.service_date,
                parcels=allocation.parcels,
                allocated_at=allocation.allocated_at,
                kind=allocation.kind,
                price_cents=allocation.price_cents,
                currency=allocation.currency,
                promised_by=allocation.promised_by,
                within_level=allocation.within_level,
                summary=allocation.summary[:300] or None,
                reasons=list(allocation.reasons) if allocation.reasons else None,
                service_level=(
                    allocation.service_level.value if allocation.service_level else None
                ),
                fleet_cost_cents=allocation.fleet_cost_cents,
            )
        )

    def allocations(self, organisation_id: str, day: date) -> Sequence[Allocation]:
        a = t.carrier_allocations
        statement = select(a).where(a.c.organisation_id == organisation_id, a.c.service_date == day)
        return [_allocation(row) for row in self._all(statement.order_by(a.c.order_id))]

    def rules(self, organisation_id: str) -> AllocationRules:
        r = t.allocation_rules
        row = self._first(select(r).where(r.c.organisation_id == organisation_id))
        if row is None:
            return AllocationRules()
        v = row._mapping
        return AllocationRules(
            frozenset((tag, code) for tag, code in v["never"]),
            float(v["own_fleet_share"]),
            v["max_price_cents"],
        )

    def save_rules(self, organisation_id: str, rules: AllocationRules) -> None:
        r = t.allocation_rules
        self._conn.execute(delete(r).where(r.c.organisation_id == organisation_id))
        self._conn.execute(
            insert(r).values(
                organisation_id=organisation_id,
                never=[list(pair) for pair in sorted(rules.never)],
                own_fleet_share=rules.own_fleet_share,
                max_price_cents=rules.max_price_cents,
            )
        )

    def allocated(
        self, organisation_id: str, day: date, exclude_order: str | None = None
    ) -> dict[str, int]:
        a = t.carrier_allocations
        statement = (
            select(a.c.carrier_id, func.sum(a.c.parcels).label("parcels"))
            .where(a.c.organisation_id == organisation_id, a.c.service_date == day)
            .group_by(a.c.carrier_id)
        )
        if exclude_order is not None:
            statement = statement.where(a.c.order_id != exclude_order)
        rows = self._all(statement)
        return {row._mapping["carrier_id"]: int(row._mapping["parcels"]) for row in rows}

    @staticmethod
    def _values(carrier: Carrier) -> dict[str, Any]:
        coverage = carrier.coverage
        return {
            "id": carrier.id,
            "organisation_id": carrier.organisation_id,
            "code": carrier.code,
            "name": carrier.name,
            "kind": carrier.kind.value,
            "service_levels": sorted(level.value for level in carrier.service_levels),
            "postcode_prefixes": sorted(coverage.postcode_prefixes),
            "polygons": [[[lat, lon] for lat, lon in polygon] for polygon in coverage.polygons],
            "capacity_per_day": carrier.capacity_per_day,
            "max_weight_kg": carrier.max_weight_kg,
            "max_side_cm": carrier.max_side_cm,
            "handles": sorted(carrier.handles),
            "proofs": sorted(kind.value for kind in carrier.proofs),
            "cutoff": _time(carrier.cutoff),
            "deliver_by": _time(carrier.deliver_by),
            "active": carrier.active,
            "created_at": carrier.created_at,
        }

    def _entity(self, row: Row[Any]) -> Carrier:
        v = row._mapping
        return Carrier(
            id=v["id"],
            organisation_id=v["organisation_id"],
            code=v["code"],
            name=v["name"],
            kind=CarrierKind(v["kind"]),
            service_levels=frozenset(ServiceLevel(level) for level in v["service_levels"]),
            coverage=Coverage(
                frozenset(v["postcode_prefixes"]),
                tuple(tuple((lat, lon) for lat, lon in polygon) for polygon in v["polygons"]),
            ),
            created_at=v["created_at"],
            capacity_per_day=v["capacity_per_day"],
            max_weight_kg=v["max_weight_kg"],
            max_side_cm=v["max_side_cm"],
            handles=frozenset(v["handles"]),
            active=v["active"],
            cutoff=_from_time(v["cutoff"]),
            deliver_by=_from_time(v["deliver_by"]),
            proofs=frozenset(ProofKind(kind) for kind in v["proofs"]),
        )


def _allocation(row: Row[Any]) -> Allocation:
    v = row._mapping
    return Allocation(
        v["organisation_id"],
        v["order_id"],
        v["carrier_id"],
        v["service_date"],
        v["parcels"],
        v["allocated_at"],
        price_cents=v["price_cents"],
        currency=v["currency"],
        promised_by=v["promised_by"],
        within_level=v["within_level"],
        summary=v["summary"] or "",
        reasons=tuple(v["reasons"] or ()),
        kind=v["kind"],
        # NULL in rows stored before revision 0014: domain.allocation reads those from the
        # reasons (stored_level, stored_fleet_words).
        service_level=ServiceLevel(v["service_level"]) if v["service_level"] else None,
        fleet_cost_cents=v["fleet_cost_cents"],
    )


class SqlRateCards(TableRows):
    table = t.rate_cards

    def put(self, organisation_id: str, carrier_id: str, card: RateCard, at: datetime) -> None:
        r = t.rate_cards
        level = card.service_level.value
        self._conn.execute(
            delete(r).where(
                r.c.organisation_id == organisation_id,
                r.c.carrier_id == carrier_id,
                r.c.service_level == level,
            )
        )
        self._conn.execute(
            insert(r).values(
                carrier_id=carrier_id,
                service_level=level,
                organisation_id=organisation_id,
                card=rate_card_json(card),
                updated_at=at,
            )
        )

    def list(self, organisation_id: str) -> dict[tuple[str, ServiceLevel], RateCard]:
        r = t.rate_cards
        statement = select(r.c.carrier_id, r.c.card).where(r.c.organisation_id == organisation_id)
        return {
            (carrier_id, ServiceLevel(card["service_level"])): rate_card_from(card)
            for carrier_id, card in self._conn.execute(statement).all()
        }
