"""Organisations, users, logins, sessions and API keys."""

from __future__ import annotations

from datetime import timedelta

import pytest

from doorstep.domain.accounts import Role
from doorstep.domain.errors import AuthenticationFailed, Conflict, InvalidValue
from doorstep.services import accounts
from doorstep.services.authorization import ActorKind, Principal
from tests.services.conftest import PASSWORD, Ports

TTL = timedelta(hours=12)
EMAIL = "admin@city-couriers.test"


def login(ports: Ports, email: str = EMAIL, password: str = PASSWORD) -> str:
    p = ports
    _, token = accounts.login(
        email,
        password,
        uow=p.uow,
        clock=p.clock,
        ids=p.ids,
        secrets=p.secrets,
        hasher=p.hasher,
        ttl=TTL,
    )
    return token


def authenticate(ports: Ports, token: str) -> Principal:
    return accounts.authenticate(token, uow=ports.uow, clock=ports.clock)


def add_user(ports: Ports, admin: Principal, email: str, role: Role = Role.VIEWER) -> str:
    p = ports
    user = accounts.create_user(
        admin,
        email,
        "Someone",
        frozenset({role}),
        PASSWORD,
        uow=p.uow,
        clock=p.clock,
        ids=p.ids,
        hasher=p.hasher,
    )
    return user.id


def test_ensure_organisation_twice_creates_one(ports: Ports) -> None:
    """Running setup again finds the organisation and admin instead of creating more."""
    p = ports

    def run() -> accounts.Setup:
        return accounts.ensure_organisation(
            "City Couriers", EMAIL, PASSWORD, uow=p.uow, clock=p.clock, ids=p.ids, hasher=p.hasher
        )

    first, second = run(), run()
    assert (first.created_organisation, first.created_admin) == (True, True)
    assert (second.created_organisation, second.created_admin) == (False, False)
    assert (second.organisation.id, second.admin.id) == (first.organisation.id, first.admin.id)
    assert (len(p.uow.tables.organisations), len(p.uow.tables.users)) == (1, 1)
    assert second.admin.roles == {Role.ADMIN}


def test_admin_email_of_another_organisation_conflicts(ports: Ports, admin: Principal) -> None:
    """Setting up a second organisation with the first one's admin e-mail is refused."""
    p = ports
    with pytest.raises(Conflict) as raised:
        accounts.ensure_organisation(
            "Rival Express", EMAIL, PASSWORD, uow=p.uow, clock=p.clock, ids=p.ids, hasher=p.hasher
        )
    assert raised.value.field == "admin_email"
    assert len(p.uow.tables.organisations) == 1


def test_login_opens_a_session_for_the_user(ports: Ports, admin: Principal) -> None:
    """The right password, in any letter case of the e-mail, yields a token for that user."""
    caller = authenticate(ports, login(ports, email=EMAIL.upper()))
    assert (caller.organisation_id, caller.actor_id, caller.kind) == (
        admin.organisation_id,
        admin.actor_id,
        ActorKind.USER,
    )
    assert caller.session_id in ports.uow.tables.sessions
    assert caller.roles == {Role.ADMIN}


@pytest.mark.parametrize(
    ("email", "password"),
    [(EMAIL, "wrong password!"), ("nobody@city-couriers.test", PASSWORD), (EMAIL, "")],
)
def test_login_refuses_wrong_credentials(
    ports: Ports, admin: Principal, email: str, password: str
) -> None:
    """A wrong password or unknown e-mail fails the same way and opens no session."""
    with pytest.raises(AuthenticationFailed):
        login(ports, email, password)
    assert ports.uow.tables.sessions == {}


def test_deactivated_user_can_neither_log_in_nor_use_a_session(
    ports: Ports, admin: Principal
) -> None:
    """Deactivation locks the user out at once, including sessions opened before."""
    user_id = add_user(ports, admin, "ann@city-couriers.test")
    token = login(ports, "ann@city-couriers.test")
    accounts.deactivate_user(admin, user_id, uow=ports.uow, hasher=ports.hasher)
    with pytest.raises(AuthenticationFailed):
        login(ports, "ann@city-couriers.test")
    with pytest.raises(AuthenticationFailed, match="deactivated"):
        authenticate(ports, token)


