"""The twin's partner carriers: bookings in this process, each hand-off's events drawn from
the seed and applied through ``handoff.apply_events`` at their times, so the orders end
delivered or failed as drawn, and within the promise when nothing is drawn late."""

from __future__ import annotations

import hashlib
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from doorstep.adapters.proof_files import FileProofStore
from doorstep.domain.carriers import ServiceLevel
from doorstep.domain.exceptions import ExceptionType
from doorstep.domain.handoffs import HandoffStatus, PartnerStatus
from doorstep.domain.kpis import Ratio
from doorstep.domain.order_status import OrderStatus
from doorstep.domain.orders import Order, ProofKind, ProofRequirement
from doorstep.domain.scans import ScanEvent, ScanKind
from doorstep.domain.schedules import TimeWindow
from doorstep.services import kpis, stations
from doorstep.services.authorization import Principal
from doorstep.services.carriers import handoff, registry
from doorstep.services.carriers.handoff import HandoffPorts
from doorstep.simulation.day_run import PNG, run_day
from doorstep.simulation.partners import (
    PartnerWorld,
    SimulatedPartners,
    TwinGateways,
    connect_partners,
)
from doorstep.simulation.world import SimClock, SimPorts, World
from tests.services.carriers.test_handoff import ready_order
from tests.services.carriers.test_registry import import_samples
from tests.services.conftest import Ports, admin, make_admin, ports, station_fields
from tests.services.planning.test_day import StraightTravel
from tests.services.test_loadout import day, station
from tests.services.test_sorting import published

__all__ = ["admin", "day", "ports", "station"]  # fixtures, used by name

DAY = date(2026, 11, 23)
HEL = ZoneInfo("Europe/Helsinki")
MORNING = datetime(2026, 11, 23, 6, tzinfo=HEL)  # the hand-offs are booked at 06:00
PROMISE = datetime(2026, 11, 23, 21, tzinfo=HEL)  # the courier's: by 14:00, delivered by 21:00
WINDOW = TimeWindow(datetime(2026, 11, 23, 14, tzinfo=HEL), datetime(2026, 11, 23, 16, tzinfo=HEL))
# A partner for windowed orders (the samples have none): it keeps the order's window.
WINDOW_PARTNER = {
    "code": "ikkunakuriiri",
    "name": "Ikkunakuriiri",
    "kind": "partner",
    "service_levels": "scheduled",
    "polygon": "60.13 24.78 | 60.13 25.10 | 60.27 25.10 | 60.27 24.78",
    "capacity_per_day": "150",
    "handles": "age_check",
    "active": "yes",
    "proofs": "signature photo",
}
# reference -> (carrier, level, what the order asks beyond a plain delivery)
ORDERS: dict[str, tuple[str, ServiceLevel, dict[str, object]]] = {
    "R-1": ("kaupunkikuriiri", ServiceLevel.SAME_DAY, {}),
    "R-2": ("kaupunkikuriiri", ServiceLevel.SAME_DAY, {}),
    "R-3": ("kaupunkikuriiri", ServiceLevel.SAME_DAY, {}),
    "R-4": ("kaupunkikuriiri", ServiceLevel.SAME_DAY, {}),
    "R-5": (
        "kaupunkikuriiri",
        ServiceLevel.SAME_DAY,
        {"proof": ProofRequirement(ProofKind.SIGNATURE)},
    ),
    "R-6": ("ikkunakuriiri", ServiceLevel.SCHEDULED, {"time_windows": (WINDOW,)}),
}


def twin_partners(
    ports: Ports, principal: Principal, tmp_path: Path, clock: SimClock
) -> HandoffPorts:
    """The samples and the window partner, connected to the twin's gateways; the ports a
    hand-off and the partners' events go through (on ``clock``)."""
    import_samples(ports, principal)
    registry.import_files(
        principal, [(2, WINDOW_PARTNER)], uow=ports.uow, clock=ports.clock, ids=ports.ids
    )
    assert connect_partners(principal, uow=lambda: ports.uow, clock=clock) == [
        "ikkunakuriiri",
        "kaupunkikuriiri",
        "pakettiexpress",
    ]
    proofs = FileProofStore(tmp_path / "proofs")
    return HandoffPorts(ports.uow, clock, ports.ids, TwinGateways(), proofs=proofs)


def hand_off_all(ports: Ports, principal: Principal, hports: HandoffPorts) -> dict[str, Order]:
    """The six orders of ``ORDERS`` created and handed to their partners at 06:00."""
    made = {}
    for ref, (carrier, level, changes) in ORDERS.items():
        made[ref] = ready_order(ports, principal, ref, **changes)
        booked = handoff.hand_off(principal, ref, carrier, level, ports=hports)
        assert booked.created_at == MORNING
    return made


def scans_of(ports: Ports, principal: Principal, order: Order) -> list[ScanEvent]:
    with ports.uow:
        found = ports.uow.scans.of_barcodes(principal.organisation_id, [order.parcels[0].barcode])
    return sorted((r.event for rs in found.values() for r in rs), key=lambda e: e.device_time)


