"""`doorstep plan --allocate`, `doorstep allocations list` and `doorstep allocations rules` on
the sample carriers: a van for three parcels and five next-day orders in Helsinki postcodes,
so at least two go to pakettiexpress (next day, postcode zones), each with its reasons."""

from __future__ import annotations

import json
import sqlite3
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from doorstep.adapters.roads.haversine import HaversineTravelTimes
from doorstep.bootstrap import optimizer
from doorstep.services import accounts
from doorstep.services.authorization import system_principal
from doorstep.services.carriers import SAMPLE_CARRIERS, SAMPLE_RATE_CARDS, allocation
from tests.entrypoints.cli.runner import Cli, connect_partner, one_line_error
from tests.support.partner import partner_server

DAY = "2099-11-24"  # far ahead: the orders need next_day, which pakettiexpress offers
ORDERS = """reference,name,address,postcode,lat,lon,weight,date,station
A-1,Aino,Mannerheimintie 1,00100,60.171,24.941,2,{day},HEL1
A-2,Bertta,Runeberginkatu 5,00100,60.175,24.930,3,{day},HEL1
A-3,Cecilia,Fredrikinkatu 20,00120,60.165,24.935,1,{day},HEL1
A-4,Doris,Hameentie 3,00530,60.182,24.955,4,{day},HEL1
A-5,Eeva,Mechelininkatu 9,00250,60.180,24.910,2,{day},HEL1
"""
VAN = (
    "--type", "van", "--weight-kg", "800", "--volume-l", "9000", "--shift", "07:00-17:00",
)  # fmt: skip


@pytest.fixture
def day(cli: Cli, station: str, tmp_path: Path) -> None:
    cli.env["DOORSTEP_TRAVEL_PROVIDER"] = "haversine"  # no road network to build
    cli.ok("vehicles", "add", "--station", station, "--name", "Van 1", "--parcels", "3", *VAN)
    cli.ok("carriers", "import", str(SAMPLE_CARRIERS), str(SAMPLE_RATE_CARDS))
    path = tmp_path / "orders.csv"
    path.write_text(ORDERS.format(day=DAY), encoding="utf-8")
    cli.ok("orders", "import", str(path))


def test_plan_allocate_prints_each_order_and_the_totals_then_list_reads_them(
    cli: Cli, day: None
) -> None:
    shown = cli.ok(
        "plan", "--station", "HEL1", "--date", DAY, "--allocate", "--time-limit", "1"
    ).stdout
    assert f"Allocation of HEL1 on {DAY}" in shown
    for ref in ("A-1", "A-2", "A-3", "A-4", "A-5"):
        assert ref in shown
    assert "pakettiexpress" in shown
    assert "Totals" in shown
    assert "Not served" in shown
    listed = json.loads(cli.ok("allocations", "list", "--date", DAY, "--json").stdout)["items"]
    assert len(listed) == 5
    kinds = [item["kind"] for item in listed]
    assert kinds.count("own_fleet") == 3
    assert kinds.count("partner") == 2
    for item in listed:
        assert item["reasons"]
        if item["kind"] == "partner":
            assert item["carrier"] == "pakettiexpress"
            assert item["price_cents"] > 0
            assert "kaupunkikuriiri: the order needs next_day" in " ".join(item["reasons"])
    table = cli.ok("allocations", "list", "--date", DAY, "--reasons").stdout
    assert "chosen:" in table
    as_json = json.loads(
        cli.ok(
            "plan", "--station", "HEL1", "--date", DAY, "--allocate", "--time-limit", "1",
            "--json",
        ).stdout
    )  # fmt: skip
    assert as_json["totals"]["orders"] == 5


