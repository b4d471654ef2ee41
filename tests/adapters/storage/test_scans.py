"""The scan repository and the scan service on SQLite and PostgreSQL."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from doorstep.bootstrap import Container
from doorstep.domain.accounts import Organisation, Role
from doorstep.domain.geo import Location
from doorstep.domain.order_status import OrderStatus as S
from doorstep.domain.orders import OrderKind, ProofKind, ProofRequirement
from doorstep.domain.proofs import Proof
from doorstep.domain.scans import FailReason, ParcelState, ScanEvent, ScanKind
from doorstep.services import scans
from doorstep.services.authorization import ActorKind, Principal
from doorstep.services.ports import Contact, Position, ScannedOrder, ScanRecord
from doorstep.services.scans import IncomingScan, Outcome
from tests.adapters.storage.conftest import PLUS2, T0, order


class Clock:
    def now(self):  # type: ignore[no-untyped-def]
        return T0 + timedelta(hours=1)


def event(n: int, kind: ScanKind, barcode: str = "P-1", **extra: object) -> ScanEvent:
    return ScanEvent(
        id=f"evt-{barcode}-{n:04d}",
        organisation_id="org_a",
        kind=kind,
        barcode=barcode,
        device_time=(T0 + timedelta(minutes=n)).astimezone(PLUS2),
        server_time=T0,
        actor_id="usr_1",
        **extra,  # type: ignore[arg-type]
    )


def test_events_and_states_round_trip(container: Container, org: Organisation) -> None:
    """Every field comes back as stored, times as the same instants, problems rewritable."""
    sort = event(1, ScanKind.SORT, lane="A3", position=Location(60.1, 24.9), device="tc52")
    fail = event(2, ScanKind.FAIL, reason=FailReason.REFUSED, note="said no")
    state = ParcelState(
        "P-1", S.FAILED_ATTEMPT, "A3", "veh_1", True, 1, FailReason.REFUSED, T0,
        arrived_at=T0, replayed_to=fail.replay_key,
    )  # fmt: skip
    with container.uow() as uow:
        uow.orders.add(order())
        uow.scans.add_many([ScanRecord(sort, "ord_1"), ScanRecord(fail, "ord_1", "why")])
        uow.scans.save_states("org_a", [("ord_1", state)])
        uow.commit()
    with container.uow() as uow:
        assert uow.scans.stored("org_a", [sort.id, fail.id, "evt-nothing"]) == {
            sort.id: (sort.fingerprint, None),
            fail.id: (fail.fingerprint, "why"),
        }
        records = uow.scans.of_barcodes("org_a", ["P-1"])["P-1"]
        assert [(r.event, r.order_id, r.problem) for r in records] == [
            (sort, "ord_1", None),
            (fail, "ord_1", "why"),
        ]
        assert uow.scans.states("org_a", ["P-1", "P-2"]) == {"P-1": ("ord_1", state)}
        uow.scans.set_problems("org_a", {fail.id: None, sort.id: "late"})
        uow.scans.save_states("org_a", [("ord_1", replace(state, attempts=2))])
        uow.commit()
    with container.uow() as uow:
        listed = uow.scans.list("org_a")
        assert [(r.event.id, r.problem) for r in listed] == [(sort.id, "late"), (fail.id, None)]
        assert [r.event.id for r in uow.scans.list("org_a", problems_only=True)] == [sort.id]
        assert uow.scans.list("org_a", after=Position(T0, sort.id)) == [listed[1]]
        assert uow.scans.states("org_a", ["P-1"])["P-1"][1].attempts == 2
        assert uow.scans.list("org_b") == []


def test_a_day_through_the_service_and_a_retry(container: Container, org: Organisation) -> None:
    """Stored once, replayed, the order follows; the same batch again is all duplicates."""
    with container.uow() as uow:
        uow.orders.add(order(kind=OrderKind.DELIVERY, status=S.READY))
        uow.commit()
    who = Principal("org_a", "usr_1", ActorKind.USER, frozenset({Role.DRIVER}))
    kinds = [ScanKind.RECEIVE, ScanKind.SORT, ScanKind.LOAD, ScanKind.DEPART, ScanKind.DELIVER]
    checked = Proof("Ann", age_verified=True)  # the order asks for an ID check (18+)
    extra = {
        ScanKind.SORT: {"lane": "A3"},
        ScanKind.LOAD: {"vehicle_id": "veh_1"},
        ScanKind.DELIVER: {"proof": checked},
    }
    batch = [
        IncomingScan(f"evt-{b}-{n:04d}", k, b, T0 + timedelta(minutes=n), **extra.get(k, {}))  # type: ignore[arg-type]
        for b in ("P-1", "P-2", "P-3")
        for n, k in enumerate(kinds)
    ]
    first = scans.ingest(who, batch, uow=container.uow(), clock=Clock())
    assert first.counts["stored"] == 15
    assert first.counts["problems"] == 0
    again = scans.ingest(who, batch[::-1], uow=container.uow(), clock=Clock())
    assert {r.outcome for r in again.results} == {Outcome.DUPLICATE}
    with container.uow() as uow:
        stored = uow.orders.get("org_a", "ord_1")
        assert stored is not None
        assert stored.status is S.DELIVERED
        assert [c.to_status for c in stored.history][-1] is S.DELIVERED
        assert len(uow.scans.list("org_a", limit=1000)) == 15


def test_context_reads_the_whole_order_of_a_scanned_parcel(
    container: Container, org: Organisation
) -> None:
    """One parcel scanned: its order's status, proof, every parcel in order and their states."""
    state = ParcelState("P-2", S.SORTED, "A3", replayed_to=event(1, ScanKind.RECEIVE).replay_key)
    with container.uow() as uow:
        uow.orders.add(order())
        uow.orders.add(order("org_a", "ord_2", "Q-1"))
        uow.scans.save_states("org_a", [("ord_1", state)])
        found = uow.scans.context("org_a", ["P-1", "P-3", "NOBODY"])
        uow.commit()
    assert found.orders == {
        "ord_1": ScannedOrder(
            "ord_1",
            S.CREATED,
            ProofRequirement(ProofKind.MINIMUM_AGE, 18),
            ("P-1", "P-2", "P-3"),
            Contact(
                "ord_1", "Ann Äkräs", "ann@example.com", "+358 40 123 4567", "R-ord_1", "stn_1"
            ),
        )
    }
    assert found.owners == {"P-1": "ord_1", "P-2": "ord_1", "P-3": "ord_1"}
    assert found.states == {"P-2": state}


def test_service_marks_are_the_arrivals_and_endings_that_applied(
    container: Container, org: Organisation
) -> None:
    """Arrive and deliver scans come back newest first with the order's address and kind;
    a sort scan, and a scan that did not apply, do not."""
    arrive, deliver = event(1, ScanKind.ARRIVE), event(2, ScanKind.DELIVER)
    sort, bad = (
        event(0, ScanKind.SORT, lane="A3"),
        event(3, ScanKind.FAIL, reason=FailReason.UNSAFE),
    )
    with container.uow() as uow:
        uow.orders.add(order())
        uow.scans.add_many([ScanRecord(e, "ord_1") for e in (arrive, deliver, sort)])
        uow.scans.add_many([ScanRecord(bad, "ord_1", "did not apply")])
        found = uow.scans.service_marks("org_a", T0 - timedelta(days=1), 10)
        uow.commit()
    # Newest first: stored at the same instant, the later id first; order() is a pickup.
    assert [(m.barcode, m.arrived, m.pickup) for m in found] == [
        ("P-1", False, True),
        ("P-1", True, True),
    ]
    assert {m.address_key for m in found} == {"mannerheimintie 1 a 3, helsinki"}
    assert {m.at for m in found} == {arrive.device_time, deliver.device_time}
