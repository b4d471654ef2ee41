"""The one permission check every use case makes."""

from __future__ import annotations

import pytest

from doorstep.domain.accounts import Role
from doorstep.domain.errors import PermissionDenied
from doorstep.domain.permissions import ROLE_PERMISSIONS, Permission
from doorstep.services.authorization import ActorKind, Principal, require, system_principal
from doorstep.services.orders import create_order
from tests.services.conftest import Ports, order_fields


def principal(*roles: Role) -> Principal:
    return Principal("org_1", "usr_1", ActorKind.USER, frozenset(roles))


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("permission", list(Permission))
def test_require_follows_the_role_table(role: Role, permission: Permission) -> None:
    """require passes exactly when one of the caller's roles grants the permission."""
    if permission in ROLE_PERMISSIONS[role]:
        require(principal(role), permission)
    else:
        with pytest.raises(PermissionDenied):
            require(principal(role), permission)


def test_refusal_names_the_permission_and_its_holders() -> None:
    """The message says which permission is missing and which roles would grant it."""
    with pytest.raises(PermissionDenied) as raised:
        require(principal(Role.VIEWER, Role.DRIVER), Permission.ORDERS_WRITE)
    message = str(raised.value)
    assert "'orders:write'" in message
    assert "admin, dispatcher, planner" in message


def test_any_role_of_several_suffices() -> None:
    """A caller holding a weak and a strong role gets the strong role's permissions."""
    require(principal(Role.DRIVER, Role.PLANNER), Permission.NETWORK_WRITE)
    require(system_principal("org_1"), Permission.USERS_MANAGE)


def test_services_check_before_acting(ports: Ports) -> None:
    """A viewer's order creation is refused before anything is stored."""
    with pytest.raises(PermissionDenied, match="orders:write"):
        create_order(
            principal(Role.VIEWER), order_fields(), uow=ports.uow, clock=ports.clock, ids=ports.ids
        )
    assert ports.uow.tables.orders == {}
