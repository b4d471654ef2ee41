"""API keys for integrations (admin only)."""

from __future__ import annotations

from fastapi import APIRouter, status

from doorstep.entrypoints.api.deps import ContainerDep, IdempotentDep, PrincipalDep
from doorstep.entrypoints.api.schemas.accounts import ApiKeyIn, ApiKeyOut, NewApiKeyOut
from doorstep.services import accounts
from doorstep.services.ports import UnitOfWork

router = APIRouter(prefix="/api-keys", tags=["api keys"])


@router.get("", summary="List keys (secrets are never shown again)")
def list_keys(principal: PrincipalDep, c: ContainerDep) -> list[ApiKeyOut]:
    return [ApiKeyOut.of(k) for k in accounts.list_api_keys(principal, uow=c.reader())]


@router.post(
    "", status_code=status.HTTP_201_CREATED, response_model=NewApiKeyOut, summary="Create a key"
)
def create_key(
    body: ApiKeyIn, principal: PrincipalDep, c: ContainerDep, once: IdempotentDep
) -> object:
    def create(uow: UnitOfWork) -> NewApiKeyOut:
        key, secret = accounts.create_api_key(
            principal, body.name, body.roles, uow=uow, clock=c.clock, ids=c.ids, secrets=c.secrets
        )
        return NewApiKeyOut(**ApiKeyOut.of(key).model_dump(), secret=secret)

    return once.run(201, create)


@router.delete("/{key_id}", summary="Revoke a key; requests with it fail from now on")
def revoke_key(key_id: str, principal: PrincipalDep, c: ContainerDep) -> ApiKeyOut:
    return ApiKeyOut.of(accounts.revoke_api_key(principal, key_id, uow=c.uow(), clock=c.clock))
