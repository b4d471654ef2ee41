"""Organisations, users, logins and API keys."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any

from doorstep.domain.accounts import ApiKey, Organisation, Role, Session, User, check_email
from doorstep.domain.errors import AuthenticationFailed, Conflict, InvalidValue, NotFound
from doorstep.domain.permissions import Permission
from doorstep.services.authorization import ActorKind, Principal, require
from doorstep.services.ports import Clock, IdGenerator, PasswordHasher, SecretGenerator, UnitOfWork

SESSION_PREFIX = "dss"
API_KEY_PREFIX = "dsk"
MIN_PASSWORD_LENGTH = 10


def token_hash(secret: str) -> str:
    """Tokens are long and random, so a fast hash is safe; passwords get argon2 instead."""
    return hashlib.sha256(secret.encode()).hexdigest()


def slugify(name: str) -> str:
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:64].strip("-")
    return slug or "organisation"


def check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidValue("password", f"must be at least {MIN_PASSWORD_LENGTH} characters long")


@dataclass(frozen=True)
class Setup:
    organisation: Organisation
    admin: User
    created_organisation: bool
    created_admin: bool


def ensure_organisation(
    name: str,
    admin_email: str,
    admin_password: str,
    *,
    uow: UnitOfWork,
    clock: Clock,
    ids: IdGenerator,
    hasher: PasswordHasher,
    admin_name: str = "Administrator",
) -> Setup:
    """Create the organisation and its first admin unless they exist; safe to run again."""
    email = check_email("admin_email", admin_email)
    with uow:
        organisation = uow.organisations.get_by_slug(slugify(name))
        created_organisation = organisation is None
        if organisation is None:
            organisation = Organisation(ids.new_id("org"), name.strip(), slugify(name), clock.now())
            uow.organisations.add(organisation)
        admin = uow.users.get_by_email(email)
        if admin is not None and admin.organisation_id != organisation.id:
            raise Conflict(f"{email} already belongs to another organisation", field="admin_email")
        created_admin = admin is None
        if admin is None:
            check_password(admin_password)
            admin = User(
                ids.new_id("usr"),
                organisation.id,
                email,
                admin_name,
                frozenset({Role.ADMIN}),
                hasher.hash(admin_password),
                clock.now(),
            )
            uow.users.add(admin)
        uow.commit()
    return Setup(organisation, admin, created_organisation, created_admin)


def list_organisations(*, uow: UnitOfWork) -> Sequence[Organisation]:
    """Every organisation on this installation, by slug.

    No principal: only an operator holding the database (the command line) may call this, to
    choose which organisation to act in; the HTTP API must never expose it.
    """
    with uow:
        return uow.organisations.list()


def get_organisation(principal: Principal, *, uow: UnitOfWork) -> Organisation:
    require(principal, Permission.ORGANISATION_READ)
    with uow:
        organisation = uow.organisations.get(principal.organisation_id)
    if organisation is None:
        raise NotFound("organisation", principal.organisation_id)
    return organisation


def update_organisation(
    principal: Principal, changes: Mapping[str, Any], *, uow: UnitOfWork
) -> Organisation:
    require(principal, Permission.ORGANISATION_WRITE)
    with uow:
        current = uow.organisations.get(principal.organisation_id)
        if current is None:
            raise NotFound("organisation", principal.organisation_id)
        updated = replace(current, **changes)
        uow.organisations.update(updated)
        uow.commit()
    return updated


def login(
    email: str,
    password: str,
    *,
    uow: UnitOfWork,
    clock: Clock,
    ids: IdGenerator,
    secrets: SecretGenerator,
    hasher: PasswordHasher,
    ttl: timedelta,
) -> tuple[Session, str]:
    """Check the password and open a session; returns it with the bearer token (shown once)."""
    with uow:
        user = uow.users.get_by_email(email)
        # Verify even for unknown e-mails so response time does not reveal who has an account.
        stored = user.password_hash if user else None
        if not hasher.verify(stored, password) or user is None or not user.active:
            raise AuthenticationFailed("e-mail or password is wrong")
        token = secrets.token(SESSION_PREFIX)
        now = clock.now()
        session = Session(
            ids.new_id("ses"), user.id, user.organisation_id, token_hash(token), now, now + ttl
        )
        uow.sessions.add(session)
        uow.commit()
    return session, token


def authenticate(token: str, *, uow: UnitOfWork, clock: Clock) -> Principal:
    """Turn a bearer token (session or API key) into the caller it stands for."""
    with uow:
        if token.startswith(f"{API_KEY_PREFIX}_"):
            return _api_key_principal(token, uow)
        session = uow.sessions.get_by_hash(token_hash(token))
        if session is None or not session.valid_at(clock.now()):
            raise AuthenticationFailed("the token is unknown, expired or logged out; log in again")
        user = uow.users.get(session.organisation_id, session.user_id)
        if user is None or not user.active:
            raise AuthenticationFailed("the account is deactivated")
        return Principal(user.organisation_id, user.id, ActorKind.USER, user.roles, session.id)


def _api_key_principal(token: str, uow: UnitOfWork) -> Principal:
    key = uow.api_keys.get_by_hash(token_hash(token))
    if key is None or not key.active:
        raise AuthenticationFailed("the API key is unknown or revoked")
    return Principal(key.organisation_id, key.id, ActorKind.API_KEY, key.roles)


def logout(principal: Principal, *, uow: UnitOfWork, clock: Clock) -> None:
    """End the caller's session; an API key has none and is revoked through its own endpoint."""
    if principal.session_id is None:
        return
    with uow:
        session = uow.sessions.get(principal.session_id)
        if session is not None and session.revoked_at is None:
            session.revoked_at = clock.now()
            uow.sessions.update(session)
        uow.commit()


