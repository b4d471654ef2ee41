"""Signing in and out of the pages: the session token goes into an HttpOnly cookie."""

from __future__ import annotations

from fastapi import APIRouter, Request, status
from fastapi.responses import JSONResponse, RedirectResponse, Response
from pydantic import BaseModel, Field

from doorstep.domain.errors import AuthenticationFailed, PermissionDenied
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


@router.post(
    "/sign-out",
    status_code=status.HTTP_303_SEE_OTHER,
    summary="Sign out by the pages' plain form (no script needed); answers with /login",
)
def sign_out_form(request: Request, c: ContainerDep) -> Response:
    """The Sign out button is a form, so it works before the page's script has loaded (or
    without one). A plain form cannot send the X-Doorstep-Page header that cookie-signed
    writes need, so the second lock here is the browser's own word on where the form came
    from: Sec-Fetch-Site, or else the Origin, must be this site. (SameSite=Strict keeps the
    cookie off other sites' posts already; this keeps a forged post from doing anything.)"""
    if not _same_site(request):
        raise PermissionDenied("signing out by form is only accepted from doorstep's own pages")
    answer = RedirectResponse("/login", status_code=status.HTTP_303_SEE_OTHER)
    if token := request.cookies.get(SESSION_COOKIE):
        try:
            principal = accounts.authenticate(token, uow=c.reader(), clock=c.clock)
        except AuthenticationFailed:
            pass  # already ended or expired: the cookie goes all the same
        else:
            accounts.logout(principal, uow=c.uow(), clock=c.clock)
    answer.delete_cookie(SESSION_COOKIE, path="/")
    return answer


def _same_site(request: Request) -> bool:
    fetch_site = request.headers.get("sec-fetch-site")
    if fetch_site is not None:
        return fetch_site == "same-origin"
    origin = request.headers.get("origin")
    if origin is None:
        return False  # a browser posting a form sends one of the two
    return origin == f"{request.url.scheme}://{request.url.netloc}"
