"""Hand-offs and carrier connections stored and read back; one open hand-off per order."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest

from doorstep.bootstrap import Container
from doorstep.domain.accounts import Organisation
from doorstep.domain.carriers import ServiceLevel
from doorstep.domain.errors import Conflict
from doorstep.domain.handoffs import CarrierConnection, Handoff, HandoffStatus
from doorstep.domain.webhooks import new_secret
from tests.adapters.storage.conftest import T0, order, organisation
from tests.adapters.storage.test_carriers import carrier

DAY = date(2026, 11, 23)
SECRET = new_secret(b"w" * 32)


def handoff(handoff_id: str = "hof_1", booking: str = "shp_1", **changes: object) -> Handoff:
    made = Handoff(
        handoff_id, "org_a", "ord_1", "car_1", "pk", ServiceLevel.SAME_DAY, DAY, booking,
        f"PX-{booking}", T0, label_pdf=b"%PDF-1.4 label\x00\xff",
    )  # fmt: skip
    return replace(made, **changes)  # type: ignore[arg-type]


def connection(org: str = "org_a", carrier_id: str = "car_1") -> CarrierConnection:
    return CarrierConnection(
        org, carrier_id, "generic_partner", "https://partner.test/v1", "key", SECRET, T0
    )


def test_hand_offs_and_connections_round_trip(container: Container, org: Organisation) -> None:
    with container.uow() as uow:
        uow.organisations.add(organisation("org_b"))
        uow.carriers.add(carrier())
        uow.carriers.add(carrier("org_b", "car_2"))
        uow.orders.add(order("org_a", "ord_1", "P-1"))
        uow.handoffs.add(handoff())
        uow.carrier_connections.put(connection())
        uow.carrier_connections.put(connection())  # replaced, not doubled
        uow.carrier_connections.put(connection("org_b", "car_2"))
        uow.commit()
    with container.reader() as uow:
        assert uow.handoffs.get("org_a", "hof_1") == handoff()
        assert uow.handoffs.get("org_b", "hof_1") is None
        assert uow.handoffs.open_of_order("org_a", "ord_1") == handoff()
        assert uow.handoffs.by_booking("org_a", "car_1", "shp_1") == handoff()
        assert [h.id for h in uow.handoffs.list("org_a", day=DAY)] == ["hof_1"]
        assert uow.handoffs.list("org_a", day=DAY + timedelta(days=1)) == []
        assert uow.handoffs.list("org_a", carrier_id="car_9") == []
        assert uow.carrier_connections.get("org_a", "car_1") == connection()
        both = uow.carrier_connections.by_carrier_code("pk")
        assert both == [("car_1", connection()), ("car_2", connection("org_b", "car_2"))]
    done = replace(handoff(), status=HandoffStatus.DELIVERED, last_event_at=T0 + timedelta(hours=3))
    with container.uow() as uow:
        uow.handoffs.update(done)
        uow.handoffs.add(handoff("hof_2", "shp_2"))  # the first is closed: a new one may open
        uow.commit()
    with container.reader() as uow:
        assert uow.handoffs.get("org_a", "hof_1") == done
        assert uow.handoffs.open_of_order("org_a", "ord_1") == handoff("hof_2", "shp_2")


def test_one_open_hand_off_per_order_and_one_row_per_booking(
    container: Container, org: Organisation
) -> None:
    with container.uow() as uow:
        uow.carriers.add(carrier())
        uow.orders.add(order("org_a", "ord_1", "P-1"))
        uow.handoffs.add(handoff())
        uow.commit()
    with pytest.raises(Conflict):
        add(container, handoff("hof_2", "shp_2"))  # the order's first is still open
    with pytest.raises(Conflict):
        add(container, handoff("hof_3", "shp_1", status=HandoffStatus.CANCELLED))  # booking


def add(container: Container, made: Handoff) -> None:
    with container.uow() as uow:
        uow.handoffs.add(made)
        uow.commit()
