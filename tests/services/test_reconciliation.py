"""Receiving against the manifests and the day-end count, from the parcels' scans."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from doorstep.domain.errors import InvalidValue
from doorstep.domain.geo import Location
from doorstep.domain.orders import Address, Order
from doorstep.domain.reconciliation import Whereabouts
from doorstep.domain.scans import FailReason, ScanKind
from doorstep.services import orders, reconciliation, scans, stations
from doorstep.services.authorization import Principal
from doorstep.services.scans import IncomingScan
from tests.services.conftest import T0, Ports, order_fields, station_fields

K = ScanKind
DAY = date(2026, 11, 21)  # T0's day: the receive scans happen on it
HERE = Location(60.17, 24.94)


@pytest.fixture
def day(ports: Ports, admin: Principal) -> dict[str, Order]:
    """Acme's three parcels and Bolt's one for DAY at HEL1, and one Acme parcel for the next day."""
    stations.add_station(admin, station_fields("HEL1"), uow=ports.uow, ids=ports.ids)
    made = {}
    for ref, shipper, when in (
        ("A1", "acme", DAY), ("A2", "acme", DAY), ("A3", "acme", DAY), ("B1", "bolt", DAY),
        ("A9", "acme", DAY + timedelta(days=1)),
    ):  # fmt: skip
        fields = order_fields(
            ref, f"P-{ref}", station_id="HEL1", location=HERE, service_date=when,
            shipper=shipper, address=Address(f"Street {ref}, Helsinki"),
        )  # fmt: skip
        made[ref] = orders.create_order(
            admin, fields, uow=ports.uow, clock=ports.clock, ids=ports.ids
        )
    return made


class Scanner:
    def __init__(self, ports: Ports, admin: Principal) -> None:
        self.ports, self.admin, self.n = ports, admin, 0

    def __call__(self, kind: ScanKind, barcode: str, **extra: object) -> None:
        self.n += 1
        at = T0 + timedelta(minutes=self.n)
        event = IncomingScan(f"evt-{self.n:06d}", kind, barcode, at, **extra)  # type: ignore[arg-type]
        report = scans.ingest(self.admin, [event], uow=self.ports.uow, clock=self.ports.clock)
        assert report.results[0].outcome.value == "stored"


def test_receiving_lists_each_manifests_missing_and_damaged_and_the_unexpected(
    ports: Ports, admin: Principal, day: dict[str, Order]
) -> None:
    scan = Scanner(ports, admin)
    scan(K.RECEIVE, "P-A1")
    scan(K.RECEIVE, "P-A2")
    scan(K.DAMAGED, "P-A2")
    scan(K.RECEIVE, "P-B1")
    scan(K.RECEIVE, "NO-SUCH-LABEL")
    scan(K.RECEIVE, "P-A9")  # tomorrow's parcel came early
    report = reconciliation.receiving_report(admin, "HEL1", DAY, uow=ports.uow).receiving
    acme, bolt = report.manifests
    assert (acme.shipper, acme.expected, acme.received) == ("acme", 3, ("P-A1", "P-A2"))
    assert [m.barcode for m in acme.missing] == ["P-A3"]
    assert acme.damaged == ("P-A2",)
    assert (bolt.expected, bolt.received, bolt.missing) == (1, ("P-B1",), ())
    unexpected = dict(report.unexpected)
    assert set(unexpected) == {"NO-SUCH-LABEL", "P-A9"}
    assert "unknown label" in unexpected["NO-SUCH-LABEL"]
    assert "another day or station" in unexpected["P-A9"]


def test_day_end_accounts_for_every_parcel_once_the_vans_are_back(
    ports: Ports, admin: Principal, day: dict[str, Order]
) -> None:
    scan = Scanner(ports, admin)
    for code in ("P-A1", "P-A2", "P-A3"):
        scan(K.RECEIVE, code)
        scan(K.SORT, code, lane="L01")
    for code in ("P-A1", "P-A2"):
        scan(K.LOAD, code, vehicle_id="veh_1")
        scan(K.DEPART, code)
    scan(K.DELIVER, "P-A1")
    scan(K.FAIL, "P-A2", reason=FailReason.RECIPIENT_ABSENT)

    def report() -> reconciliation.DayEndReport:
        return reconciliation.day_end_report(admin, "HEL1", DAY, uow=ports.uow)

    before = report().day_end
    assert sorted(e.barcode for e in before.unaccounted) == ["P-A2", "P-B1"]
    assert before.count(Whereabouts.ON_A_VEHICLE) == 1
    assert before.count(Whereabouts.NEVER_RECEIVED) == 1
    scan(K.RECEIVE, "P-A2")  # the van is back: the failed parcel scanned in
    scan(K.RECEIVE, "P-B1")  # Bolt's parcel turns up
    after = report().day_end
    assert after.unaccounted == ()
    counts = {w: after.count(w) for w in Whereabouts if after.count(w)}
    assert counts == {
        Whereabouts.DELIVERED: 1,
        Whereabouts.BACK_AFTER_FAILED_ATTEMPT: 1,
        Whereabouts.AT_STATION: 2,
    }


def test_a_failed_delivery_is_tried_again_next_day_then_returned_to_the_sender(
    ports: Ports, admin: Principal, day: dict[str, Order]
) -> None:
    """With two attempts allowed: fail, back, next day; fail again, back, to the sender."""
    with ports.uow as uow:
        organisation = uow.organisations.get(admin.organisation_id)
        assert organisation is not None
        organisation.max_delivery_attempts = 2
        uow.organisations.update(organisation)
        uow.commit()
    scan = Scanner(ports, admin)

    def attempt(code: str) -> None:
        scan(K.RECEIVE, code)
        scan(K.SORT, code, lane="L01")
        scan(K.LOAD, code, vehicle_id="veh_1")
        scan(K.DEPART, code)
        scan(K.FAIL, code, reason=FailReason.NO_ACCESS)
        scan(K.RECEIVE, code)  # back at the station

    def close(on: date) -> reconciliation.DayClosed:
        return reconciliation.close_day(admin, "HEL1", on, uow=ports.uow, clock=ports.clock)

    attempt("P-A1")
    first = close(DAY)
    assert [(r.order_id, r.attempts, r.returned) for r in first.retried] == [
        (day["A1"].id, 1, False)
    ]
    assert first.next_day == DAY + timedelta(days=1)
    moved = ports.uow.tables.orders[day["A1"].id]
    assert (moved.service_date, moved.status.value) == (first.next_day, "received")
    assert moved.history[-1].reason == f"attempt 2 on {first.next_day}"
    assert close(DAY).retried == ()  # closing again changes nothing
    attempt("P-A1")
    second = close(first.next_day)
    assert [(r.attempts, r.returned) for r in second.retried] == [(2, True)]
    assert ports.uow.tables.orders[day["A1"].id].status.value == "returned_to_sender"


def test_parcels_the_route_never_reached_come_back_and_go_to_the_next_day(
    ports: Ports, admin: Principal, day: dict[str, Order]
) -> None:
    """Out for delivery, never attempted, scanned back in: accounted for at the station, and
    closing the day plans it on the next day without counting an attempt."""
    scan = Scanner(ports, admin)
    scan(K.RECEIVE, "P-A1")
    scan(K.SORT, "P-A1", lane="L01")
    scan(K.LOAD, "P-A1", vehicle_id="veh_1")
    scan(K.DEPART, "P-A1")
    scan(K.RECEIVE, "P-A1")  # the driver ran out of time; back on the shelf
    day_end = reconciliation.day_end_report(admin, "HEL1", DAY, uow=ports.uow).day_end
    assert day_end.count(Whereabouts.AT_STATION) == 1
    closed = reconciliation.close_day(admin, "HEL1", DAY, uow=ports.uow, clock=ports.clock)
    assert [(r.order_id, r.attempts, r.returned) for r in closed.retried] == [
        (day["A1"].id, 0, False)
    ]
    moved = ports.uow.tables.orders[day["A1"].id]
    assert (moved.service_date, moved.status.value) == (closed.next_day, "received")
    assert moved.history[-1].reason == f"planned on {closed.next_day}"


def test_the_next_delivery_day_skips_the_days_the_station_is_closed() -> None:
    from doorstep.domain.reconciliation import next_delivery_day

    friday = date(2026, 11, 20)
    assert next_delivery_day(friday, range(5)) == date(2026, 11, 23)  # Monday
    assert next_delivery_day(friday, range(7)) == date(2026, 11, 21)
    with pytest.raises(InvalidValue, match="opens on no day"):
        next_delivery_day(friday, [])
