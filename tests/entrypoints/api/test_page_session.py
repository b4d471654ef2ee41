"""The pages' session: a cookie the scripts cannot read, writes only with the page header,
pages that send strangers to sign in, and the plan map the pages draw."""

from __future__ import annotations

from fastapi.testclient import TestClient

from doorstep.domain.accounts import Role
from tests.entrypoints.api.conftest import PASSWORD, Tenant, station_body
from tests.entrypoints.api.test_plans import DAY, container, orders
from tests.entrypoints.api.test_station_day import publish_day

__all__ = ["container", "orders"]  # fixtures, used by name


def sign_in(client: TestClient, tenant: Tenant, role: Role = Role.ADMIN) -> None:
    answer = client.post(
        "/session", json={"email": f"{role.value}@{tenant.slug}.test", "password": PASSWORD}
    )
    assert answer.status_code == 200, answer.text
    cookie = answer.headers["set-cookie"].lower()
    assert "httponly" in cookie
    assert "samesite=strict" in cookie


def test_a_wrong_password_gets_no_cookie(client: TestClient, tenant_a: Tenant) -> None:
    answer = client.post("/session", json={"email": f"admin@{tenant_a.slug}.test", "password": "x"})
    assert answer.status_code == 401
    assert "set-cookie" not in answer.headers
    assert client.post("/session", json={"email": "a"}).status_code == 422


def test_the_cookie_signs_in_reads_but_a_write_needs_the_page_header(
    client: TestClient, tenant_a: Tenant
) -> None:
    sign_in(client, tenant_a)
    assert client.get("/api/v1/users/me").json()["email"] == f"admin@{tenant_a.slug}.test"
    refused = client.post("/api/v1/stations", json=station_body("CSRF"))
    assert refused.status_code == 401
    assert "X-Doorstep-Page" in refused.json()["detail"]
    made = client.post(
        "/api/v1/stations", json=station_body("OK1"), headers={"X-Doorstep-Page": "1"}
    )
    assert made.status_code == 201, made.text
    ended = client.post("/session:end", headers={"X-Doorstep-Page": "1"})
    assert ended.status_code == 204
    assert client.get("/api/v1/users/me").status_code == 401


def test_the_sign_out_form_is_taken_only_from_this_site(
    client: TestClient, tenant_a: Tenant
) -> None:
    """The form's post carries no page header: the browser's Sec-Fetch-Site, or else its
    Origin, says where it came from. Neither: refused (every browser sends one of them)."""
    sign_in(client, tenant_a)
    here = str(client.base_url).rstrip("/")
    for refused in (
        {},
        {"Origin": "https://elsewhere.example"},
        {"Sec-Fetch-Site": "cross-site", "Origin": here},  # the browser's word wins
        {"Sec-Fetch-Site": "same-site"},  # a sibling subdomain is another site's page
    ):
        answer = client.post("/sign-out", headers=refused, follow_redirects=False)
        assert answer.status_code == 403, (refused, answer.text)
        assert client.get("/api/v1/users/me").status_code == 200, refused
    answer = client.post("/sign-out", headers={"Origin": here}, follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/login"
    assert client.get("/api/v1/users/me").status_code == 401
    # Signed out already (or expired): the form still answers with the sign-in page.
    again = client.post(
        "/sign-out", headers={"Sec-Fetch-Site": "same-origin"}, follow_redirects=False
    )
    assert again.status_code == 303


def test_a_page_sends_a_stranger_to_sign_in_and_back_only_to_this_site(
    client: TestClient, tenant_a: Tenant
) -> None:
    answer = client.get("/planner?date=2026-11-23", follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/login?next=/planner?date=2026-11-23"
    login = client.get("/login?next=//elsewhere.example/x")
    assert 'data-next="/"' in login.text
    assert "script-src 'self'" in login.headers["content-security-policy"]


def test_each_role_opens_its_pages_only(client: TestClient, tenant_a: Tenant) -> None:
    sign_in(client, tenant_a, Role.DRIVER)
    assert client.get("/driver").status_code == 200
    closed = client.get("/planner")
    assert closed.status_code == 403
    assert "plans:write" in closed.text
    home = client.get("/", follow_redirects=False)
    assert home.headers["location"] == "/driver"


def test_the_plan_map_gives_every_routed_stop_in_order(
    client: TestClient, tenant_a: Tenant, orders: list[str]
) -> None:
    plan_id = publish_day(client, tenant_a)
    plan = client.get(f"/api/v1/plans/{plan_id}", headers=tenant_a.admin).json()
    drawn = client.get(f"/api/v1/plans/{plan_id}/map", headers=tenant_a.admin)
    assert drawn.status_code == 200, drawn.text
    body = drawn.json()
    assert body["plan"]["status"] == "published"
    routed = [[v["order_id"] for v in r["visits"]] for r in plan["routes"] if r["visits"]]
    assert [[s["order_id"] for s in r["stops"]] for r in body["routes"]] == routed
    assert all(len(r["path"]) >= len(r["stops"]) + 2 for r in body["routes"])
    again = client.get(f"/api/v1/plans/{plan_id}/map", headers=tenant_a.admin).json()
    assert again == body
    driver = client.get(f"/api/v1/plans/{plan_id}/map", headers=tenant_a.as_(Role.DRIVER))
    assert driver.status_code == 403
    assert DAY in body["plan"]["service_date"]


def test_big_answers_go_compressed_and_small_ones_plain(client: TestClient) -> None:
    big = client.get("/api/v1/openapi.json", headers={"Accept-Encoding": "gzip"})
    assert big.headers.get("content-encoding") == "gzip"
    assert big.json()["info"]["title"] == "doorstep"  # the client inflates it
    small = client.get("/healthz", headers={"Accept-Encoding": "gzip"})
    assert "content-encoding" not in small.headers
