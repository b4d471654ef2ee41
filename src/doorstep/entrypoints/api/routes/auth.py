"""Logging in and out."""

from __future__ import annotations

from fastapi import APIRouter, status

from doorstep.entrypoints.api.deps import ContainerDep, PrincipalDep
from doorstep.entrypoints.api.schemas.accounts import LoginIn, TokenOut
from doorstep.services import accounts

router = APIRouter(prefix="/auth", tags=["auth"])


@router.post("/login", summary="Exchange e-mail and password for a bearer token")
def login(body: LoginIn, c: ContainerDep) -> TokenOut:
    session, token = accounts.login(
        body.email,
        body.password,
        uow=c.uow(),
        clock=c.clock,
        ids=c.ids,
        secrets=c.secrets,
        hasher=c.hasher,
        ttl=c.session_ttl,
    )
    return TokenOut(access_token=token, expires_at=session.expires_at)


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT, summary="End this session")
def logout(principal: PrincipalDep, c: ContainerDep) -> None:
    accounts.logout(principal, uow=c.uow(), clock=c.clock)
