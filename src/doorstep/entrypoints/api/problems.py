"""RFC 9457 problem details: every error the API returns, in one shape, naming the field."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from doorstep.domain.errors import (
    AuthenticationFailed,
    Conflict,
    DomainError,
    InvalidTransition,
    InvalidValue,
    NotFound,
    PermissionDenied,
)

MEDIA_TYPE = "application/problem+json"
log = logging.getLogger(__name__)

_STATUS: list[tuple[type[DomainError], int, str]] = [
    (InvalidValue, 422, "invalid-value"),
    (InvalidTransition, 409, "invalid-transition"),
    (NotFound, 404, "not-found"),
    (Conflict, 409, "conflict"),
    (AuthenticationFailed, 401, "unauthenticated"),
    (PermissionDenied, 403, "forbidden"),
]


def problem(
    request: Request,
    status: int,
    slug: str,
    title: str,
    detail: str,
    errors: list[dict[str, str]] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": f"urn:doorstep:problem:{slug}",
        "title": title,
        "status": status,
        "detail": detail,
        "instance": request.url.path,
    }
    if errors:
        body["errors"] = errors
    return JSONResponse(body, status_code=status, media_type=MEDIA_TYPE, headers=headers)


def _domain_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, DomainError)
    status, slug = next(
        ((s, n) for kind, s, n in _STATUS if isinstance(error, kind)), (400, "bad-request")
    )
    field = getattr(error, "field", None)
    message = getattr(error, "message", None) or str(error)
    errors = [{"field": field, "message": message}] if field else None
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return problem(
        request, status, slug, slug.replace("-", " ").capitalize(), str(error), errors, headers
    )


def _field(location: tuple[Any, ...]) -> str:
    # ("body", "parcels", 0, "weight_kg") -> "parcels[0].weight_kg"; query/header keep a prefix.
    parts = [str(p) for p in location if p not in ("body",)]
    text = ""
    for part in parts:
        text += f"[{part}]" if part.isdigit() else (f".{part}" if text else part)
    return text or "body"


def _validation_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, RequestValidationError)
    details = list(error.errors())
    if any(d.get("type") == "json_invalid" for d in details):
        reason = details[0].get("ctx", {}).get("error", "malformed JSON")
        return problem(
            request,
            400,
            "malformed-json",
            "Malformed JSON",
            f"the body is not valid JSON ({reason}); send a JSON object",
            [{"field": "body", "message": str(reason)}],
        )
    errors = [{"field": _field(tuple(d["loc"])), "message": d["msg"]} for d in details]
    summary = "; ".join(f"{e['field']}: {e['message']}" for e in errors[:5])
    return problem(request, 422, "invalid-value", "Invalid value", summary, errors)


def _http_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, HTTPException)
    slug = {404: "not-found", 405: "method-not-allowed", 413: "too-large"}.get(
        error.status_code, "http-error"
    )
    return problem(
        request,
        error.status_code,
        slug,
        slug.replace("-", " ").capitalize(),
        str(error.detail),
        headers=dict(error.headers or {}),
    )


def _unexpected(request: Request, error: Exception) -> JSONResponse:
    log.exception("unexpected error on %s %s", request.method, request.url.path, exc_info=error)
    return problem(
        request,
        500,
        "internal",
        "Internal error",
        "something went wrong on our side; it was logged",
    )


def install(app: FastAPI) -> None:
    app.add_exception_handler(DomainError, _domain_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)
