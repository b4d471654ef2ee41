"""`doorstep positions`: settings shown and changed; purge deletes what retention lets go."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from doorstep.domain.fleet import Capacity, Vehicle, VehicleType
from doorstep.domain.positions import Ping
from doorstep.domain.schedules import DailyWindow
from tests.entrypoints.cli.runner import Cli


def test_purge_keeps_pings_within_the_retention(cli: Cli, org: str, station: str) -> None:
    """With 30 days' retention, a ping 40 days old goes and one of yesterday stays."""
    shown = cli.ok("positions", "settings", "--retention-days", "30")
    assert "retention: 30 days" in shown.output
    container = cli.container()
    try:
        with container.uow() as uow:
            (organisation,) = uow.organisations.list()
            (home,) = uow.stations.list(organisation.id)
            shift = DailyWindow(*(datetime(2026, 1, 1, h).time() for h in (7, 17)))
            van = Vehicle(
                "veh_1", organisation.id, home.id, "Van 1", VehicleType.VAN,
                Capacity(800, 6000, 120), shift,
            )  # fmt: skip
            uow.vehicles.add(van)
            now = datetime.now(UTC)
            old, new = now - timedelta(days=40), now - timedelta(days=1)
            pings = [Ping("phone-1", "veh_1", at, 60.17, 24.94, 5, 0) for at in (old, new)]
            uow.positions.add_many(organisation.id, pings)
            uow.commit()
        purged = cli.ok("positions", "purge")
        assert f"{org}: 1 pings deleted" in purged.output
        with container.reader() as uow:
            left = uow.positions.between(organisation.id, "veh_1", old, now)
        assert [p.device_time for p in left] == [new]
    finally:
        container.close()
