"""Who is calling, and the one check every use case makes before it acts."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from doorstep.domain.accounts import Role
from doorstep.domain.errors import PermissionDenied
from doorstep.domain.permissions import ROLE_PERMISSIONS, Permission, permissions_of


class ActorKind(StrEnum):
    USER = "user"
    API_KEY = "api_key"
    SYSTEM = "system"


@dataclass(frozen=True)
class Principal:
    """An authenticated caller acting inside exactly one organisation."""

    organisation_id: str
    actor_id: str
    kind: ActorKind
    roles: frozenset[Role]
    session_id: str | None = None

    @property
    def permissions(self) -> frozenset[Permission]:
        return permissions_of(self.roles)


def require(principal: Principal, permission: Permission) -> None:
    """Raise PermissionDenied naming the permission and the roles that hold it."""
    if permission not in principal.permissions:
        holders = sorted(
            role.value for role, granted in ROLE_PERMISSIONS.items() if permission in granted
        )
        raise PermissionDenied(
            f"'{permission.value}' is needed for this; roles that have it: {', '.join(holders)}"
        )


def system_principal(organisation_id: str) -> Principal:
    """The command line acting as the organisation's administrator (it has the database)."""
    return Principal(organisation_id, "system", ActorKind.SYSTEM, frozenset({Role.ADMIN}))
