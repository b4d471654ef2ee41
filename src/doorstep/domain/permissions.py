"""Who may do what: one table from role to permissions, so every shell enforces the same rules."""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

from doorstep.domain.accounts import Role


class Permission(StrEnum):
    ORGANISATION_READ = "organisation:read"
    ORGANISATION_WRITE = "organisation:write"
    USERS_MANAGE = "users:manage"
    API_KEYS_MANAGE = "api_keys:manage"
    NETWORK_READ = "network:read"
    NETWORK_WRITE = "network:write"
    ORDERS_READ = "orders:read"
    ORDERS_WRITE = "orders:write"
    PLANS_READ = "plans:read"
    PLANS_WRITE = "plans:write"
    # Change the running day: put an order in, take a vehicle off the road, move stops.
    # Dispatch's work during the day, apart from planning and publishing the day itself.
    PLANS_LIVE = "plans:live"
    SCANS_WRITE = "scans:write"  # send scan events from a handheld or the driver app


_READ_NETWORK = {Permission.ORGANISATION_READ, Permission.NETWORK_READ}
_PLANS = {Permission.PLANS_READ, Permission.PLANS_WRITE}

# Stations, vehicles and drivers form the "network". A driver sees their own work through the
# driver app (a later capability), not the organisation's order book, so drivers cannot list orders
# (nor read plans). Planners make and publish plans; dispatchers and the station read them.
ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.ADMIN: frozenset(Permission),
    Role.PLANNER: frozenset(
        _READ_NETWORK
        | _PLANS
        | {
            Permission.NETWORK_WRITE,
            Permission.ORDERS_READ,
            Permission.ORDERS_WRITE,
            Permission.PLANS_LIVE,
        }
    ),
    Role.DISPATCHER: frozenset(
        _READ_NETWORK
        | {
            Permission.ORDERS_READ,
            Permission.ORDERS_WRITE,
            Permission.PLANS_READ,
            Permission.PLANS_LIVE,
            Permission.SCANS_WRITE,
        }
    ),
    Role.STATION_ASSOCIATE: frozenset(
        _READ_NETWORK | {Permission.ORDERS_READ, Permission.PLANS_READ, Permission.SCANS_WRITE}
    ),
    Role.DRIVER: frozenset({Permission.ORGANISATION_READ, Permission.SCANS_WRITE}),
    Role.VIEWER: frozenset(_READ_NETWORK | {Permission.ORDERS_READ, Permission.PLANS_READ}),
}


def permissions_of(roles: Iterable[Role]) -> frozenset[Permission]:
    granted: set[Permission] = set()
    for role in roles:
        granted |= ROLE_PERMISSIONS[role]
    return frozenset(granted)
