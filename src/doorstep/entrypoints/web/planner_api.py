"""JSON endpoints the planner page needs beyond the public API (none yet)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/api/v1", tags=["pages"])