def shown(partners: SimulatedPartners) -> list[tuple[str, str, datetime, str]]:
    """The drawn events as a person would compare them: reference, status, time, reason."""
    return [
        (d.order.shipper_reference, e.status.value, e.at, e.reason)
        for d in partners.drawn
        for e in d.events
    ]


def test_the_twin_books_in_process_by_idempotency_key(
    ports: Ports, admin: Principal, station: object, tmp_path: Path
) -> None:
    clock = SimClock(MORNING)
    hports = twin_partners(ports, admin, tmp_path, clock)
    made = hand_off_all(ports, admin, hports)
    with ports.uow:
        stored = ports.uow.handoffs.list(admin.organisation_id, day=DAY)
    assert [(h.booking_id, h.tracking_number) for h in stored] == [
        ("kaupunkikuriiri-000001", "TWKAU000001"),
        ("kaupunkikuriiri-000002", "TWKAU000002"),
        ("kaupunkikuriiri-000003", "TWKAU000003"),
        ("kaupunkikuriiri-000004", "TWKAU000004"),
        ("kaupunkikuriiri-000005", "TWKAU000005"),
        ("ikkunakuriiri-000001", "TWIKK000001"),
    ]
    assert isinstance(hports.gateways, TwinGateways)
    courier = hports.gateways.of(admin.organisation_id, "kaupunkikuriiri")
    first = courier.requests["kaupunkikuriiri-000001"]
    assert (first.reference, first.idempotency_key) == (made["R-1"].id, f"{made['R-1'].id}:1")
    assert courier.book(first).booking_id == "kaupunkikuriiri-000001"  # a retry: the same
    assert len(courier.bookings) == 5


def test_the_same_seed_draws_the_same_events_in_any_organisation(
    ports: Ports, admin: Principal, station: object, tmp_path: Path
) -> None:
    clock = SimClock(MORNING)
    hports = twin_partners(ports, admin, tmp_path, clock)
    hand_off_all(ports, admin, hports)
    first = SimulatedPartners(admin, DAY, ports=hports, seed=7)
    first.draw()
    again = SimulatedPartners(admin, DAY, ports=hports, seed=7)
    again.draw()
    assert [d.events for d in again.drawn] == [d.events for d in first.drawn]
    assert len(first.events()) == 18  # picked up, out for delivery, delivered or failed: x6

    rival = make_admin(ports, "Rival")
    stations.add_station(rival, station_fields("HEL1"), uow=ports.uow, ids=ports.ids)
    theirs = twin_partners(ports, rival, tmp_path, clock)
    hand_off_all(ports, rival, theirs)
    elsewhere = SimulatedPartners(rival, DAY, ports=theirs, seed=7)
    elsewhere.draw()
    assert shown(elsewhere) == shown(first)

    other = SimulatedPartners(admin, DAY, ports=hports, seed=8)
    other.draw()
    assert [at for _, _, at, _ in shown(other)] != [at for _, _, at, _ in shown(first)]


def test_the_events_go_through_apply_events_and_each_order_ends_as_drawn(
    ports: Ports, admin: Principal, station: object, tmp_path: Path
) -> None:
    clock = SimClock(MORNING)
    hports = twin_partners(ports, admin, tmp_path, clock)
    made = hand_off_all(ports, admin, hports)
    world = PartnerWorld(late_share=0.2, failed_share=0.4)
    partners = SimulatedPartners(admin, DAY, ports=hports, seed=6, world=world)
    partners.draw()
    outcomes = {d.order.shipper_reference: d.outcome for d in partners.drawn}
    assert outcomes == {  # what this seed draws: every kind of outcome
        "R-1": "failed",
        "R-2": "within",
        "R-3": "within",
        "R-4": "failed",
        "R-5": "failed",
        "R-6": "late",
    }
    partners.play(clock)
    assert partners.rejected() == []
    last = max(e.at for _, e in partners.events())
    assert clock.now() == last  # applied one by one, the clock at each event's time
    org = admin.organisation_id
    for d in partners.drawn:
        order = made[d.order.shipper_reference]
        with ports.uow:
            status = ports.uow.orders.get(org, order.id)
            stored = ports.uow.handoffs.get(org, d.handoff.id)
            cases = ports.uow.exceptions.open_of_orders(
                org, [order.id], ExceptionType.FAILED_ATTEMPT
            )
        assert status is not None
        assert stored is not None
        seen = scans_of(ports, admin, order)
        # The booking's hand_off scan, then the partner's three events as scans, each stored
        # at its own time (applied while the clock stood there).
        kinds = [e.kind for e in seen]
        attempt = d.events[-1]
        if d.outcome == "failed":
            assert attempt.status is PartnerStatus.FAILED
            assert (status.status, stored.status) == (
                OrderStatus.FAILED_ATTEMPT,
                HandoffStatus.IN_PROGRESS,
            )
            assert kinds == [ScanKind.HAND_OFF, ScanKind.HAND_OFF, ScanKind.DEPART, ScanKind.FAIL]
            assert len(cases) == 1
        else:
            assert attempt.status is PartnerStatus.DELIVERED
            assert (status.status, stored.status) == (
                OrderStatus.DELIVERED,
                HandoffStatus.DELIVERED,
            )
            assert kinds == [
                ScanKind.HAND_OFF,
                ScanKind.HAND_OFF,
                ScanKind.DEPART,
                ScanKind.DELIVER,
            ]
            assert cases == []
        assert [e.device_time for e in seen[1:]] == [e.at for e in d.events]
        assert [e.server_time for e in seen[1:]] == [e.at for e in d.events]
    # The partner's API reports the same events when asked: pulling them stores nothing new.
    pulled = handoff.pull_events(admin, partners.drawn[0].handoff.id, ports=hports)
    assert (pulled.scans["duplicate"], pulled.scans["stored"]) == (3, 0)
    # Delivered: within the promise, R-6 after its window (14:00-16:00) closed.
    report = kpis.order_kpis(admin, [o.id for o in made.values()], DAY, uow=ports.uow)
    assert report.on_time == Ratio(2, 3)
    assert report.first_attempt == Ratio(3, 6)


