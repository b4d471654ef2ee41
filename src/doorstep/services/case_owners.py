"""Who may own an exception case: the organisation's active users allowed to resolve one.

A dispatcher giving a case to a colleague needs their names, not the user administration's
list (every user's e-mail, inactive ones too), which stays with ``accounts.list_users`` and
the users:manage permission.
"""

from __future__ import annotations

from dataclasses import dataclass

from doorstep.domain.accounts import User
from doorstep.domain.permissions import Permission, permissions_of
from doorstep.services.authorization import Principal, require
from doorstep.services.ports import UnitOfWork


@dataclass(frozen=True)
class CaseOwner:
    id: str
    name: str
    roles: tuple[str, ...]


def case_owners(principal: Principal, *, uow: UnitOfWork) -> list[CaseOwner]:
    """Active users who may resolve a case (orders:write), by name; for those who may too."""
    require(principal, Permission.ORDERS_WRITE)
    with uow:
        users = uow.users.list(principal.organisation_id)
    return sorted((_owner(u) for u in users if _may_own(u)), key=lambda o: (o.name, o.id))


def _may_own(user: User) -> bool:
    return user.active and Permission.ORDERS_WRITE in permissions_of(user.roles)


def _owner(user: User) -> CaseOwner:
    return CaseOwner(user.id, user.name, tuple(sorted(r.value for r in user.roles)))
