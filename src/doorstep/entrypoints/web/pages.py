"""The pages: who may open which, and the shell each renders (its scripts do the rest).

A page is signed in by the session cookie (``session.py``). Without one, the browser is sent
to ``/login`` and back afterwards; a role without the page's permission gets a 403 page
that says which roles have it. Each page gets the caller, the menu of pages their roles
open, the organisation's stations and the day (``?station=CODE&date=YYYY-MM-DD``, else the
first station and today in its time zone) as a JSON block its scripts read.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, PackageLoader, select_autoescape

from doorstep.bootstrap import Container
from doorstep.domain.accounts import Role
from doorstep.domain.errors import AuthenticationFailed
from doorstep.domain.permissions import Permission
from doorstep.entrypoints.api.deps import SESSION_COOKIE, ContainerDep
from doorstep.services import accounts, stations
from doorstep.services.authorization import Principal

router = APIRouter(tags=["pages"], include_in_schema=False)

templates = Environment(
    loader=PackageLoader("doorstep.entrypoints.web", "templates"),
    autoescape=select_autoescape(["html"]),
)

# Only this server's own files run; nothing is fetched from another host. Styles may be
# inline (Leaflet sets element styles); scripts may not.
CSP = (
    "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; "
    "script-src 'self'; connect-src 'self'; worker-src 'self'; manifest-src 'self'; "
    "frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
)
HEADERS = {"Content-Security-Policy": CSP, "Cache-Control": "no-store"}


@dataclass(frozen=True)
class Page:
    path: str
    title: str
    template: str
    needs: frozenset[Permission]
    roles: frozenset[Role] = frozenset()  # when set, one of these roles is needed too


PAGES = (
    Page("/planner", "Planner", "planner.html", frozenset({Permission.PLANS_WRITE})),
    Page(
        "/control",
        "Control tower",
        "control.html",
        frozenset({Permission.PLANS_READ, Permission.ORDERS_WRITE}),
    ),
    Page(
        "/station",
        "Station",
        "station.html",
        frozenset({Permission.PLANS_READ, Permission.SCANS_WRITE}),
    ),
    Page(
        "/driver",
        "Driver",
        "driver.html",
        frozenset({Permission.SCANS_WRITE}),
        frozenset({Role.DRIVER}),
    ),
    Page("/settings", "Settings", "settings.html", frozenset({Permission.ORGANISATION_READ})),
)
# Where each role lands after signing in, first match wins.
HOME = (
    (Role.PLANNER, "/planner"),
    (Role.DISPATCHER, "/control"),
    (Role.STATION_ASSOCIATE, "/station"),
    (Role.DRIVER, "/driver"),
    (Role.ADMIN, "/control"),
    (Role.VIEWER, "/settings"),
)


def may_open(principal: Principal, page: Page) -> bool:
    return page.needs <= principal.permissions and (
        not page.roles or bool(page.roles & principal.roles)
    )


def signed_in(request: Request, c: Container) -> Principal | None:
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    try:
        return accounts.authenticate(token, uow=c.reader(), clock=c.clock)
    except AuthenticationFailed:
        return None


def render(template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    html = templates.get_template(template).render(**context)
    return HTMLResponse(html, status_code=status_code, headers=HEADERS)


def _to_login(request: Request) -> RedirectResponse:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/login?next={target}", status_code=303)


def _context(request: Request, c: Container, principal: Principal, page: Page) -> dict[str, Any]:
    user = accounts.get_user(principal, principal.actor_id, uow=c.reader())
    found = stations.list_stations(principal, uow=c.reader()) if _reads_network(principal) else []
    wanted = request.query_params.get("station")
    station = next((s for s in found if s.code == wanted), found[0] if found else None)
    zone = ZoneInfo(station.timezone if station else c.timezone())
    day = request.query_params.get("date") or c.clock.now().astimezone(zone).date().isoformat()
    try:
        date.fromisoformat(day)
    except ValueError:
        day = c.clock.now().astimezone(zone).date().isoformat()
    data = {
        "user": {"id": user.id, "name": user.name, "roles": sorted(r.value for r in user.roles)},
        "permissions": sorted(p.value for p in principal.permissions),
        "station": station.code if station else None,
        "stations": [
            {
                "code": s.code,
                "name": s.name,
                "timezone": s.timezone,
                "location": {"lat": s.location.lat, "lon": s.location.lon},
            }
            for s in found
        ],
        "date": day,
        "now": c.clock.now().isoformat(),
    }
    return {
        "page": page,
        "user": user,
        "menu": [p for p in PAGES if may_open(principal, p)],
        "data_json": json.dumps(data),
        "station": station,
        "stations": found,
        "day": day,
    }


def _reads_network(principal: Principal) -> bool:
    return Permission.NETWORK_READ in principal.permissions


def _page_route(page: Page) -> None:
    def show(request: Request, c: ContainerDep) -> Response:
        principal = signed_in(request, c)
        if principal is None:
            return _to_login(request)
        if not may_open(principal, page):
            need = ", ".join(sorted(p.value for p in page.needs))
            return render(
                "forbidden.html", 403, page=page, need=need, menu=_menu(principal), user=None
            )
        return render(page.template, **_context(request, c, principal, page))

    router.add_api_route(page.path, show, methods=["GET"], response_class=HTMLResponse)


def _menu(principal: Principal) -> list[Page]:
    return [p for p in PAGES if may_open(principal, p)]


for _page in PAGES:
    _page_route(_page)


@router.get("/", response_class=HTMLResponse)
def home(request: Request, c: ContainerDep) -> Response:
    principal = signed_in(request, c)
    if principal is None:
        return RedirectResponse("/login", status_code=303)
    for role, path in HOME:
        if role in principal.roles:
            return RedirectResponse(path, status_code=303)
    return RedirectResponse("/settings", status_code=303)


@router.get("/login", response_class=HTMLResponse)
def login(request: Request) -> HTMLResponse:
    wanted = request.query_params.get("next", "/")
    # Only a path on this server: never an open redirect to another site.
    target = wanted if wanted.startswith("/") and not wanted.startswith("//") else "/"
    return render("login.html", next=target, page=None, menu=[], user=None)
