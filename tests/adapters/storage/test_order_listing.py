"""Keyset pagination and filters of the order listing, on the real databases."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from doorstep.bootstrap import Container
from doorstep.domain.accounts import Organisation
from doorstep.domain.errors import InvalidValue
from doorstep.domain.order_status import OrderStatus
from doorstep.services import orders
from doorstep.services.authorization import system_principal
from doorstep.services.ports import OrderFilter, Position
from tests.adapters.storage.conftest import PLUS2, T0, order

# Creation times with ties and mixed offsets: 09:30+02:00 is 07:30 UTC, before T0 (08:00 UTC).
CREATED = [
    T0,
    T0,
    T0.astimezone(PLUS2) - timedelta(minutes=30),
    T0 + timedelta(seconds=1),
    T0,
    T0 - timedelta(days=1),
    T0 + timedelta(microseconds=1),
]


@pytest.fixture
def listed(container: Container, org: Organisation) -> list[str]:
    """Seven orders of org_a stored out of order; returns their ids in listing order."""
    stored = [
        order(org.id, f"ord_{i}", f"P-{i}", created_at=at, station_id=None if i % 2 else "stn_1")
        for i, at in zip([5, 3, 6, 1, 0, 4, 2], CREATED, strict=True)
    ]
    with container.uow() as uow:
        for o in stored:
            uow.orders.add(o)
        uow.commit()
    return [o.id for o in sorted(stored, key=lambda o: (o.created_at, o.id))]


def test_pages_follow_creation_instant_then_id(container: Container, listed: list[str]) -> None:
    """Pages of 3 give 3+3+1 orders in (created_at, id) order, whatever offset times came in."""
    principal, cursor, pages = system_principal("org_a"), None, []
    for _ in range(4):
        page = orders.list_orders(
            principal, OrderFilter(), cursor=cursor, limit=3, uow=container.uow()
        )
        pages.append([o.id for o in page.orders])
        if (cursor := page.next_cursor) is None:
            break
    assert [len(p) for p in pages] == [3, 3, 1]
    assert [order_id for page in pages for order_id in page] == listed


def test_filters_narrow_the_listing(container: Container, listed: list[str]) -> None:
    """Status, station and creation-time filters each keep only matching orders."""
    with container.uow() as uow:

        def ids(where: OrderFilter) -> list[str]:
            return [o.id for o in uow.orders.list("org_a", where, after=None, limit=50)]

        assert ids(OrderFilter(statuses=frozenset({OrderStatus.CREATED}))) == listed
        assert ids(OrderFilter(statuses=frozenset({OrderStatus.READY}))) == []
        assert ids(OrderFilter(station_id="stn_1")) == [i for i in listed if int(i[-1]) % 2 == 0]
        assert ids(OrderFilter(created_from=T0, created_before=T0 + timedelta(seconds=1))) == [
            "ord_0",
            "ord_3",
            "ord_5",
            "ord_2",
        ]
        after = Position(T0.astimezone(PLUS2), "ord_0")
        assert [
            o.id for o in uow.orders.list("org_a", OrderFilter(), after=after, limit=50)
        ] == listed[3:]


@pytest.mark.parametrize("instant", ["9999-12-31T23:00:00-05:00", "0001-01-01T00:30:00+01:00"])
def test_cursor_at_the_edge_of_time_is_refused(
    container: Container, org: Organisation, instant: str
) -> None:
    """A crafted cursor whose time cannot be converted to UTC is an InvalidValue, not a crash."""
    cursor = orders.encode_cursor(Position(datetime.fromisoformat(instant), "ord_x"))
    with pytest.raises(InvalidValue) as raised:
        orders.list_orders(
            system_principal(org.id), OrderFilter(), cursor=cursor, limit=3, uow=container.uow()
        )
    assert raised.value.field == "cursor"
