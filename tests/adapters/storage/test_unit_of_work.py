"""The SQL unit of work: one transaction, re-entrant, and broken uniqueness as Conflict."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from sqlalchemy.exc import DBAPIError

from doorstep.adapters.storage.unit_of_work import SqlUnitOfWork
from doorstep.bootstrap import Container
from doorstep.domain.accounts import Organisation
from doorstep.domain.errors import Conflict
from doorstep.services.ports import OrderFilter
from tests.adapters.storage.conftest import order, station, user, vehicle

DUPLICATES: dict[str, Callable[[SqlUnitOfWork], None]] = {
    "barcode": lambda uow: uow.orders.add(order("org_a", "ord_2", "P-9", "P-2")),
    "shipper reference": lambda uow: uow.orders.add(
        order("org_a", "ord_2", "Q-1", shipper_reference="R-ord_1")
    ),
    "e-mail": lambda uow: uow.users.add(user(user_id="usr_2", email="usr_1@example.com")),
    "station code": lambda uow: uow.stations.add(station(station_id="stn_2")),
    "vehicle name": lambda uow: uow.vehicles.add(vehicle(id="veh_2")),
    "primary key": lambda uow: uow.orders.add(
        order("org_a", "ord_1", "Q-1", shipper_reference="R-x")
    ),
}


@pytest.fixture
def stored(container: Container, org: Organisation) -> Container:
    """org_a with a user, a vehicle and order ord_1 (parcels P-1..P-3), committed."""
    with container.uow() as uow:
        uow.users.add(user())
        uow.vehicles.add(vehicle())
        uow.orders.add(order())
        uow.commit()
    return container


def order_ids(container: Container) -> list[str]:
    with container.uow() as uow:
        return sorted(o.id for o in uow.orders.list("org_a", OrderFilter(), after=None, limit=100))


def write(
    container: Container, change: Callable[[SqlUnitOfWork], None], fail: bool = False
) -> None:
    """Make ``change`` in one unit of work, then raise (if ``fail``) or commit."""
    with container.uow() as uow:
        change(uow)
        if fail:
            raise RuntimeError("failing on purpose before the commit")
        uow.commit()


@pytest.mark.parametrize("duplicate", list(DUPLICATES))
def test_broken_unique_constraint_is_a_conflict(stored: Container, duplicate: str) -> None:
    """A row breaking a unique constraint surfaces as Conflict, not an SQLAlchemy error."""
    with pytest.raises(Conflict):
        write(stored, DUPLICATES[duplicate])
    assert order_ids(stored) == ["ord_1"]
    with stored.uow() as uow:
        assert uow.users.get_by_email("usr_1@example.com") == user()


def test_leaving_without_commit_rolls_back(stored: Container) -> None:
    """Writes are discarded unless committed, also when the block ends normally."""
    with stored.uow() as uow:
        uow.orders.add(order("org_a", "ord_2", "Q-1", shipper_reference="R-2"))
    with pytest.raises(RuntimeError, match="on purpose"):
        write(stored, lambda uow: uow.orders.add(order("org_a", "ord_3", "Q-3")), fail=True)
    assert order_ids(stored) == ["ord_1"]


def test_writes_after_commit_are_rolled_back(stored: Container) -> None:
    """A commit covers what came before it; later writes in the block need another commit."""
    with stored.uow() as uow:
        uow.orders.add(order("org_a", "ord_2", "Q-2", shipper_reference="R-2"))
        uow.commit()
        uow.orders.add(order("org_a", "ord_3", "Q-3", shipper_reference="R-3"))
    assert order_ids(stored) == ["ord_1", "ord_2"]


def test_nested_unit_joins_the_outer_transaction(stored: Container) -> None:
    """An inner block sees the outer's writes and its commit does not commit on its own."""
    uow = stored.uow()
    with uow:
        uow.orders.add(order("org_a", "ord_2", "Q-2", shipper_reference="R-2"))
        with uow:
            assert uow.orders.get("org_a", "ord_2") is not None
            uow.orders.add(order("org_a", "ord_3", "Q-3", shipper_reference="R-3"))
            uow.commit()
        assert uow.orders.get("org_a", "ord_3") is not None
    assert order_ids(stored) == ["ord_1"]
    with uow:
        with uow:
            uow.orders.add(order("org_a", "ord_4", "Q-4", shipper_reference="R-4"))
        uow.commit()
    assert order_ids(stored) == ["ord_1", "ord_4"]


@pytest.mark.parametrize("backend", ["sqlite"])  # the write lock readers must not wait for
def test_reader_reads_while_a_writer_holds_the_lock(
    container: Container, org: Organisation
) -> None:
    """A read-only unit reads committed data at once while another unit is mid-write."""
    found: list[str | None] = []
    with container.uow() as writer:  # BEGIN IMMEDIATE: holds the write lock
        writer.users.add(user())

        def read() -> None:
            with container.reader() as reader:
                station_found = reader.stations.get("org_a", "stn_1")
                found.append(station_found.code if station_found else None)

        thread = threading.Thread(target=read)
        thread.start()
        thread.join(timeout=5)  # a reader taking the write lock would wait 30 s here
        assert found == ["HEL1"]
        writer.commit()


@pytest.mark.parametrize("backend", ["postgresql"])  # SQLite has no read-only transactions
def test_reader_cannot_write_on_postgresql(container: Container, org: Organisation) -> None:
    """A write through a read-only unit fails on PostgreSQL instead of passing unnoticed."""
    with pytest.raises(DBAPIError, match="read-only transaction"), container.reader() as reader:
        reader.users.add(user())
