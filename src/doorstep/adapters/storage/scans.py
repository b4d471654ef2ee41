"""Scan events as sent, and the parcel states replayed from them."""

from __future__ import annotations

import builtins
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import asdict
from datetime import datetime
from typing import Any

from sqlalchemy import Row, and_, bindparam, insert, or_, select, update

from doorstep.adapters.storage import tables as t
from doorstep.adapters.storage.rows import TableRows, chunks, execute_many, hold, upsert_into
from doorstep.domain.geo import Location
from doorstep.domain.order_status import OrderStatus
from doorstep.domain.orders import OrderKind, ProofKind, ProofRequirement
from doorstep.domain.proofs import Proof
from doorstep.domain.scans import FailReason, ParcelState, ScanEvent, ScanKind
from doorstep.services.ports import (
    Contact,
    Position,
    ScanContext,
    ScannedOrder,
    ScanRecord,
    ServiceMark,
)


class SqlScans(TableRows):
    table = t.scan_events

    def lock(self, organisation_id: str) -> None:
        # Two batches touching one parcel must not replay it each without the other's event.
        # SQLite's BEGIN IMMEDIATE already serialises writers; PostgreSQL takes a lock per
        # organisation until the transaction ends (batches take milliseconds, so they queue).
        hold(self._conn, f"doorstep-scans:{organisation_id}")

    def stored(
        self, organisation_id: str, event_ids: Sequence[str]
    ) -> dict[str, tuple[str, str | None]]:
        c = self.table.c
        found: dict[str, tuple[str, str | None]] = {}
        for chunk in chunks(event_ids):
            statement = select(c.id, c.fingerprint, c.problem).where(
                c.organisation_id == organisation_id, c.id.in_(chunk)
            )
            for row in self._all(statement):
                found[row.id] = (row.fingerprint, row.problem)
        return found

    def add_many(self, records: Sequence[ScanRecord]) -> None:
        if records:
            execute_many(self._conn, insert(self.table), [_event_values(r) for r in records])

    def context(self, organisation_id: str, barcodes: Sequence[str]) -> ScanContext:
        # One join per chunk instead of a query each for owners, proof, siblings and states:
        # a batch's reads are most of its time, and each costs a round trip on PostgreSQL.
        scanned, sibling, o = t.parcels.alias("scanned"), t.parcels.alias("sibling"), t.orders
        s = t.parcel_states
        joined = (
            scanned.join(o, o.c.id == scanned.c.order_id)
            .join(sibling, sibling.c.order_id == o.c.id)
            .outerjoin(
                s,
                and_(
                    s.c.organisation_id == sibling.c.organisation_id,
                    s.c.barcode == sibling.c.barcode,
                ),
            )
        )
        columns = [
            o.c.id.label("owner"),
            o.c.status.label("order_status"),
            o.c.proof_kind,
            o.c.proof_minimum_age_years,
            o.c.recipient_name,
            o.c.recipient_email,
            o.c.recipient_phone,
            o.c.shipper_reference,
            o.c.station_id.label("order_station"),
        ]
        parcel = [sibling.c.barcode.label("parcel"), sibling.c.position]
        orders: dict[str, tuple[OrderStatus, ProofRequirement, Contact]] = {}
        parcels: dict[str, dict[int, str]] = defaultdict(dict)
        states: dict[str, ParcelState] = {}
        for chunk in chunks(barcodes):
            statement = (
                select(*columns, *parcel, *s.c)
                .select_from(joined)
                .where(scanned.c.organisation_id == organisation_id, scanned.c.barcode.in_(chunk))
            )
            for row in self._all(statement):  # fetchall: much cheaper than row by row
                if row.owner not in orders:
                    proof = ProofRequirement(ProofKind(row.proof_kind), row.proof_minimum_age_years)
                    contact = Contact(
                        row.owner, row.recipient_name, row.recipient_email,
                        row.recipient_phone, row.shipper_reference, row.order_station,
                    )  # fmt: skip
                    orders[row.owner] = (OrderStatus(row.order_status), proof, contact)
                parcels[row.owner][row.position] = row.parcel
                if row.barcode is not None:
                    states[row.parcel] = _state(row)
        found = {
            order_id: ScannedOrder(
                order_id,
                status,
                proof,
                tuple(b for _, b in sorted(parcels[order_id].items())),
                contact,
            )
            for order_id, (status, proof, contact) in orders.items()
        }
        owners = {b: order.id for order in found.values() for b in order.barcodes}
        return ScanContext(found, owners, states)

    def of_barcodes(
        self, organisation_id: str, barcodes: Sequence[str]
    ) -> dict[str, builtins.list[ScanRecord]]:
        c = self.table.c
        found: dict[str, builtins.list[ScanRecord]] = defaultdict(builtins.list)
        for chunk in chunks(barcodes):
            statement = (
                select(self.table)
                .where(c.organisation_id == organisation_id, c.barcode.in_(chunk))
                .order_by(c.barcode, c.id)
            )
            for row in self._all(statement):
                found[row.barcode].append(_record(row))
        return dict(found)

    def set_problems(self, organisation_id: str, problems: Mapping[str, str | None]) -> None:
        if not problems:
            return
        c = self.table.c
        statement = (
            update(self.table)
            .where(c.organisation_id == bindparam("b_org"), c.id == bindparam("b_id"))
            .values(problem=bindparam("b_problem"))
        )
        rows = [
            {"b_org": organisation_id, "b_id": event_id, "b_problem": problem}
            for event_id, problem in problems.items()
        ]
        execute_many(self._conn, statement, rows)

    def save_states(self, organisation_id: str, states: Sequence[tuple[str, ParcelState]]) -> None:
        if not states:
            return
        # An upsert, one statement for new and known parcels alike (both databases have
        # INSERT ... ON CONFLICT), where a delete then an insert wrote every index twice.
        upsert = upsert_into(self._conn, t.parcel_states)
        key = {"organisation_id", "barcode"}
        statement = upsert.on_conflict_do_update(
            index_elements=sorted(key),
            set_={c.name: upsert.excluded[c.name] for c in t.parcel_states.c if c.name not in key},
        )
        rows = [_state_values(organisation_id, order_id, state) for order_id, state in states]
        execute_many(self._conn, statement, rows)

    def states(
        self, organisation_id: str, barcodes: Sequence[str]
    ) -> dict[str, tuple[str, ParcelState]]:
        s = t.parcel_states.c
        found: dict[str, tuple[str, ParcelState]] = {}
        for chunk in chunks(barcodes):
            statement = select(t.parcel_states).where(
                s.organisation_id == organisation_id, s.barcode.in_(chunk)
            )
            for row in self._all(statement):
                found[row.barcode] = (row.order_id, _state(row))
        return found

    def received_between(
        self, organisation_id: str, start: datetime, end: datetime
    ) -> builtins.list[ScanRecord]:
        c = self.table.c
        statement = (
            select(self.table)
            .where(
                c.organisation_id == organisation_id,
                c.kind == ScanKind.RECEIVE.value,
                c.device_time >= start,
                c.device_time < end,
            )
            .order_by(c.device_time, c.id)
        )
        return [_record(row) for row in self._all(statement)]

    def service_marks(
        self, organisation_id: str, since: datetime, limit: int
    ) -> builtins.list[ServiceMark]:
        c, o = self.table.c, t.orders.c
        kinds = [ScanKind.ARRIVE.value, ScanKind.DELIVER.value, ScanKind.FAIL.value]
        statement = (
            select(c.order_id, c.barcode, c.kind, c.device_time, o.address, o.kind.label("ok"))
            .select_from(self.table.join(t.orders, o.id == c.order_id))
            .where(
                c.organisation_id == organisation_id,
                c.server_time >= since,
                c.kind.in_(kinds),
                c.problem.is_(None),
            )
            .order_by(c.server_time.desc(), c.id.desc())
            .limit(limit)
        )
        return [
            ServiceMark(
                row.order_id,
                str(row.address["as_given"]).casefold(),
                row.ok == OrderKind.PICKUP.value,
                row.barcode,
                row.kind == ScanKind.ARRIVE.value,
                row.device_time,
            )
            for row in self._all(statement)
        ]

    def list(
        self,
        organisation_id: str,
        *,
        barcode: str | None = None,
        problems_only: bool = False,
        after: Position | None = None,
        limit: int = 100,
    ) -> Sequence[ScanRecord]:
        c = self.table.c
        statement = select(self.table).where(c.organisation_id == organisation_id)
        if barcode is not None:
            statement = statement.where(c.barcode == barcode)
        if problems_only:
            statement = statement.where(c.problem.is_not(None))
        if after is not None:
            at, event_id = after.created_at, after.id
            statement = statement.where(
                or_(c.server_time > at, and_(c.server_time == at, c.id > event_id))
            )
        statement = statement.order_by(c.server_time, c.id).limit(limit)
        return [_record(row) for row in self._all(statement)]


