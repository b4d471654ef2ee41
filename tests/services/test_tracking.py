"""The customer's tracking page: tokens, what it shows when, and the recipient's changes."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from doorstep.domain.errors import Conflict, NotFound
from doorstep.domain.geo import Location
from doorstep.domain.order_status import OrderStatus
from doorstep.domain.orders import DeliveryPreferences, Order
from doorstep.domain.proofs import Proof, ProofFile
from doorstep.domain.scans import ScanKind
from doorstep.domain.stations import Station
from doorstep.services import fleet, scans, sorting, stations, tracking
from doorstep.services import tracking_actions as actions
from doorstep.services.authorization import Principal
from doorstep.services.scans import IncomingScan
from doorstep.services.tracking_view import TrackingView
from tests.services.conftest import Ports, driver_fields, station_fields
from tests.services.planning.test_runs import DAY, plan, van
from tests.services.planning.test_runs import order as planned_order

K = ScanKind
ZONE = ZoneInfo("Europe/Helsinki")
SPOTS = [Location(60.18 + 0.01 * n, 24.95 + 0.01 * n) for n in range(5)]


class MemoryProofs:
    """Proof files in memory, per organisation, by hash."""

    def __init__(self) -> None:
        self.files: dict[tuple[str, str], tuple[bytes, str]] = {}

    def put(self, organisation_id: str, data: bytes, media_type: str) -> ProofFile:
        digest = hashlib.sha256(data).hexdigest()
        self.files[(organisation_id, digest)] = (data, media_type)
        return ProofFile(digest, media_type, len(data))

    def exists(self, organisation_id: str, sha256: str) -> bool:
        return (organisation_id, sha256) in self.files

    def get(self, organisation_id: str, sha256: str) -> tuple[bytes, str] | None:
        return self.files.get((organisation_id, sha256))


@dataclass
class Day:
    """A published route of five stops at HEL1, a link per order, and where the parcels are."""

    orders: list[Order]
    links: dict[str, str]  # order id -> token
    vehicle_id: str
    proofs: MemoryProofs = field(default_factory=MemoryProofs)


@pytest.fixture
def station(ports: Ports, admin: Principal) -> Station:
    return stations.add_station(admin, station_fields("HEL1"), uow=ports.uow, ids=ports.ids)


def link(ports: Ports, admin: Principal, order_id: str) -> str:
    return tracking.issue_link(
        admin, order_id, uow=ports.uow, clock=ports.clock, ids=ports.ids, secrets=ports.secrets
    ).token


def view(ports: Ports, token: str) -> TrackingView:
    return tracking.track(token, uow=ports.uow, clock=ports.clock)


@pytest.fixture
def day(ports: Ports, admin: Principal, station: Station) -> Day:
    van(ports, admin, "Van 1", parcels=10)
    fleet.add_driver(admin, driver_fields("HEL1", "Aino Virtanen"), uow=ports.uow, ids=ports.ids)
    placed = [planned_order(ports, admin, f"R-{n}", at) for n, at in enumerate(SPOTS, start=1)]
    version = plan(ports, admin)
    from doorstep.services.planning import runs

    runs.publish(admin, version.id, uow=ports.uow, clock=ports.clock)
    (route,) = [r for r in version.plan.routes if r.visits]
    by_id = {o.id: o for o in placed}
    ordered = [by_id[s] for s in route.stop_ids]
    return Day(ordered, {o.id: link(ports, admin, o.id) for o in ordered}, route.vehicle_id)


def at(hour: int, minute: int = 0) -> datetime:
    return datetime.combine(DAY, time(hour, minute), tzinfo=ZONE)


def send(ports: Ports, admin: Principal, d: Day, *events: IncomingScan) -> None:
    report = scans.ingest(admin, list(events), uow=ports.uow, clock=ports.clock, proofs=d.proofs)
    assert all(r.problem is None for r in report.results), report


def depart(ports: Ports, admin: Principal, d: Day) -> None:
    """Every parcel received, sorted to its lane, loaded and out with the van at 08:00."""
    lines = sorting.sort_plan(admin, "HEL1", DAY, uow=ports.uow).lines
    events = []
    for n, line in enumerate(lines):
        code = line.assignment.barcode
        events += [
            IncomingScan(f"evt-{code}-rcv", K.RECEIVE, code, at(6, n)),
            IncomingScan(f"evt-{code}-srt", K.SORT, code, at(6, 30 + n), lane=line.assignment.lane),
            IncomingScan(f"evt-{code}-lod", K.LOAD, code, at(7, n), vehicle_id=d.vehicle_id),
            IncomingScan(f"evt-{code}-dep", K.DEPART, code, at(8)),
        ]
    send(ports, admin, d, *events)


def deliver(ports: Ports, admin: Principal, d: Day, o: Order, when: datetime, photo: bytes) -> str:
    ports.clock.current = when + timedelta(minutes=1)  # the scan reaches the server then
    stored = d.proofs.put(admin.organisation_id, photo, "image/png")
    code = o.parcels[0].barcode
    proof = Proof(recipient_name="Ann", photo_sha256=stored.sha256)
    position = Location(60.2, 24.9 + when.minute / 1000)  # a place per delivery
    send(
        ports, admin, d,
        IncomingScan(f"evt-{code}-dlv", K.DELIVER, code, when, position=position, proof=proof),
    )  # fmt: skip
    return stored.sha256


def test_a_link_is_stored_only_as_its_hash(ports: Ports, admin: Principal, day: Day) -> None:
    """The database holds the SHA-256 of the token, never the token itself."""
    token = day.links[day.orders[0].id]
    (stored,) = [
        t for t in ports.uow.tables.tracking_tokens.values() if t.order_id == day.orders[0].id
    ]
    assert stored.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in repr(ports.uow.tables.tracking_tokens)


def test_issuing_again_revokes_the_earlier_link(ports: Ports, admin: Principal, day: Day) -> None:
    """An order has one live token: the new link works, the old one is not found."""
    first = day.links[day.orders[0].id]
    second = link(ports, admin, day.orders[0].id)
    assert view(ports, second).shipper_reference == day.orders[0].shipper_reference
    with pytest.raises(NotFound):
        view(ports, first)
    live = [t for t in ports.uow.tables.tracking_tokens.values() if t.revoked_at is None]
    assert len(live) == len(day.orders)


def test_wrong_unknown_and_expired_tokens_get_the_same_answer(
    ports: Ports, admin: Principal, day: Day
) -> None:
    """Every token that does not open a page fails with the same message."""
    token = day.links[day.orders[0].id]
    answers = []
    for wrong in ("", token[:-1], token + "x", "x" * 10_000):
        with pytest.raises(NotFound) as caught:
            view(ports, wrong)
        answers.append(str(caught.value))
    ports.clock.advance(timedelta(days=91))
    with pytest.raises(NotFound) as caught:
        view(ports, token)
    answers.append(str(caught.value))
    assert len(set(answers)) == 1


def test_a_link_ends_thirty_days_after_delivery(ports: Ports, admin: Principal, day: Day) -> None:
    """After the final status the page stays for the proof, then the link stops working."""
    depart(ports, admin, day)
    first = day.orders[0]
    deliver(ports, admin, day, first, at(9), b"\x89PNG\r\n\x1a\nA")
    ports.clock.current = at(9) + timedelta(days=29)
    assert view(ports, day.links[first.id]).status is OrderStatus.DELIVERED
    ports.clock.current = at(9) + timedelta(days=31)
    with pytest.raises(NotFound):
        view(ports, day.links[first.id])


def test_the_page_shows_the_planned_window_and_the_drivers_first_name(
    ports: Ports, admin: Principal, day: Day
) -> None:
    """Once planned: the stop's planned time +-30 min, rounded to quarters; first name only."""
    shown = view(ports, day.links[day.orders[0].id])
    assert shown.driver_first_name == "Aino"
    assert shown.eta is not None
    assert shown.eta.end_at - shown.eta.start_at >= timedelta(hours=1)
    assert shown.eta.start_at.minute % 15 == 0
    assert shown.eta.end_at.minute % 15 == 0
    assert shown.vehicle is None  # not out for delivery yet
    # On a published route: where to leave it may change, the time not (only the station
    # moves a routed stop, and the page offers no time it would refuse).
    assert (shown.can_reschedule, shown.can_change_preferences) == (False, True)