def test_hand_off_books_the_partner_orders_and_a_rerun_only_what_is_left(
    cli: Cli, day: None
) -> None:
    """Unconnected, each partner order is refused saying why (exit 1); connected, `plan
    --allocate --hand-off` books them and `allocations hand-off` then finds nothing left."""
    cli.ok("plan", "--station", "HEL1", "--date", DAY, "--allocate", "--time-limit", "1")
    refused = cli("allocations", "hand-off", "--station", "HEL1", "--date", DAY)
    assert refused.exit_code == 1
    assert "0 booked, 2 refused" in refused.stdout
    assert "no API connection" in " ".join(refused.stdout.split())
    with partner_server() as partner:
        connect_partner(cli, "pakettiexpress", partner.url)
        shown = cli.ok(
            "plan", "--station", "HEL1", "--date", DAY, "--allocate", "--hand-off",
            "--time-limit", "1",
        ).stdout  # fmt: skip
        assert f"Hand-off of HEL1 on {DAY}" in shown
        assert "2 booked, 0 refused" in shown
        assert "PX00000001FI" in shown
        assert [b.json()["service"] for b in partner.state.bookings()] == ["next_day"] * 2
        again = json.loads(
            cli.ok("allocations", "hand-off", "--station", "HEL1", "--date", DAY, "--json").stdout
        )
        assert (again["outcomes"], again["already_handed_off"]) == ([], 2)
        assert len(partner.state.bookings()) == 2
    alone = cli("plan", "--station", "HEL1", "--date", DAY, "--hand-off")
    assert alone.exit_code != 0
    assert "give both" in alone.stderr


def test_rules_are_shown_and_changed(cli: Cli, org: str) -> None:
    assert "90% of its working time" in cli.ok("allocations", "rules").stdout
    cli.ok(
        "allocations", "rules", "--never", "refrigerated:pakettiexpress",
        "--own-fleet-share", "0.8", "--max-price", "25",
    )  # fmt: skip
    rules = json.loads(cli.ok("allocations", "rules", "--json").stdout)
    assert rules == {
        "never": [["refrigerated", "pakettiexpress"]],
        "own_fleet_share": 0.8,
        "max_price_cents": 2500,
    }
    bad = cli("allocations", "rules", "--never", "refrigerated")
    assert bad.exit_code != 0
    assert "TAG:PARTNER" in bad.stderr


def test_no_allocations_and_bad_dates_are_said_plainly(cli: Cli, station: str) -> None:
    assert (
        "no allocations on 2026-11-23"
        in cli.ok("allocations", "list", "--date", "2026-11-23").stdout
    )
    bad = cli("allocations", "list", "--date", "23.11.2026")
    assert bad.exit_code != 0
    assert "YYYY-MM-DD" in bad.stderr
    empty = cli("plan", "--station", "HEL1", "--date", "2026-11-23", "--allocate")
    assert empty.exit_code == 1
    assert "nothing to allocate" in one_line_error(empty)


class WritesMeanwhile:
    """Straight-line travel that, while it computes (as the road network takes seconds on a
    real day), tries to take SQLite's write lock as a scan arriving then would."""

    def __init__(self, database: Path) -> None:
        self.database = database
        self.inner = HaversineTravelTimes()
        self.writes: list[str] = []

    def matrix(self, *args: Any, **kwargs: Any) -> Any:
        other = sqlite3.connect(self.database, timeout=0.2, isolation_level=None)
        try:
            other.execute("BEGIN IMMEDIATE")
            other.execute("ROLLBACK")
            self.writes.append("written")
        except sqlite3.OperationalError as error:
            self.writes.append(str(error))
        finally:
            other.close()
        return self.inner.matrix(*args, **kwargs)


@pytest.mark.parametrize("through_reader", [True, False])
def test_allocating_leaves_the_write_lock_free_while_travel_is_computed(
    cli: Cli, day: None, through_reader: bool
) -> None:
    """The day is read through a read-only unit: on SQLite a writing unit holds the write
    lock from its start, and every scan would wait for the travel matrices. (Through a
    writing unit, the probe is locked out: that is what the test would catch.)"""
    container = cli.container()
    try:
        (org,) = accounts.list_organisations(uow=container.uow())
        url = container.settings.resolved_database_url
        if not url.startswith("sqlite:///"):
            pytest.skip("the write lock held from a unit's start is SQLite's")
        database = Path(url.removeprefix("sqlite:///"))
        travel = WritesMeanwhile(database)
        ports = allocation.AllocationPorts(
            container.uow(), travel, optimizer(), container.clock, container.ids,
            reader=container.reader() if through_reader else None,
        )  # fmt: skip
        found = allocation.run(
            system_principal(org.id), "HEL1", date.fromisoformat(DAY), ports=ports,
            time_limit_s=1.0,
        )  # fmt: skip
    finally:
        container.close()
    assert len(found.decisions) == 5
    assert travel.writes
    if through_reader:
        assert set(travel.writes) == {"written"}
    else:
        assert set(travel.writes) == {"database is locked"}
