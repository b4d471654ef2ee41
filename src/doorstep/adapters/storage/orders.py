"""The order repository: orders with their parcels and status history."""

from __future__ import annotations

import builtins
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import asdict, fields
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Row,
    and_,
    bindparam,
    delete,
    func,
    insert,
    or_,
    select,
    update,
)

from doorstep.adapters.storage import tables as t
from doorstep.adapters.storage.rows import TableRows, chunks, execute_many
from doorstep.domain.flags import Flag, FlagCode
from doorstep.domain.geo import Location
from doorstep.domain.geocoding import Candidate, MatchLevel
from doorstep.domain.order_fixes import FixAction, OrderFix
from doorstep.domain.order_status import FINAL, OrderStatus
from doorstep.domain.orders import (
    Address,
    DeliveryPreferences,
    LocationSource,
    Order,
    OrderKind,
    Parcel,
    Priority,
    ProofKind,
    ProofRequirement,
    Recipient,
    StatusChange,
)
from doorstep.domain.schedules import TimeWindow
from doorstep.services.ports import OrderFilter, Position

_PARCEL_FIELDS = ("barcode", "weight_kg", "length_cm", "width_cm", "height_cm", "volume_l")


def _order_values(o: Order) -> dict[str, Any]:
    return {
        "id": o.id,
        "organisation_id": o.organisation_id,
        "station_id": o.station_id,
        "shipper": o.shipper,
        "shipper_reference": o.shipper_reference,
        "kind": o.kind.value,
        "status": o.status.value,
        "priority": o.priority.value,
        "recipient_name": o.recipient.name,
        "recipient_phone": o.recipient.phone,
        "recipient_email": o.recipient.email,
        "address": _shallow(o.address),
        "lat": o.location.lat if o.location else None,
        "lon": o.location.lon if o.location else None,
        "service_date": o.service_date,
        # Windows keep the offset they were given in, so a planner sees the shipper's local time.
        "time_windows": [[w.start_at.isoformat(), w.end_at.isoformat()] for w in o.time_windows],
        "service_duration_s": o.service_duration_s,
        "proof_kind": o.proof.kind.value,
        "proof_minimum_age_years": o.proof.minimum_age_years,
        "access_notes": o.access_notes,
        "preferences": _shallow(o.preferences),
        "created_at": o.created_at,
        "updated_at": o.updated_at,
        "flags": [_shallow(f) for f in o.flags],
        "acknowledged_flags": sorted(o.acknowledged),
        "geocode": _candidate_json(o.geocode),
        "location_source": o.location_source.value if o.location_source else None,
        "fingerprint": o.fingerprint,
        "dedupe_key": o.dedupe_key,
        # Space-framed codes, so a LIKE '% code %' filter works the same on both databases.
        "flag_codes": " " + " ".join(f.code.value for f in o.flags) + " ",
        "required_skills": sorted(o.required_skills),
    }


def _shallow(value: Any) -> dict[str, Any]:
    """A flat dataclass's fields; ``asdict`` deep-copies every value, which an import of
    thousands of orders paid for on every address, flag and candidate."""
    return {f.name: getattr(value, f.name) for f in fields(value)}


def _candidate_json(c: Candidate | None) -> dict[str, Any] | None:
    if c is None:
        return None
    values = _shallow(c)
    values["location"] = [c.location.lat, c.location.lon]
    return values


def _candidate(raw: dict[str, Any] | None) -> Candidate | None:
    if raw is None:
        return None
    values = dict(raw)
    values["location"] = Location(*values["location"])
    values["level"] = MatchLevel(values["level"])
    return Candidate(**values)


