"""Carriers over HTTP: imports (idempotent; mistakes answered 422 by row and column), the list,
one carrier, deactivation, rights and tenancy, and an order's rates, on both databases."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from doorstep.bootstrap import Container
from doorstep.domain.accounts import Role
from doorstep.services.carriers import SAMPLE_CARRIERS, SAMPLE_RATE_CARDS
from tests.entrypoints.api.conftest import Tenant, order_body, station_body, straight_lines

CSV = {"Content-Type": "text/csv"}


@pytest.fixture
def container(container: Container) -> Iterator[Container]:
    """The test's container with haversine travel times: no road region is needed."""
    with straight_lines(container) as own:
        yield own


def send(
    client: TestClient, tenant: Tenant, kind: str, body: bytes, role: Role = Role.ADMIN
) -> Any:
    return client.post(
        f"/api/v1/carriers:import?kind={kind}", content=body, headers=tenant.as_(role, **CSV)
    )


def import_samples(client: TestClient, tenant: Tenant) -> None:
    for kind, path in (("carriers", SAMPLE_CARRIERS), ("rates", SAMPLE_RATE_CARDS)):
        answer = send(client, tenant, kind, path.read_bytes())
        assert answer.status_code == 200, answer.text


def test_importing_the_samples_twice_changes_nothing(
    client: TestClient, tenant_a: Tenant, tenant_b: Tenant
) -> None:
    first = send(client, tenant_a, "carriers", SAMPLE_CARRIERS.read_bytes())
    assert first.status_code == 200, first.text
    assert first.json()["added"] == ["omat_autot", "kaupunkikuriiri", "pakettiexpress"]
    rates = send(client, tenant_a, "rates", SAMPLE_RATE_CARDS.read_bytes()).json()
    assert rates["cards_added"] == ["kaupunkikuriiri same_day", "pakettiexpress next_day"]
    again = send(client, tenant_a, "carriers", SAMPLE_CARRIERS.read_bytes()).json()
    assert (again["added"], again["changed"]) == ([], [])
    assert send(client, tenant_a, "rates", SAMPLE_RATE_CARDS.read_bytes()).json()[
        "cards_unchanged"
    ] == ["kaupunkikuriiri same_day", "pakettiexpress next_day"]
    listed = client.get("/api/v1/carriers", headers=tenant_a.as_(Role.VIEWER)).json()
    assert [c["code"] for c in listed] == ["kaupunkikuriiri", "omat_autot", "pakettiexpress"]
    paketti = listed[2]
    assert paketti["rate_cards"][0]["service_level"] == "next_day"
    assert paketti["rate_cards"][0]["minimum"] == "7.90 EUR"
    one = client.get("/api/v1/carriers/pakettiexpress", headers=tenant_a.admin).json()
    assert one["id"] == paketti["id"]
    assert client.get("/api/v1/carriers", headers=tenant_b.admin).json() == []
    hidden = client.get(f"/api/v1/carriers/{paketti['id']}", headers=tenant_b.admin)
    assert hidden.status_code == 404


def test_a_bad_file_answers_422_naming_row_and_column_and_loads_nothing(
    client: TestClient, tenant_a: Tenant
) -> None:
    body = b"code;name;kind;service_levels;postcodes;capacity_per_day\nok;Ok;truck;next_day;00;x\n"
    answer = send(client, tenant_a, "carriers", body)
    assert answer.status_code == 422, answer.text
    fields = [e["field"] for e in answer.json()["errors"]]
    assert fields == ["row 2.kind", "row 2.capacity_per_day", "row 2.cutoff", "row 2.deliver_by"]
    assert "row 2, column kind: 'truck' is not a kind of carrier" in answer.json()["detail"]
    minimum = b"minimum;pakettiexpress;next_day;;;;;;;;;7,90"
    cards = SAMPLE_RATE_CARDS.read_bytes().replace(minimum, minimum + b"5")
    send(client, tenant_a, "carriers", SAMPLE_CARRIERS.read_bytes())
    bad = send(client, tenant_a, "rates", cards)
    assert bad.status_code == 422, bad.text
    assert [e["field"] for e in bad.json()["errors"]] == ["row 51.price"]
    listed = client.get("/api/v1/carriers", headers=tenant_a.admin).json()
    assert all(c["rate_cards"] == [] for c in listed)
    for kind, body, header in (
        ("carriers", b"", CSV),
        ("carriers", b"a,b\n", {"Content-Type": "application/json"}),
        ("lorries", SAMPLE_CARRIERS.read_bytes(), CSV),
    ):
        odd = client.post(
            f"/api/v1/carriers:import?kind={kind}",
            content=body,
            headers=tenant_a.as_(Role.ADMIN, **header),
        )
        assert odd.status_code == 422, odd.text


