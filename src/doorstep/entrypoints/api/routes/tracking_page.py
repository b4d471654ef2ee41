"""The recipient's tracking page as plain server-rendered HTML: no login, no script."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse
from jinja2 import Environment

from doorstep.domain.errors import NotFound
from doorstep.entrypoints.api.deps import ContainerDep
from doorstep.entrypoints.api.routes.tracking import PRIVATE, live_view
from doorstep.entrypoints.api.tracking_html import TRACK_PAGE

# Autoescaped: the page shows text others typed (the shipper, preferences, names).
_template = Environment(autoescape=True).from_string(TRACK_PAGE)

router = APIRouter(tags=["tracking"])


@router.get("/t/{token}", response_class=HTMLResponse, summary="The recipient's tracking page")
def page(token: str, c: ContainerDep) -> HTMLResponse:
    api = f"/api/v1/track/{token}"
    try:
        view = live_view(token, c)
    except NotFound:
        html = _template.render(view=None, title="Link not found", api=api)
        return HTMLResponse(html, status_code=404, headers=PRIVATE)
    html = _template.render(view=view, title=view.headline, api=api)
    return HTMLResponse(html, headers=PRIVATE)
