"""The map's base layer: the region's streets as small JSON vector tiles (no tile server)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Path
from fastapi.responses import JSONResponse

from doorstep.entrypoints.api.deps import ContainerDep

router = APIRouter(prefix="/map", tags=["pages"])

# Public OpenStreetMap data, the same for every visitor: caches may keep it a day.
_CACHE = {"Cache-Control": "public, max-age=86400"}


@router.get("/tiles/{z}/{x}/{y}.json", summary="The streets crossing one map tile")
def tile(
    c: ContainerDep,
    z: int = Path(ge=0, le=22),
    x: int = Path(ge=0),
    y: int = Path(ge=0),
) -> JSONResponse:
    lines = c.basemap().tile(z, x, y)
    body: dict[str, Any] = {"extent": 4096, "lines": [[ln.road_class, ln.points] for ln in lines]}
    return JSONResponse(body, headers=_CACHE)


@router.get("/region.json", summary="The configured region: its name, bounds and time zone")
def region(c: ContainerDep) -> dict[str, Any]:
    info = c.regions.info(c.settings.region)
    return {
        "name": info.name,
        "timezone": info.timezone,
        "bounds": [[info.bbox[0], info.bbox[1]], [info.bbox[2], info.bbox[3]]],
    }
