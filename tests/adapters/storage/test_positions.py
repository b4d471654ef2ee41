"""Pings on SQLite and PostgreSQL: stored once per device and time, read back by vehicle."""

from __future__ import annotations

import random
from datetime import timedelta

from doorstep.bootstrap import Container
from doorstep.domain.accounts import Organisation
from doorstep.domain.positions import Ping, PingSource, PositionSettings
from tests.adapters.storage.conftest import PLUS2, T0, organisation


def ping(second: int, vehicle_id: str = "veh_1", device_id: str = "phone-1") -> Ping:
    return Ping(
        device_id, vehicle_id, T0 + timedelta(seconds=second), 60.17 + second * 1e-5, 24.94,
        4.5, 7.25, None if second % 2 else 181.5, PingSource.TELEMATICS,
    )  # fmt: skip


def test_a_batch_again_stores_nothing_and_reads_back_exactly(
    container: Container, org: Organisation
) -> None:
    """The same pings again count 0 new; a vehicle's pings come back whole, by device time."""
    pings = [ping(i) for i in range(300)] + [ping(i, "veh_2", "phone-2") for i in range(5)]
    shuffled = pings[:]
    random.Random(2).shuffle(shuffled)
    with container.uow() as uow:
        assert uow.positions.add_many("org_a", shuffled[:200]) == 200
        uow.commit()
    with container.uow() as uow:
        assert uow.positions.add_many("org_a", shuffled) == 105
        assert uow.positions.add_many("org_a", shuffled[:10] + shuffled[:10]) == 0
        uow.commit()
    with container.reader() as uow:
        found = uow.positions.between("org_a", "veh_1", T0, T0 + timedelta(seconds=300))
        window = uow.positions.between(
            "org_a", "veh_1", T0 + timedelta(seconds=10), T0 + timedelta(seconds=20)
        )
        latest = uow.positions.latest("org_a", "veh_1")
        other = uow.positions.between("org_b", "veh_1", T0, T0 + timedelta(days=1))
    assert found == pings[:300]
    assert [p.device_time for p in window] == [T0 + timedelta(seconds=s) for s in range(10, 20)]
    assert latest == pings[299]
    assert other == []


def test_times_in_any_offset_are_the_same_instant(container: Container, org: Organisation) -> None:
    """A ping sent at +02:00 is the same ping as the one at UTC: a duplicate."""
    with container.uow() as uow:
        uow.positions.add_many("org_a", [ping(0)])
        again = Ping("phone-1", "veh_1", T0.astimezone(PLUS2), 60.17, 24.94, 4.5, 7.25)
        assert uow.positions.add_many("org_a", [again]) == 0
        uow.commit()


def test_purge_deletes_the_oldest_in_chunks(container: Container, org: Organisation) -> None:
    """Chunks of 40 remove the pings before the cut, oldest first, and nothing after it."""
    with container.uow() as uow:
        uow.positions.add_many("org_a", [ping(i) for i in range(100)])
        uow.commit()
    cut = T0 + timedelta(seconds=90)
    counts = []
    for _ in range(4):
        with container.uow() as uow:
            counts.append(uow.positions.purge("org_a", "veh_1", cut, 40))
            uow.commit()
    assert counts == [40, 40, 10, 0]
    with container.reader() as uow:
        left = uow.positions.between("org_a", "veh_1", T0, T0 + timedelta(days=1))
    assert [p.device_time for p in left] == [T0 + timedelta(seconds=s) for s in range(90, 100)]


def test_settings_default_then_saved_per_organisation(
    container: Container, org: Organisation
) -> None:
    """No row means the defaults; saving twice updates the one row."""
    with container.uow() as uow:
        uow.organisations.add(organisation("org_b"))
        assert uow.positions.settings("org_a") == PositionSettings()
        uow.positions.save_settings("org_a", PositionSettings(30, 75.5, 90))
        uow.positions.save_settings("org_a", PositionSettings(14, 75.5, 90))
        uow.commit()
    with container.reader() as uow:
        assert uow.positions.settings("org_a") == PositionSettings(14, 75.5, 90)
        assert uow.positions.settings("org_b") == PositionSettings()