def _event_values(record: ScanRecord) -> dict[str, Any]:
    e = record.event
    return {
        "organisation_id": e.organisation_id,
        "id": e.id,
        "kind": e.kind.value,
        "barcode": e.barcode,
        "order_id": record.order_id,
        "device_time": e.device_time,
        "server_time": e.server_time,
        "actor_id": e.actor_id,
        "device": e.device,
        "lat": None if e.position is None else e.position.lat,
        "lon": None if e.position is None else e.position.lon,
        "lane": e.lane,
        "vehicle_id": e.vehicle_id,
        "reason": None if e.reason is None else e.reason.value,
        "note": e.note,
        "proof": None if e.proof is None else asdict(e.proof),
        "fingerprint": e.fingerprint,
        "problem": record.problem,
    }


def _record(row: Row[Any]) -> ScanRecord:
    return ScanRecord(_event(row), row.order_id, row.problem)


def _event(row: Row[Any]) -> ScanEvent:
    position = None if row.lat is None else Location(row.lat, row.lon)
    return ScanEvent(
        id=row.id,
        organisation_id=row.organisation_id,
        kind=ScanKind(row.kind),
        barcode=row.barcode,
        device_time=row.device_time,
        server_time=row.server_time,
        actor_id=row.actor_id,
        device=row.device,
        position=position,
        lane=row.lane,
        vehicle_id=row.vehicle_id,
        reason=None if row.reason is None else FailReason(row.reason),
        note=row.note,
        proof=None if row.proof is None else Proof(**row.proof),
    )


