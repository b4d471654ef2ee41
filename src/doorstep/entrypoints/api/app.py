"""The FastAPI application: routers under /api/v1, problem responses, the body size limit."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI
from starlette.middleware.gzip import DEFAULT_EXCLUDED_CONTENT_TYPES, GZipMiddleware

from doorstep import __version__
from doorstep.bootstrap import Container
from doorstep.domain.proofs import MAX_FILE_BYTES
from doorstep.entrypoints.api import problems
from doorstep.entrypoints.api.body_limit import BodyLimit
from doorstep.entrypoints.api.routes import (
    allocations,
    api_keys,
    auth,
    carriers,
    driver_day,
    drivers,
    exceptions,
    handoffs,
    import_file,
    intake,
    kpis,
    live,
    messages,
    orders,
    organisations,
    plans,
    positions,
    scans,
    station_day,
    stations,
    stream,
    tracking,
    tracking_page,
    users,
    vehicles,
)
from doorstep.entrypoints.api.routes.import_file import NDJSON
from doorstep.entrypoints.api.schemas.positions import MAX_BATCH_BYTES
from doorstep.entrypoints.web import site

API_PREFIX = "/api/v1"

CARRIER_WEBHOOK_BYTES = 8 * 1024 * 1024


def create_app(container: Container) -> FastAPI:
    app = FastAPI(
        title="doorstep",
        version=__version__,
        description="Last-mile delivery operations: orders, stations, fleet and routes.",
        docs_url="/docs",
        openapi_url=f"{API_PREFIX}/openapi.json",
    )
    app.state.container = container
    app.state.plan_maps = plans.PlanMaps()
    v1 = APIRouter(prefix=API_PREFIX)
    # intake before orders: its /orders:import must win over /orders/{order_id}-like routes.
    modules = (
        auth, organisations, users, api_keys, stations, vehicles, drivers, intake, import_file,
        orders, plans, live, scans, station_day, exceptions, driver_day, messages, stream,
        kpis, carriers, handoffs, allocations,
    )  # fmt: skip
    for module in modules:
        v1.include_router(module.router)
    v1.include_router(tracking.router)
    v1.include_router(positions.router)
    app.include_router(v1)
    app.include_router(tracking_page.router)  # /t/{token}: the short link in messages
    site.install(app)  # the web pages, their files and the map tiles
    problems.install(app)
    # Big JSON answers (a 2,000-stop plan map: 772 KiB, 124 KiB gzipped) go compressed to
    # clients that accept it; the streams stay plain, each event or row sent as it comes.
    app.add_middleware(
        GZipMiddleware,
        minimum_size=4096,
        exclude_content_types=(*DEFAULT_EXCLUDED_CONTENT_TYPES, NDJSON),
    )
    app.add_middleware(
        BodyLimit,
        max_bytes=container.settings.max_body_bytes,
        # An import of 10,000 orders is several megabytes; every other body stays small.
        larger={
            f"{API_PREFIX}/orders:import": container.settings.max_import_bytes,
            f"{API_PREFIX}/orders:import-file": container.settings.max_import_bytes,
            f"{API_PREFIX}/proof-files": MAX_FILE_BYTES,
            f"{API_PREFIX}/positions": MAX_BATCH_BYTES,  # 5,000 pings
            # A partner's delivered events may carry a signature and a photo of up to
            # 512 KiB each (base64: a third more), several events to a webhook.
            f"{API_PREFIX}/carrier-webhooks/": CARRIER_WEBHOOK_BYTES,
        },
    )

    @app.get("/healthz", tags=["health"], summary="Liveness: the process answers")
    def health() -> dict[str, str]:
        return {"status": "ok", "version": __version__}

    return app
