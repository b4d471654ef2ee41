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
    CarrierError,
    Conflict,
    DomainError,
    InvalidTransition,
    InvalidValue,
    NotFound,
    PermissionDenied,
    PlanInvalid,
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
    # A partner carrier's API refused or failed: the gateway's answer, not the caller's input.
    (CarrierError, 502, "carrier-error"),
    # The planner broke its own rules: a bug on our side, not the caller's input.
    (PlanInvalid, 500, "planner-error"),
]


def problem_response(
    status: int,
    slug: str,
    detail: str,
    instance: str,
    errors: list[dict[str, str]] | None = None,
    headers: dict[str, str] | None = None,
    extra: dict[str, Any] | None = None,
) -> JSONResponse:
    """The one shape of every error answer; the title is derived from the slug. ``extra`` adds
    members of the problem type's own (RFC 9457 extensions), e.g. the slots still free."""
    body: dict[str, Any] = {
        "type": f"urn:doorstep:problem:{slug}",
        "title": slug.replace("-", " ").capitalize(),
        "status": status,
        "detail": detail,
        "instance": instance,
    }
    if errors:
        body["errors"] = errors
    body.update(extra or {})
    return JSONResponse(body, status_code=status, media_type=MEDIA_TYPE, headers=headers)


class BodyTooLarge(HTTPException):
    """An HTTPException so that FastAPI's body parsing passes it on instead of answering 400."""

    def __init__(self, max_bytes: int) -> None:
        super().__init__(413, f"the body is larger than {max_bytes} bytes")
        self.max_bytes = max_bytes


def too_large(instance: str, max_bytes: int) -> JSONResponse:
    detail = f"the body is larger than {max_bytes} bytes; send less per request"
    errors = [{"field": "body", "message": f"at most {max_bytes} bytes"}]
    return problem_response(413, "too-large", detail, instance, errors)


def _domain_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, DomainError)
    status, slug = next(
        ((s, n) for kind, s, n in _STATUS if isinstance(error, kind)), (400, "bad-request")
    )
    field = getattr(error, "field", None)
    message = getattr(error, "message", None) or str(error)
    errors = [{"field": field, "message": message}] if field else None
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    if status >= 500:
        log.error("%s on %s %s: %s", slug, request.method, request.url.path, error)
    return problem_response(status, slug, str(error), request.url.path, errors, headers)


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
        reason = str(details[0].get("ctx", {}).get("error", "malformed JSON"))
        detail = f"the body is not valid JSON ({reason}); send a JSON object"
        errors = [{"field": "body", "message": reason}]
        return problem_response(400, "malformed-json", detail, request.url.path, errors)
    errors = [{"field": _field(tuple(d["loc"])), "message": d["msg"]} for d in details]
    summary = "; ".join(f"{e['field']}: {e['message']}" for e in errors[:5])
    return problem_response(422, "invalid-value", summary, request.url.path, errors)


def _http_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, HTTPException)
    if error.status_code == 413:  # a streamed body counted past the limit (body_limit.py)
        return too_large(request.url.path, request.app.state.container.settings.max_body_bytes)
    slug = {404: "not-found", 405: "method-not-allowed"}.get(error.status_code, "http-error")
    headers = dict(error.headers or {})
    return problem_response(
        error.status_code, slug, str(error.detail), request.url.path, None, headers
    )


def _unexpected(request: Request, error: Exception) -> JSONResponse:
    log.exception("unexpected error on %s %s", request.method, request.url.path, exc_info=error)
    detail = "something went wrong on our side; it was logged"
    return problem_response(500, "internal-error", detail, request.url.path)


def install(app: FastAPI) -> None:
    app.add_exception_handler(DomainError, _domain_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)
