"""API test fixtures: a client that fails any 5xx, and organisations with logged-in users."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx2
import pytest
from fastapi.testclient import TestClient

from doorstep.bootstrap import Container
from doorstep.domain.accounts import Role
from doorstep.entrypoints.api.app import create_app
from doorstep.services import accounts
from doorstep.services.authorization import system_principal
from doorstep.services.ports import Clock

PASSWORD = "correct horse battery"


def _no_server_errors(response: httpx2.Response) -> None:
    # Acceptance: no request in the test suite may yield a 500, whatever it sends.
    if response.status_code >= 500:
        response.read()  # hooks see the response before its body is read
        raise AssertionError(f"{response.request.method} {response.request.url}: {response.text}")


@contextmanager
def straight_lines(container: Container, clock: Clock | None = None) -> Iterator[Container]:
    """The test's container with haversine travel times (no road region is needed) and, when
    given, another clock; with caches and planning jobs of its own (``Container.variant``:
    jobs keep the clock they were made with, and PostgreSQL's container is shared between
    tests). Closed afterwards, which cancels any job still running and waits for its worker."""
    settings = container.settings.model_copy(update={"travel_provider": "haversine"})
    own = container.variant(settings=settings, **({"clock": clock} if clock else {}))
    try:
        yield own
    finally:
        own.close()


@pytest.fixture
def client(container: Container) -> Iterator[TestClient]:
    with TestClient(create_app(container), raise_server_exceptions=False) as test_client:
        test_client.event_hooks = {"response": [_no_server_errors]}
        yield test_client


@dataclass
class Tenant:
    """An organisation with one logged-in user per role, ready to call the API."""

    org_id: str
    slug: str
    tokens: dict[Role, str]

    def as_(self, role: Role, **extra: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[role]}", **extra}

    @property
    def admin(self) -> dict[str, str]:
        return self.as_(Role.ADMIN)


def make_tenant(client: TestClient, container: Container, name: str) -> Tenant:
    c = container
    slug = accounts.slugify(name)
    setup = accounts.ensure_organisation(
        name, f"admin@{slug}.test", PASSWORD, uow=c.uow(), clock=c.clock, ids=c.ids, hasher=c.hasher
    )
    principal = system_principal(setup.organisation.id)
    tokens: dict[Role, str] = {}
    for role in Role:
        email = f"{role.value}@{slug}.test"
        if role is not Role.ADMIN:
            accounts.create_user(
                principal,
                email,
                role.value,
                frozenset({role}),
                PASSWORD,
                uow=c.uow(),
                clock=c.clock,
                ids=c.ids,
                hasher=c.hasher,
            )
        answer = client.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})
        tokens[role] = answer.json()["access_token"]
    return Tenant(setup.organisation.id, slug, tokens)


@pytest.fixture
def tenant_a(client: TestClient, container: Container) -> Tenant:
    return make_tenant(client, container, "Alpha Couriers")


@pytest.fixture
def tenant_b(client: TestClient, container: Container) -> Tenant:
    return make_tenant(client, container, "Beta Parcels")


def station_body(code: str = "HEL1") -> dict[str, Any]:
    return {
        "code": code,
        "name": f"Station {code}",
        "location": {"lat": 60.1699, "lon": 24.9384},
        "timezone": "Europe/Helsinki",
    }


def vehicle_body(station: str = "HEL1", name: str = "Van 1") -> dict[str, Any]:
    return {
        "station_id": station,
        "name": name,
        "vehicle_type": "van",
        "capacity": {"weight_kg": 800, "volume_l": 8000, "parcels": 150},
        "shift": {"start": "07:00", "end": "17:00"},
        "costs": {"per_km": 0.35, "per_hour": 28, "fixed_per_use": 40},
        "skills": ["lift_gate"],
    }


def driver_body(station: str = "HEL1", name: str = "Aino Virtanen") -> dict[str, Any]:
    return {"home_station_id": station, "name": name, "shift": {"start": "07:00", "end": "17:00"}}


def order_body(
    reference: str = "A-1", barcode: str = "PARCEL-1", station: str | None = "HEL1"
) -> dict[str, Any]:
    return {
        "shipper": "acme",
        "shipper_reference": reference,
        "station_id": station,
        "recipient": {
            "name": "Matti Meikäläinen",
            "phone": "+358 40 123 4567",
            "email": "matti@example.fi",
        },
        "address": {
            "as_given": "Mannerheimintie 1, 00100 Helsinki",
            "city": "Helsinki",
            "country": "FI",
        },
        "location": {"lat": 60.1686, "lon": 24.9414},
        "time_windows": [
            {"start_at": "2026-11-23T09:00:00+02:00", "end_at": "2026-11-23T12:00:00+02:00"}
        ],
        "parcels": [
            {"barcode": barcode, "weight_kg": 2.5, "length_cm": 30, "width_cm": 20, "height_cm": 10}
        ],
        "proof": {"kind": "signature"},
    }


@dataclass
class World:
    """One object of every kind, owned by tenant A."""

    ids: dict[str, str]


@pytest.fixture
def world(client: TestClient, tenant_a: Tenant) -> World:
    def created(path: str, body: dict[str, Any]) -> str:
        answer = client.post(f"/api/v1/{path}", json=body, headers=tenant_a.admin)
        assert answer.status_code == 201, answer.text
        return str(answer.json()["id"])

    ids = {
        "stations": created("stations", station_body()),
        "vehicles": created("vehicles", vehicle_body()),
        "drivers": created("drivers", driver_body()),
        "orders": created("orders", order_body()),
        "users": created(
            "users",
            {
                "email": "extra@alpha.test",
                "name": "Extra",
                "roles": ["viewer"],
                "password": PASSWORD,
            },
        ),
        "api-keys": created("api-keys", {"name": "shop", "roles": ["planner"]}),
    }
    return World(ids)
