"""A station's day KPIs count its orders handed to partners: order KPIs, not route KPIs."""

from __future__ import annotations

from datetime import timedelta

from doorstep.domain.carriers import ServiceLevel
from doorstep.domain.handoffs import PartnerStatus, TrackingEvent
from doorstep.domain.orders import Order
from doorstep.domain.webhooks import new_secret
from doorstep.services import kpis
from doorstep.services.authorization import Principal
from doorstep.services.carriers import handoff
from tests.services.carriers.test_handoff import FakeGateway, ready_order
from tests.services.carriers.test_handoff import gateway as gateway
from tests.services.carriers.test_handoff import hports as hports
from tests.services.carriers.test_registry import import_samples
from tests.services.conftest import Ports
from tests.services.planning.test_runs import DAY
from tests.services.test_kpis import MORNING, run_day
from tests.services.test_loadout import day, station

__all__ = ["day", "gateway", "hports", "station"]  # fixtures, used by name


def test_a_delivery_by_a_partner_counts_in_the_stations_day(
    ports: Ports,
    admin: Principal,
    day: list[Order],
    gateway: FakeGateway,
    hports: handoff.HandoffPorts,
) -> None:
    """The day of ``test_kpis`` (2 of 3 stops at the first attempt, both on time) plus one
    order handed to a partner and delivered on its date: 3 of 4 first attempt, 3 of 3 on
    time, its hand-off standing for the station's scans; the van's route KPIs unchanged."""
    vehicle, _ = run_day(ports, admin)
    before = kpis.day_kpis(admin, "HEL1", DAY, uow=ports.uow).kpis
    import_samples(ports, admin)
    handoff.connect(
        admin,
        "kaupunkikuriiri",
        base_url="https://partner.test/v1",
        api_key="key",
        webhook_secret=new_secret(b"k" * 32),
        uow=ports.uow,
        clock=ports.clock,
    )
    ready_order(ports, admin, "PX-1")
    made = handoff.hand_off(admin, "PX-1", "kaupunkikuriiri", ServiceLevel.SAME_DAY, ports=hports)
    events = [
        TrackingEvent("e1", made.booking_id, PartnerStatus.PICKED_UP, MORNING),
        TrackingEvent("e2", made.booking_id, PartnerStatus.DELIVERED, MORNING + timedelta(hours=2)),
    ]
    handoff.apply_events(admin, made.carrier_id, events, ports=hports)
    after = kpis.day_kpis(admin, "HEL1", DAY, uow=ports.uow).kpis
    assert (str(after.day.first_attempt), str(after.day.on_time)) == ("3/4", "3/3")
    assert str(after.day.scan_compliance) == "4/4"
    assert after.routes[vehicle] == before.routes[vehicle]
    assert after.day.road == before.day.road
