"""Receiving against the manifests and the day-end count, from the parcels' scans."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

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
