"""Order import over HTTP: JSON rows up to 10,000, and whole files of any size as NDJSON."""

from __future__ import annotations

import json
from typing import Any

from fastapi.testclient import TestClient

from doorstep.domain.accounts import Role
from tests.entrypoints.api.conftest import Tenant, World

ROWS: list[dict[str, Any]] = [
    {"reference": "F-1", "name": "Aino", "address": "Mannerheimintie 5, Helsinki",
     "lat": 60.1699, "lon": 24.9384, "weight": 2.5, "barcode": "FB-1"},
    {"reference": "F-2", "name": "Eero", "address": "Aleksanterinkatu 1, Helsinki",
     "lat": 60.1690, "lon": 24.9500, "weight": "heavy", "barcode": "FB-2"},
    {"reference": "F-3", "name": "Liisa", "address": "Bulevardi 3, Helsinki",
     "lat": 60.1650, "lon": 24.9370, "weight": 1, "barcode": "FB-3"},
]  # fmt: skip
CSV = "reference;name;address;lat;lon;weight;barcode\n" + "".join(
    ";".join(
        str(row[k]) for k in ("reference", "name", "address", "lat", "lon", "weight", "barcode")
    )
    + "\n"
    for row in ROWS
)


def _json_import(client: TestClient, tenant: Tenant, key: str) -> dict[str, Any]:
    body = {"shipper": "acme", "station": "HEL1", "default_date": "2026-11-23", "rows": ROWS}
    answer = client.post(
        "/api/v1/orders:import",
        json=body,
        headers=tenant.as_(Role.ADMIN, **{"Idempotency-Key": key}),
    )
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def _file_import(
    client: TestClient, tenant: Tenant, body: str = CSV, role: Role = Role.ADMIN, **query: str
) -> Any:
    params = {"shipper": "acme", "station": "HEL1"} | query
    headers = tenant.as_(role) | {"Content-Type": "text/csv"}
    return client.post(
        "/api/v1/orders:import-file", params=params, content=body.encode(), headers=headers
    )


def _lines(answer: Any) -> list[dict[str, Any]]:
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("application/x-ndjson")
    return [json.loads(line) for line in answer.text.splitlines()]


def test_json_import_saves_good_rows_and_names_the_bad_field(
    client: TestClient, world: World, tenant_a: Tenant
) -> None:
    """Row 3 (text in the weight column) is rejected by field; rows 2 and 4 are saved."""
    report = _json_import(client, tenant_a, "imp-1")
    assert report["summary"]["created"] == 2
    assert report["summary"]["rejected"] == 1
    bad = report["rows"][1]
    assert (bad["row"], bad["outcome"], bad["problems"][0]["field"]) == (3, "rejected", "weight")


def test_json_import_again_changes_nothing(
    client: TestClient, world: World, tenant_a: Tenant
) -> None:
    """The same rows under a new key leave every saved order unchanged."""
    _json_import(client, tenant_a, "imp-1")
    again = _json_import(client, tenant_a, "imp-2")
    assert [r["outcome"] for r in again["rows"]] == ["unchanged", "rejected", "unchanged"]


def test_a_file_streams_one_line_per_row_and_a_summary(
    client: TestClient, world: World, tenant_a: Tenant
) -> None:
    """Each row answers on its own line, in file order, and the last line sums them up."""
    lines = _lines(_file_import(client, tenant_a))
    assert [(x["row"], x["outcome"]) for x in lines[:-1]] == [
        (2, "created"),
        (3, "rejected"),
        (4, "created"),
    ]
    assert lines[-1]["summary"]["created"] == 2
    again = _lines(_file_import(client, tenant_a))
    assert again[-1]["summary"]["unchanged"] == 2


def test_a_file_with_a_mapping_reads_its_own_headers(
    client: TestClient, world: World, tenant_a: Tenant
) -> None:
    """A header doorstep does not know is read through the mapping query parameter."""
    body = CSV.replace("reference;", "Tilausnro;", 1)
    lines = _lines(_file_import(client, tenant_a, body, mapping='{"Tilausnro": "reference"}'))
    assert lines[0]["reference"] == "F-1"


def test_a_file_of_the_wrong_type_or_mapping_is_refused_by_name(
    client: TestClient, world: World, tenant_a: Tenant
) -> None:
    """A PDF body names Content-Type; a broken mapping names mapping; nothing is imported."""
    pdf = client.post(
        "/api/v1/orders:import-file",
        params={"shipper": "acme"},
        content=b"%PDF-1.7",
        headers=tenant_a.admin | {"Content-Type": "application/pdf"},
    )
    assert pdf.status_code == 422
    assert "Content-Type" in pdf.text
    broken = _file_import(client, tenant_a, mapping="{not json")
    assert broken.status_code == 422
    assert "mapping" in broken.text
    listed = client.get("/api/v1/orders?shipper=acme", headers=tenant_a.admin).json()["items"]
    assert [o["shipper_reference"] for o in listed] == ["A-1"]  # the world's order only


def test_a_viewer_cannot_import_a_file(client: TestClient, world: World, tenant_a: Tenant) -> None:
    """Importing writes orders: a viewer is refused before any row is read."""
    assert _file_import(client, tenant_a, role=Role.VIEWER).status_code == 403
