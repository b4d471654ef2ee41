"""The role-to-permission table."""

from __future__ import annotations

from doorstep.domain.accounts import Role
from doorstep.domain.permissions import ROLE_PERMISSIONS, Permission, permissions_of

WRITES = {p for p in Permission if p.value.endswith(":write")}
ADMIN_ONLY = {Permission.USERS_MANAGE, Permission.API_KEYS_MANAGE}


def test_every_role_has_a_row() -> None:
    """No role is missing from the table (permissions_of would raise KeyError)."""
    assert set(ROLE_PERMISSIONS) == set(Role)


def test_driver_cannot_read_orders() -> None:
    """Drivers see their own work through the driver app, not the order book."""
    assert Permission.ORDERS_READ not in permissions_of([Role.DRIVER])


def test_viewer_cannot_write() -> None:
    """A viewer reads but holds no *:write and no manage permission."""
    assert len(WRITES) >= 3
    assert not (WRITES | ADMIN_ONLY) & permissions_of([Role.VIEWER])
    assert Permission.ORDERS_READ in permissions_of([Role.VIEWER])


def test_only_admins_manage_users_and_api_keys() -> None:
    """users:manage and api_keys:manage belong to the admin role alone."""
    for role in Role:
        assert (permissions_of([role]) >= ADMIN_ONLY) == (role is Role.ADMIN), role
        assert not ADMIN_ONLY & permissions_of([role]) or role is Role.ADMIN, role


def test_permissions_of_several_roles_is_their_union() -> None:
    """Holding two roles grants what either grants, and nothing else."""
    both = permissions_of([Role.DRIVER, Role.STATION_ASSOCIATE])
    assert both == ROLE_PERMISSIONS[Role.DRIVER] | ROLE_PERMISSIONS[Role.STATION_ASSOCIATE]
    assert permissions_of([]) == frozenset()
    assert permissions_of([Role.ADMIN]) == frozenset(Permission)
