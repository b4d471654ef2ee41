"""What the driver app needs beyond the public API: the driver's own hours-of-service clock,
and the app's service worker and web manifest.

The worker is served by this router (under /api/v1, so it needs no wiring of its own) with a
``Service-Worker-Allowed: /driver`` header: a worker may control only pages inside its scope,
which by default is the folder it is served from.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import JSONResponse, Response

from doorstep.domain.inspections import CHECKLIST
from doorstep.entrypoints.api.deps import ContainerDep, PrincipalDep
from doorstep.entrypoints.api.schemas.driver_route import HoursOut
from doorstep.services import hours

router = APIRouter(prefix="/api/v1", tags=["pages"])

WORKER = Path(__file__).parent / "static" / "js" / "driver_sw.js"
SCOPE = "/driver"
MANIFEST = {
    "name": "doorstep driver",
    "short_name": "Driver",
    "start_url": SCOPE,
    "scope": SCOPE,
    "display": "standalone",
    "orientation": "portrait",
    "background_color": "#f4f6f9",
    "theme_color": "#0f172a",
    "icons": [{"src": "/static/img/icon.svg", "sizes": "any", "type": "image/svg+xml"}],
}


@router.get(
    "/me/hours",
    summary="The caller's own hours of service now: the driver record linked to this login",
)
def my_hours(principal: PrincipalDep, c: ContainerDep) -> HoursOut:
    return HoursOut.of(hours.own_hours(principal, uow=c.reader(), now=c.clock))


@router.get(
    "/inspections/checklist",
    summary="The items every pre- and post-trip inspection answers, in the order to check them",
)
def checklist(principal: PrincipalDep) -> list[str]:  # any signed-in caller
    return list(CHECKLIST)


@router.get("/driver-app/sw.js", include_in_schema=False)
def service_worker() -> Response:
    # Allowed the /driver scope (the page's own path); never cached by HTTP, so a new
    # version of the app reaches the phone at its next visit.
    return Response(
        WORKER.read_text(encoding="utf-8"),
        media_type="text/javascript",
        headers={"Service-Worker-Allowed": SCOPE, "Cache-Control": "no-cache"},
    )


@router.get("/driver-app/manifest.webmanifest", include_in_schema=False)
def manifest() -> JSONResponse:
    return JSONResponse(MANIFEST, media_type="application/manifest+json")
