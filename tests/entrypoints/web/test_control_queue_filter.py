"""The control tower's queue holds the cases of its station's day only: not another station's
of the same organisation, nor the station's next day's."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from doorstep.domain.accounts import Role
from tests.entrypoints.api.conftest import order_body, station_body
from tests.entrypoints.web.conftest import DAY, Browsing, Site
from tests.entrypoints.web.test_control import Api, opened

expect = pytest.importorskip("playwright.sync_api").expect


@pytest.fixture
def apis() -> Iterator[list[Api]]:
    made: list[Api] = []
    yield made
    for api in made:
        api.close()


def order_at(station: str, ref: str, barcode: str, days_on: int = 0) -> dict[str, Any]:
    day = (DAY + timedelta(days=days_on)).isoformat()
    body = order_body(ref, barcode, station)
    windows = [
        {k: v.replace(DAY.isoformat(), day) for k, v in w.items()} for w in body["time_windows"]
    ]
    return body | {"service_date": day, "time_windows": windows}


def test_a_case_of_another_station_or_day_does_not_show(
    browsing: Browsing, site: Site, apis: list[Api]
) -> None:
    org = site.new_org(orders=6, plan=True, seed=5)
    admin, crew = Api(site, org, Role.ADMIN), Api(site, org, Role.STATION_ASSOCIATE)
    apis += [admin, crew]
    admin.post("/stations", station_body("ESP9"), status=201)
    for station, ref, code, days_on in (
        (org.station, "Q-OURS", "Q-OURS-1", 0),
        ("ESP9", "Q-ESP", "Q-ESP-1", 0),
        (org.station, "Q-LATER", "Q-LATER-1", 1),
    ):
        admin.post("/orders", order_at(station, ref, code, days_on), status=201)
        # Sorted before it was received: a scan out of sequence opens a case for the order.
        problem = crew.scan("sort", code, lane="L01")["problem"]
        assert problem.startswith("a sort scan cannot apply"), problem
    every = admin.get("/exceptions")["items"]
    assert sorted(c["barcode"] for c in every) == ["Q-ESP-1", "Q-LATER-1", "Q-OURS-1"]

    page = opened(browsing, org, Role.DISPATCHER)
    cases = page.locator("#queue .case")
    expect(cases).to_have_count(1)
    expect(cases.first).to_have_attribute("data-type", "scan_out_of_sequence")
    expect(cases.first.locator(".case-meta")).to_contain_text("Q-OURS-1")
    expect(page.locator("#queue")).not_to_contain_text("Q-ESP-1")
    expect(page.locator("#queue")).not_to_contain_text("Q-LATER-1")
    expect(page.locator("#queue-count")).to_have_text("1")
