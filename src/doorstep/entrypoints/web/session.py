"""Signing in and out of the pages: the session token goes into an HttpOnly cookie."""

from __future__ import annotations

from fastapi import APIRouter, Request, status
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from doorstep.entrypoints.api.deps import SESSION_COOKIE, ContainerDep, PrincipalDep
from doorstep.services import accounts

router = APIRouter(tags=["pages"])


class SignIn(BaseModel):
    email: str = Field(min_length=3, max_length=254)
    password: str = Field(min_length=1, max_length=1024)


@router.post("/session", summary="Sign in to the pages: sets the session cookie")
def sign_in(body: SignIn, request: Request, c: ContainerDep) -> Response:
    session, token = accounts.login(
        body.email, body.password, uow=c.uow(), clock=c.clock, ids=c.ids,
        secrets=c.secrets, hasher=c.hasher, ttl=c.session_ttl,
    )  # fmt: skip
    answer = JSONResponse({"expires_at": session.expires_at.isoformat()})
    answer.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=int(c.session_ttl.total_seconds()),
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        path="/",
    )
    return answer


@router.post(
    "/session:end", status_code=status.HTTP_204_NO_CONTENT, summary="Sign out of the pages"
)
def sign_out(principal: PrincipalDep, c: ContainerDep) -> Response:
    accounts.logout(principal, uow=c.uow(), clock=c.clock)
    answer = Response(status_code=status.HTTP_204_NO_CONTENT)
    answer.delete_cookie(SESSION_COOKIE, path="/")
    return answer
