"""JSON endpoints the control tower needs beyond the public API.

``GET /control/case-owners``: the people a dispatcher may give an exception case to. The
public ``GET /users`` is for user administration (users:manage), which a dispatcher lacks.
"""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, Field

from doorstep.entrypoints.api.deps import ContainerDep, PrincipalDep
from doorstep.services import case_owners

router = APIRouter(prefix="/api/v1", tags=["pages"])


class CaseOwnerOut(BaseModel):
    id: str
    name: str
    roles: list[str] = Field(description="the user's roles, which say what they may do")


@router.get(
    "/control/case-owners",
    summary="The active users who may own and resolve exception cases, by name",
)
def list_case_owners(principal: PrincipalDep, c: ContainerDep) -> list[CaseOwnerOut]:
    found = case_owners.case_owners(principal, uow=c.reader())
    return [CaseOwnerOut(id=o.id, name=o.name, roles=list(o.roles)) for o in found]