def _order(row: Row[Any], parcels: list[Parcel], history: list[StatusChange]) -> Order:
    m = row._mapping
    return Order(
        id=m["id"],
        organisation_id=m["organisation_id"],
        station_id=m["station_id"],
        shipper=m["shipper"],
        shipper_reference=m["shipper_reference"],
        kind=OrderKind(m["kind"]),
        status=OrderStatus(m["status"]),
        priority=Priority(m["priority"]),
        recipient=Recipient(m["recipient_name"], m["recipient_phone"], m["recipient_email"]),
        address=Address(**m["address"]),
        location=Location(m["lat"], m["lon"]) if m["lat"] is not None else None,
        service_date=m["service_date"],
        time_windows=tuple(
            TimeWindow(datetime.fromisoformat(a), datetime.fromisoformat(b))
            for a, b in m["time_windows"]
        ),
        service_duration_s=m["service_duration_s"],
        parcels=tuple(parcels),
        proof=ProofRequirement(ProofKind(m["proof_kind"]), m["proof_minimum_age_years"]),
        access_notes=m["access_notes"],
        preferences=DeliveryPreferences(**m["preferences"]),
        created_at=m["created_at"],
        updated_at=m["updated_at"],
        history=history,
        flags=tuple(
            Flag(FlagCode(f["code"]), f["message"], f["field"], f["fix"]) for f in m["flags"]
        ),
        acknowledged=frozenset(FlagCode(code) for code in m["acknowledged_flags"]),
        geocode=_candidate(m["geocode"]),
        location_source=LocationSource(m["location_source"]) if m["location_source"] else None,
        fingerprint=m["fingerprint"],
        required_skills=frozenset(m["required_skills"]),
    )


def _conditions(organisation_id: str, where: OrderFilter, after: Position | None) -> list[Any]:
    c = t.orders.c
    conditions: list[ColumnElement[bool]] = [c.organisation_id == organisation_id]
    if where.statuses:
        conditions.append(c.status.in_(sorted(s.value for s in where.statuses)))
    exact = {
        "station_id": where.station_id,
        "kind": where.kind.value if where.kind else None,
        "shipper": where.shipper,
        "shipper_reference": where.shipper_reference,
        "service_date": where.service_date,
    }
    conditions.extend(c[name] == value for name, value in exact.items() if value is not None)
    if where.flag:
        conditions.append(c.flag_codes.contains(f" {where.flag.value} ", autoescape=True))
    if where.created_from:
        conditions.append(c.created_at >= where.created_from)
    if where.created_before:
        conditions.append(c.created_at < where.created_before)
    if after:
        conditions.append(
            or_(
                c.created_at > after.created_at,
                and_(c.created_at == after.created_at, c.id > after.id),
            )
        )
    return conditions


