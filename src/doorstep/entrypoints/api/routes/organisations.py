"""The caller's own organisation."""

from __future__ import annotations

from fastapi import APIRouter

from doorstep.entrypoints.api.deps import ContainerDep, PrincipalDep
from doorstep.entrypoints.api.schemas.accounts import OrganisationOut, OrganisationPatch
from doorstep.services import accounts

router = APIRouter(prefix="/organisation", tags=["organisation"])


@router.get("", summary="The organisation the caller belongs to")
def get_organisation(principal: PrincipalDep, c: ContainerDep) -> OrganisationOut:
    return OrganisationOut.of(accounts.get_organisation(principal, uow=c.reader()))


@router.patch("", summary="Rename the organisation or change its currency (admin)")
def update_organisation(
    body: OrganisationPatch, principal: PrincipalDep, c: ContainerDep
) -> OrganisationOut:
    changes = body.domain_fields()
    return OrganisationOut.of(accounts.update_organisation(principal, changes, uow=c.uow()))