def test_with_no_late_share_every_delivery_keeps_the_promise(
    ports: Ports, admin: Principal, station: object, tmp_path: Path
) -> None:
    clock = SimClock(MORNING)
    hports = twin_partners(ports, admin, tmp_path, clock)
    made = hand_off_all(ports, admin, hports)
    world = PartnerWorld(late_share=0.0, failed_share=0.0)
    for seed in (1, 2, 3):  # each seed on a fresh drawing; applying is for the first only
        partners = SimulatedPartners(admin, DAY, ports=hports, seed=seed, world=world)
        for d in partners.draw():
            picked, out, delivered = d.events
            assert d.outcome == "within"
            assert delivered.status is PartnerStatus.DELIVERED
            assert MORNING + timedelta(minutes=15) <= picked.at <= out.at <= delivered.at
            if d.order.shipper_reference == "R-6":  # kept inside its window
                assert d.due == WINDOW.end_at
                assert WINDOW.start_at <= delivered.at <= WINDOW.end_at
            else:  # booked at 06:00, before the 14:00 cut-off: by 21:00 that day
                assert d.due == PROMISE
                assert delivered.at <= PROMISE
        if seed == 1:
            partners.play(clock)
    assert partners.rejected() == []
    # The courier brought the signature the order asks for, stored as a driver's is.
    proof = scans_of(ports, admin, made["R-5"])[-1].proof
    assert proof is not None
    assert proof.signature_sha256 == hashlib.sha256(PNG).hexdigest()
    ids = [o.id for o in made.values()]
    report = kpis.order_kpis(admin, ids, DAY, uow=ports.uow)
    assert report.on_time == Ratio(6, 6)
    assert report.first_attempt == Ratio(6, 6)


def test_the_twin_plays_partner_events_among_its_own_day_and_closes_after_them(
    ports: Ports, admin: Principal, day: list[Order], tmp_path: Path
) -> None:
    """Three own-fleet stops played by the twin, one order with the courier: its events are
    applied during the day at their times, and the day is closed after the last one."""
    published(ports, admin)
    clock = SimClock(MORNING)
    hports = twin_partners(ports, admin, tmp_path, clock)
    parcel = ready_order(ports, admin, "P-1")
    handoff.hand_off(admin, "P-1", "kaupunkikuriiri", ServiceLevel.SAME_DAY, ports=hports)
    partners = SimulatedPartners(
        admin, DAY, ports=hports, seed=5, world=PartnerWorld(late_share=0, failed_share=0)
    )
    partners.draw()
    calm = World(
        late_departure_share=0, absent_morning=0, absent_afternoon=0, refused=0, damaged=0,
        mis_sort=0, missed_scan=0, breakdown_share=0,
    )  # fmt: skip
    sim = SimPorts(lambda: ports.uow, clock, ports.ids, StraightTravel())
    played = run_day(admin, "HEL1", DAY, ports=sim, seed=5, world=calm, elsewhere=partners.steps())
    assert played.delivered == 3  # the vans' own stops
    assert partners.rejected() == []
    seen = scans_of(ports, admin, parcel)
    assert [e.kind for e in seen] == [
        ScanKind.HAND_OFF,
        ScanKind.HAND_OFF,
        ScanKind.DEPART,
        ScanKind.DELIVER,
    ]
    assert [e.server_time for e in seen[1:]] == [e.at for e in partners.drawn[0].events]
    assert played.ended_at is not None
    assert played.ended_at > seen[-1].device_time
    with ports.uow:
        found = ports.uow.orders.get_many(admin.organisation_id, [o.id for o in [*day, parcel]])
    assert {o.status for o in found.values()} == {OrderStatus.DELIVERED}
