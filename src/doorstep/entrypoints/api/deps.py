"""Request dependencies as Annotated aliases: the container, the caller, idempotent POSTs."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Header, Query, Request
from fastapi.responses import Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel

from doorstep.bootstrap import Container
from doorstep.domain.errors import AuthenticationFailed
from doorstep.services import accounts, idempotency
from doorstep.services.authorization import Principal
from doorstep.services.ports import UnitOfWork


def get_container(request: Request) -> Container:
    container: Container = request.app.state.container
    return container


ContainerDep = Annotated[Container, Depends(get_container)]

_bearer = HTTPBearer(auto_error=False, description="a session token from /auth/login or an API key")


# The web pages' session rides in this cookie (HttpOnly, SameSite=Strict), so the pages' own
# scripts and EventSource streams are signed in without a token in JavaScript's reach.
SESSION_COOKIE = "doorstep_session"
# A write signed in by the cookie must carry this header. SameSite=Strict already keeps the
# cookie off other sites' requests; a custom header is the second lock, as another site
# cannot send one without a CORS preflight, which this server never grants.
PAGE_HEADER = "X-Doorstep-Page"
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def get_principal(
    request: Request,
    container: ContainerDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    if credentials is not None:
        token = credentials.credentials
    elif cookie := request.cookies.get(SESSION_COOKIE):
        if request.method not in _SAFE_METHODS and PAGE_HEADER not in request.headers:
            raise AuthenticationFailed(
                f"a write signed in by the page cookie must send the {PAGE_HEADER} header"
            )
        token = cookie
    else:
        raise AuthenticationFailed(
            "send 'Authorization: Bearer <token>' with a login token or API key"
        )
    return accounts.authenticate(token, uow=container.reader(), clock=container.clock)


PrincipalDep = Annotated[Principal, Depends(get_principal)]
# ``?date=YYYY-MM-DD``: the service day a station or driver route works on.
Day = Annotated[dt.date, Query(alias="date", description="the service day, YYYY-MM-DD")]


# Keeps a staged request's answer: called with the unit of work whose transaction commits the
# work, and the answer to replay to a retry.
Keep = Callable[[UnitOfWork, BaseModel], None]


class IdempotentPost:
    """Runs a POST once per Idempotency-Key: the object and the stored answer commit together."""

    def __init__(
        self, container: Container, principal: Principal, key: str | None, fingerprint: str
    ) -> None:
        self._container = container
        self._principal = principal
        self._key = key
        self._fingerprint = fingerprint

    def run(self, status_code: int, action: Callable[[UnitOfWork], BaseModel]) -> Response:
        """Call ``action`` with the unit of work to use, and answer with its result as JSON."""
        uow = self._container.uow()
        if self._key is None:
            return Response(
                action(uow).model_dump_json(), status_code, media_type="application/json"
            )
        outcome = idempotency.run_once(
            self._principal,
            self._key,
            self._fingerprint,
            lambda: (status_code, action(uow).model_dump_json()),
            uow=uow,
            clock=self._container.clock,
        )
        return self._answer(outcome)

    def run_staged(self, status_code: int, action: Callable[[Keep | None], BaseModel]) -> Response:
        """For work that calls out (a partner's API) and so must not hold a transaction all
        along: ``action`` runs its own transactions and, given a ``Keep`` (None without a
        key), calls it with its unit of work and the answer inside the transaction that
        commits its result (``services.idempotency.run_staged``)."""
        if self._key is None:
            return Response(
                action(None).model_dump_json(), status_code, media_type="application/json"
            )

        def perform(answer: idempotency.Answer) -> None:
            def keep(uow: UnitOfWork, model: BaseModel) -> None:
                answer.keep(uow, status_code, model.model_dump_json())

            action(keep)

        outcome = idempotency.run_staged(
            self._principal,
            self._key,
            self._fingerprint,
            perform,
            uow=self._container.uow(),
            clock=self._container.clock,
        )
        return self._answer(outcome)

    @staticmethod
    def _answer(outcome: idempotency.Outcome) -> Response:
        headers = {"Idempotent-Replayed": "true"} if outcome.replayed else {}
        return Response(
            outcome.body, outcome.status_code, headers=headers, media_type="application/json"
        )


async def get_idempotent_post(
    request: Request,
    container: ContainerDep,
    principal: PrincipalDep,
    idempotency_key: Annotated[
        str | None,
        Header(
            description="a retry with the same key and body gets the first answer; nothing twice"
        ),
    ] = None,
) -> IdempotentPost:
    body = await request.body()
    fingerprint = idempotency.fingerprint(request.method, request.url.path, body)
    return IdempotentPost(container, principal, idempotency_key, fingerprint)


IdempotentDep = Annotated[IdempotentPost, Depends(get_idempotent_post)]