def test_session_expires_after_its_ttl(ports: Ports, admin: Principal) -> None:
    """A session token works until just before expiry and is refused from then on."""
    token = login(ports)
    ports.clock.advance(TTL - timedelta(seconds=1))
    assert authenticate(ports, token).actor_id == admin.actor_id
    ports.clock.advance(timedelta(seconds=1))
    with pytest.raises(AuthenticationFailed):
        authenticate(ports, token)


def test_logged_out_session_is_refused(ports: Ports, admin: Principal) -> None:
    """After logout the token no longer authenticates; another session is unaffected."""
    token, other = login(ports), login(ports)
    accounts.logout(authenticate(ports, token), uow=ports.uow, clock=ports.clock)
    with pytest.raises(AuthenticationFailed):
        authenticate(ports, token)
    assert authenticate(ports, other).actor_id == admin.actor_id


def test_unknown_token_is_refused(ports: Ports, admin: Principal) -> None:
    """Made-up session and API-key tokens are both refused."""
    for token in ("dss_made-up", "dsk_made-up", ""):
        with pytest.raises(AuthenticationFailed):
            authenticate(ports, token)


def test_api_key_authenticates_with_its_roles_until_revoked(ports: Ports, admin: Principal) -> None:
    """A key acts with its own roles; once revoked it is refused."""
    p = ports
    key, secret = accounts.create_api_key(
        admin,
        "erp",
        frozenset({Role.DISPATCHER}),
        uow=p.uow,
        clock=p.clock,
        ids=p.ids,
        secrets=p.secrets,
    )
    assert secret not in repr(p.uow.tables.api_keys)  # only a hash is stored
    caller = authenticate(p, secret)
    assert (caller.actor_id, caller.kind, caller.roles) == (
        key.id,
        ActorKind.API_KEY,
        frozenset({Role.DISPATCHER}),
    )
    accounts.revoke_api_key(admin, key.id, uow=p.uow, clock=p.clock)
    with pytest.raises(AuthenticationFailed, match="revoked"):
        authenticate(p, secret)


def test_admin_cannot_demote_or_deactivate_themself(ports: Ports, admin: Principal) -> None:
    """Removing one's own admin role or deactivating oneself is refused and changes nothing."""
    p = ports
    with pytest.raises(Conflict):
        accounts.update_user(
            admin, admin.actor_id, {"roles": frozenset({Role.VIEWER})}, uow=p.uow, hasher=p.hasher
        )
    with pytest.raises(Conflict):
        accounts.deactivate_user(admin, admin.actor_id, uow=p.uow, hasher=p.hasher)
    me = p.uow.tables.users[admin.actor_id]
    assert (me.roles, me.active) == (frozenset({Role.ADMIN}), True)


def test_admin_may_demote_another_admin(ports: Ports, admin: Principal) -> None:
    """The self-protection rule does not stop an admin changing someone else."""
    p = ports
    other = add_user(p, admin, "bob@city-couriers.test", Role.ADMIN)
    accounts.update_user(
        admin, other, {"roles": frozenset({Role.PLANNER})}, uow=p.uow, hasher=p.hasher
    )
    assert p.uow.tables.users[other].roles == {Role.PLANNER}


def test_duplicate_email_conflicts(ports: Ports, admin: Principal) -> None:
    """A second user with the same e-mail, in any letter case, is a Conflict on field email."""
    add_user(ports, admin, "ann@city-couriers.test")
    with pytest.raises(Conflict) as raised:
        add_user(ports, admin, "ANN@City-Couriers.test")
    assert raised.value.field == "email"
    assert len(ports.uow.tables.users) == 2


def test_short_password_is_refused(ports: Ports, admin: Principal) -> None:
    """Passwords need at least ten characters."""
    p = ports
    with pytest.raises(InvalidValue) as raised:
        accounts.create_user(
            admin,
            "ann@x.test",
            "Ann",
            frozenset({Role.VIEWER}),
            "short",
            uow=p.uow,
            clock=p.clock,
            ids=p.ids,
            hasher=p.hasher,
        )
    assert raised.value.field == "password"
