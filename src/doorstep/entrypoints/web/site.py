"""Puts the pages, their files, the sign-in and the map tiles onto the application."""

from __future__ import annotations

from pathlib import Path

import xstatic.pkg.leaflet
from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from doorstep.entrypoints.web import (
    control_api,
    driver_api,
    map_tiles,
    pages,
    planner_api,
    session,
    station_api,
)

STATIC = Path(__file__).parent / "static"


def install(app: FastAPI) -> None:
    app.include_router(session.router)
    app.include_router(map_tiles.router)
    app.include_router(pages.router)
    for module in (planner_api, control_api, station_api, driver_api):
        app.include_router(module.router)
    # Leaflet as the installed package ships it: nothing comes from a CDN.
    app.mount(
        "/static/leaflet", StaticFiles(directory=xstatic.pkg.leaflet.BASE_DIR), name="leaflet"
    )
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