def create_user(
    principal: Principal,
    email: str,
    name: str,
    roles: frozenset[Role],
    password: str,
    *,
    uow: UnitOfWork,
    clock: Clock,
    ids: IdGenerator,
    hasher: PasswordHasher,
) -> User:
    require(principal, Permission.USERS_MANAGE)
    check_password(password)
    normalised = check_email("email", email)
    with uow:
        if uow.users.get_by_email(normalised) is not None:
            raise Conflict(f"a user with e-mail {normalised} exists already", field="email")
        user = User(
            ids.new_id("usr"),
            principal.organisation_id,
            normalised,
            name,
            roles,
            hasher.hash(password),
            clock.now(),
        )
        uow.users.add(user)
        uow.commit()
    return user


def list_users(principal: Principal, *, uow: UnitOfWork) -> Sequence[User]:
    require(principal, Permission.USERS_MANAGE)
    with uow:
        return uow.users.list(principal.organisation_id)


def get_user(principal: Principal, user_id: str, *, uow: UnitOfWork) -> User:
    if user_id != principal.actor_id:
        require(principal, Permission.USERS_MANAGE)
    with uow:
        user = uow.users.get(principal.organisation_id, user_id)
    if user is None:
        raise NotFound("user", user_id)
    return user


def update_user(
    principal: Principal,
    user_id: str,
    changes: Mapping[str, Any],
    *,
    uow: UnitOfWork,
    hasher: PasswordHasher,
) -> User:
    """Change name, roles, active or password; an admin cannot demote or deactivate themself."""
    require(principal, Permission.USERS_MANAGE)
    fields = dict(changes)
    if "password" in fields:
        check_password(fields["password"])
        fields["password_hash"] = hasher.hash(fields.pop("password"))
    with uow:
        user = uow.users.get(principal.organisation_id, user_id)
        if user is None:
            raise NotFound("user", user_id)
        updated = replace(user, **fields)
        if user.id == principal.actor_id and Role.ADMIN not in updated.roles:
            raise Conflict("you cannot remove your own admin role", field="roles")
        if user.id == principal.actor_id and not updated.active:
            raise Conflict("you cannot deactivate yourself", field="active")
        uow.users.update(updated)
        uow.commit()
    return updated


def deactivate_user(
    principal: Principal, user_id: str, *, uow: UnitOfWork, hasher: PasswordHasher
) -> User:
    return update_user(principal, user_id, {"active": False}, uow=uow, hasher=hasher)


def create_api_key(
    principal: Principal,
    name: str,
    roles: frozenset[Role],
    *,
    uow: UnitOfWork,
    clock: Clock,
    ids: IdGenerator,
    secrets: SecretGenerator,
) -> tuple[ApiKey, str]:
    """Create a key; the secret is returned once and only its hash is stored."""
    require(principal, Permission.API_KEYS_MANAGE)
    secret = secrets.token(API_KEY_PREFIX)
    key = ApiKey(
        ids.new_id("key"),
        principal.organisation_id,
        name,
        secret[:12],
        token_hash(secret),
        roles,
        clock.now(),
        principal.actor_id,
    )
    with uow:
        uow.api_keys.add(key)
        uow.commit()
    return key, secret


def list_api_keys(principal: Principal, *, uow: UnitOfWork) -> Sequence[ApiKey]:
    require(principal, Permission.API_KEYS_MANAGE)
    with uow:
        return uow.api_keys.list(principal.organisation_id)


def revoke_api_key(principal: Principal, key_id: str, *, uow: UnitOfWork, clock: Clock) -> ApiKey:
    require(principal, Permission.API_KEYS_MANAGE)
    with uow:
        key = uow.api_keys.get(principal.organisation_id, key_id)
        if key is None:
            raise NotFound("api key", key_id)
        key.revoke(clock.now())
        uow.api_keys.update(key)
        uow.commit()
    return key