def test_one_carrier_is_added_then_deactivated_and_rights_hold(
    client: TestClient, tenant_a: Tenant
) -> None:
    body = {
        "code": "lahetti",
        "name": "Lähetti",
        "kind": "partner",
        "service_levels": ["same_day"],
        "postcode_prefixes": ["001"],
        "polygons": [
            [{"lat": 60.1, "lon": 24.8}, {"lat": 60.1, "lon": 25.0}, {"lat": 60.3, "lon": 25.0}]
        ],
        "handles": ["age_check"],
        "cutoff": "12:00",
        "deliver_by": "18:00",
    }
    added = client.post("/api/v1/carriers", json=body, headers=tenant_a.admin)
    assert added.status_code == 201, added.text
    assert added.json()["polygons"][0][0] == [60.1, 24.8]
    again = client.post("/api/v1/carriers", json=body, headers=tenant_a.admin)
    assert again.status_code == 409
    no_times = client.post(
        "/api/v1/carriers", json={**body, "code": "x", "cutoff": None}, headers=tenant_a.admin
    )
    assert no_times.status_code == 422
    assert "cutoff" in no_times.text
    refused = client.delete("/api/v1/carriers/lahetti", headers=tenant_a.as_(Role.DISPATCHER))
    assert refused.status_code == 403
    assert send(client, tenant_a, "carriers", b"x", Role.VIEWER).status_code == 403
    gone = client.delete("/api/v1/carriers/lahetti", headers=tenant_a.as_(Role.PLANNER))
    assert gone.status_code == 200
    assert gone.json()["active"] is False


def remote_order(client: TestClient, tenant: Tenant) -> str:
    """R-REMOTE: a next-day order to Suomenlinna (postcode 00190, remote) without a time
    window or proof (the partners capture no signature), one 12 kg parcel of 130 x 40 x 30
    cm; its id."""
    body = order_body("R-REMOTE", "PARCEL-R")
    del body["time_windows"]
    body["proof"] = {"kind": "none"}
    body["service_date"] = "2099-11-24"
    body["address"] = {
        **body["address"],
        "as_given": "Suomenlinna C 1, 00190 Helsinki",
        "postcode": "00190",
    }
    body["location"] = {"lat": 60.145, "lon": 24.988}
    body["parcels"] = [
        {"barcode": "PARCEL-R", "weight_kg": 12, "length_cm": 130, "width_cm": 40, "height_cm": 30}
    ]
    created = client.post("/api/v1/orders", json=body, headers=tenant.admin)
    assert created.status_code == 201, created.text
    return str(created.json()["id"])


def test_an_orders_rates_list_every_carrier_cheapest_feasible_first(
    client: TestClient, tenant_a: Tenant
) -> None:
    """A next-day order to Suomenlinna (remote, zone 1) with one 12 kg parcel of 130 x 40 x 30
    cm: 31.2 kg by volume, 35 kg break 15.90 + remote 6.50 + bulky 12.00, fuel 12.5% of 34.40
    = 4.30: 38.70 EUR from pakettiexpress; the courier offers same day only; no plan yet."""
    import_samples(client, tenant_a)
    assert (
        client.post("/api/v1/stations", json=station_body(), headers=tenant_a.admin).status_code
        == 201
    )
    order_id = remote_order(client, tenant_a)
    answer = client.get(f"/api/v1/orders/{order_id}/rates", headers=tenant_a.as_(Role.DISPATCHER))
    assert answer.status_code == 200, answer.text
    rates = answer.json()
    assert rates["service_level"] == "next_day"
    assert rates["chosen"] == "pakettiexpress"
    assert rates["distance_km"] > 2
    first = rates["options"][0]
    assert (first["carrier_code"], first["price"], first["chosen"]) == (
        "pakettiexpress",
        "38.70 EUR",
        True,
    )
    others = {o["carrier_code"]: o for o in rates["options"][1:]}
    assert not others["kaupunkikuriiri"]["feasible"]
    assert others["omat_autot"]["reasons"][0].startswith("no room: 2099-11-24 has no plan")
    by_reference = client.get("/api/v1/orders/R-REMOTE/rates", headers=tenant_a.admin)
    assert by_reference.json()["order_id"] == order_id
    missing = client.get("/api/v1/orders/ord_nope/rates", headers=tenant_a.admin)
    assert missing.status_code == 404
    driver = client.get(f"/api/v1/orders/{order_id}/rates", headers=tenant_a.as_(Role.DRIVER))
    assert driver.status_code == 403