def test_the_vehicle_shows_only_to_the_next_three_stops(
    ports: Ports, admin: Principal, day: Day
) -> None:
    """The last stop sees no vehicle until two stops are done; then it is third in line."""
    depart(ports, admin, day)
    last = day.links[day.orders[4].id]
    deliver(ports, admin, day, day.orders[0], at(9), b"\x89PNG\r\n\x1a\n1")
    assert view(ports, last).vehicle is None
    assert view(ports, day.links[day.orders[3].id]).vehicle is not None
    deliver(ports, admin, day, day.orders[1], at(9, 20), b"\x89PNG\r\n\x1a\n2")
    shown = view(ports, last)
    assert shown.stops_before == 2
    assert shown.vehicle is not None
    assert shown.vehicle.at == at(9, 20)
    where = shown.vehicle.location
    assert (where.lat, where.lon) == pytest.approx((60.2, 24.92))


def test_after_delivery_the_proof_and_only_its_files_are_shown(
    ports: Ports, admin: Principal, day: Day
) -> None:
    """A's link serves A's photo and refuses B's, though both are the organisation's files."""
    depart(ports, admin, day)
    a, b = day.orders[0], day.orders[1]
    photo_a = deliver(ports, admin, day, a, at(9), b"\x89PNG\r\n\x1a\nA")
    photo_b = deliver(ports, admin, day, b, at(9, 10), b"\x89PNG\r\n\x1a\nB")
    shown = view(ports, day.links[a.id])
    assert shown.proof is not None
    assert (shown.proof.kind, shown.proof.recipient_name, shown.proof.files) == (
        "photo", "Ann", (photo_a,),
    )  # fmt: skip
    assert shown.eta is None
    assert shown.vehicle is None
    own = tracking.proof_file(
        day.links[a.id], photo_a, uow=ports.uow, clock=ports.clock, store=day.proofs
    )
    assert own == (b"\x89PNG\r\n\x1a\nA", "image/png")
    with pytest.raises(NotFound):
        tracking.proof_file(
            day.links[a.id], photo_b, uow=ports.uow, clock=ports.clock, store=day.proofs
        )


def test_changes_stop_once_the_van_has_left(ports: Ports, admin: Principal, day: Day) -> None:
    """Out for delivery, neither preferences nor a new day can be chosen."""
    depart(ports, admin, day)
    token = day.links[day.orders[0].id]
    assert not view(ports, token).can_change_preferences
    with pytest.raises(Conflict):
        actions.choose_preference(
            token,
            DeliveryPreferences(safe_place="porch"),
            uow=ports.uow,
            clock=ports.clock,
            ids=ports.ids,
        )