def _state_values(organisation_id: str, order_id: str, state: ParcelState) -> dict[str, Any]:
    key = state.replayed_to
    return {
        "organisation_id": organisation_id,
        "barcode": state.barcode,
        "order_id": order_id,
        "status": state.status.value,
        "lane": state.lane,
        "vehicle_id": state.vehicle_id,
        "damaged": state.damaged,
        "attempts": state.attempts,
        "trips": state.trips,
        "last_reason": None if state.last_reason is None else state.last_reason.value,
        "last_event_at": state.last_event_at,
        "arrived_at": state.arrived_at,
        "replayed_time": None if key is None else key[0],
        "replayed_rank": None if key is None else key[1],
        "replayed_id": None if key is None else key[2],
        "before_hand_off": None if state.before_hand_off is None else state.before_hand_off.value,
    }


def _state(row: Row[Any]) -> ParcelState:
    return ParcelState(
        barcode=row.barcode,
        status=OrderStatus(row.status),
        lane=row.lane,
        vehicle_id=row.vehicle_id,
        damaged=row.damaged,
        attempts=row.attempts,
        trips=row.trips,
        last_reason=None if row.last_reason is None else FailReason(row.last_reason),
        last_event_at=row.last_event_at,
        arrived_at=row.arrived_at,
        replayed_to=None
        if row.replayed_time is None
        else (row.replayed_time, row.replayed_rank, row.replayed_id),
        before_hand_off=None if row.before_hand_off is None else OrderStatus(row.before_hand_off),
    )