class SqlOrders(TableRows):
    table = t.orders

    def add(self, order: Order) -> None:
        self.add_many([order])

    def add_many(self, orders: Sequence[Order]) -> None:
        # One executemany per table: an import saves hundreds of orders per batch, and a
        # statement per row spent most of its time in SQLAlchemy, not in the database.
        if not orders:
            return
        self._conn.execute(insert(self.table), [_order_values(o) for o in orders])
        parcels = [row for o in orders for row in _parcel_rows(o)]
        if parcels:
            self._conn.execute(insert(t.parcels), parcels)
        history = [row for o in orders for row in _history_rows(o, known=0)]
        if history:
            self._conn.execute(insert(t.order_status_changes), history)

    def update(self, order: Order) -> None:
        self._update(_order_values(order))
        # Most updates are status changes: rewrite parcel rows only when the parcels changed.
        if tuple(self._parcels_of(order.id)) != order.parcels:
            self._conn.execute(delete(t.parcels).where(t.parcels.c.order_id == order.id))
            self._write_parcels(order)
        known = self._conn.execute(
            select(func.count()).where(t.order_status_changes.c.order_id == order.id)
        ).scalar_one()
        self._write_history(order, known=known)

    def get(self, organisation_id: str, order_id: str) -> Order | None:
        c = self.table.c
        rows = self._all(
            select(self.table).where(c.organisation_id == organisation_id, c.id == order_id)
        )
        found = self._hydrate(rows)
        return found[0] if found else None

    def get_by_reference(self, organisation_id: str, shipper: str, reference: str) -> Order | None:
        c = self.table.c
        rows = self._all(
            select(self.table).where(
                c.organisation_id == organisation_id,
                c.shipper == shipper,
                c.shipper_reference == reference,
            )
        )
        found = self._hydrate(rows)
        return found[0] if found else None

    def by_references(
        self, organisation_id: str, keys: Sequence[tuple[str, str]]
    ) -> dict[tuple[str, str], Order]:
        wanted = set(keys)
        if not wanted:
            return {}
        c = self.table.c
        found: dict[tuple[str, str], Order] = {}
        references = sorted({reference for _, reference in wanted})
        # Chunked: SQLite allows a limited number of bound parameters per statement.
        for start in range(0, len(references), 500):
            rows = self._all(
                select(self.table).where(
                    c.organisation_id == organisation_id,
                    c.shipper_reference.in_(references[start : start + 500]),
                )
            )
            for order in self._hydrate(rows):
                key = (order.shipper, order.shipper_reference)
                if key in wanted:
                    found[key] = order
        return found

    def barcode_owners(self, organisation_id: str, barcodes: Sequence[str]) -> dict[str, str]:
        p = t.parcels.c
        owners: dict[str, str] = {}
        for chunk in chunks(barcodes):
            statement = select(p.barcode, p.order_id).where(
                p.organisation_id == organisation_id, p.barcode.in_(chunk)
            )
            owners.update((row.barcode, row.order_id) for row in self._conn.execute(statement))
        return owners

    def open_with_dedupe_keys(
        self, organisation_id: str, keys: Sequence[str]
    ) -> dict[str, builtins.list[str]]:
        c = self.table.c
        closed = [s.value for s in FINAL]
        found: dict[str, builtins.list[str]] = {}
        for chunk in chunks(keys):
            statement = select(c.dedupe_key, c.id).where(
                c.organisation_id == organisation_id,
                c.dedupe_key.in_(chunk),
                c.status.not_in(closed),
            )
            for key, order_id in self._conn.execute(statement):
                found.setdefault(key, []).append(order_id)
        return found

    def barcodes_taken(
        self, organisation_id: str, barcodes: Sequence[str], exclude_order: str | None
    ) -> set[str]:
        p = t.parcels.c
        statement = select(p.barcode).where(
            p.organisation_id == organisation_id, p.barcode.in_(barcodes)
        )
        if exclude_order:
            statement = statement.where(p.order_id != exclude_order)
        return set(self._conn.execute(statement).scalars())

    def list(
        self, organisation_id: str, where: OrderFilter, *, after: Position | None, limit: int
    ) -> Sequence[Order]:
        c = self.table.c
        statement = (
            select(self.table)
            .where(*_conditions(organisation_id, where, after))
            .order_by(c.created_at, c.id)
            .limit(limit)
        )
        return self._hydrate(self._all(statement))

    def get_many(self, organisation_id: str, order_ids: Sequence[str]) -> dict[str, Order]:
        c = self.table.c
        found: dict[str, Order] = {}
        for chunk in chunks(order_ids):
            rows = self._all(
                select(self.table).where(c.organisation_id == organisation_id, c.id.in_(chunk))
            )
            found.update((o.id, o) for o in self._hydrate(rows))
        return found

    def record_changes(
        self, organisation_id: str, changes: Sequence[tuple[str, StatusChange]]
    ) -> None:
        # For the scans' bulk changes: one executemany per table, not a whole-order rewrite.
        if not changes:
            return
        c, h = self.table.c, t.order_status_changes.c
        execute_many(
            self._conn,
            update(self.table)
            .where(c.organisation_id == bindparam("b_org"), c.id == bindparam("b_id"))
            .values(status=bindparam("b_status"), updated_at=bindparam("b_at")),
            [
                {"b_org": organisation_id, "b_id": i, "b_status": ch.to_status.value, "b_at": ch.at}
                for i, ch in changes
            ],
        )
        known: dict[str, int] = {}
        for chunk in chunks(i for i, _ in changes):
            statement = (
                select(h.order_id, func.max(h.seq))
                .where(h.order_id.in_(chunk))
                .group_by(h.order_id)
            )
            known.update((row[0], int(row[1]) + 1) for row in self._conn.execute(statement))
        rows = []
        for order_id, change in changes:
            seq = known.get(order_id, 0)
            known[order_id] = seq + 1
            rows.append(
                {
                    "order_id": order_id,
                    "seq": seq,
                    "at": change.at,
                    "from_status": change.from_status.value,
                    "to_status": change.to_status.value,
                    "reason": change.reason,
                }
            )
        execute_many(self._conn, insert(t.order_status_changes), rows)

    def _hydrate(self, rows: Sequence[Row[Any]]) -> builtins.list[Order]:
        """Load parcels and history for many orders in two queries, not two per order."""
        ids = [row.id for row in rows]
        if not ids:
            return []
        parcels: dict[str, builtins.list[Parcel]] = defaultdict(builtins.list)
        for order_id, parcel in self._parcel_rows(ids):
            parcels[order_id].append(parcel)
        history: dict[str, builtins.list[StatusChange]] = defaultdict(builtins.list)
        h = t.order_status_changes.c
        for r in self._all(
            select(t.order_status_changes).where(h.order_id.in_(ids)).order_by(h.order_id, h.seq)
        ):
            history[r.order_id].append(
                StatusChange(r.at, OrderStatus(r.from_status), OrderStatus(r.to_status), r.reason)
            )
        return [_order(row, parcels[row.id], history[row.id]) for row in rows]

    def _parcels_of(self, order_id: str) -> builtins.list[Parcel]:
        return [parcel for _, parcel in self._parcel_rows([order_id])]

    def _parcel_rows(self, order_ids: Sequence[str]) -> builtins.list[tuple[str, Parcel]]:
        p = t.parcels.c
        statement = (
            select(t.parcels).where(p.order_id.in_(order_ids)).order_by(p.order_id, p.position)
        )
        return [
            (r.order_id, Parcel(*(getattr(r, f) for f in _PARCEL_FIELDS)))
            for r in self._all(statement)
        ]

    def _write_parcels(self, order: Order) -> None:
        if order.parcels:
            self._conn.execute(insert(t.parcels), _parcel_rows(order))

    def _write_history(self, order: Order, known: int) -> None:
        if rows := _history_rows(order, known):
            self._conn.execute(insert(t.order_status_changes), rows)


class SqlOrderFixes(TableRows):
    table = t.order_fixes

    def add(self, fix: OrderFix) -> None:
        values = asdict(fix)
        values["action"] = fix.action.value
        values["changes"] = {name: list(pair) for name, pair in fix.changes.items()}
        self._insert(values)

    def list(self, organisation_id: str, order_id: str) -> builtins.list[OrderFix]:
        c = self.table.c
        rows = self._all(
            select(self.table)
            .where(c.organisation_id == organisation_id, c.order_id == order_id)
            .order_by(c.at, c.id)
        )
        return [
            OrderFix(
                id=r.id,
                organisation_id=r.organisation_id,
                order_id=r.order_id,
                at=r.at,
                actor=r.actor,
                action=FixAction(r.action),
                changes={name: (pair[0], pair[1]) for name, pair in r.changes.items()},
                note=r.note,
            )
            for r in rows
        ]


def _parcel_rows(order: Order) -> list[dict[str, Any]]:
    return [
        {"order_id": order.id, "organisation_id": order.organisation_id, "position": i}
        | {f: getattr(parcel, f) for f in _PARCEL_FIELDS}
        for i, parcel in enumerate(order.parcels)
    ]


def _history_rows(order: Order, known: int) -> list[dict[str, Any]]:
    return [
        {
            "order_id": order.id,
            "seq": known + i,
            "at": change.at,
            "from_status": change.from_status.value,
            "to_status": change.to_status.value,
            "reason": change.reason,
        }
        for i, change in enumerate(order.history[known:])
    ]
