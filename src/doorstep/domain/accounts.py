"""Tenants and the people and systems acting for them: organisations, users, API keys, sessions."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from doorstep.domain.checks import aware, text
from doorstep.domain.errors import InvalidValue

_SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class Role(StrEnum):
    ADMIN = "admin"
    PLANNER = "planner"
    DISPATCHER = "dispatcher"
    STATION_ASSOCIATE = "station_associate"
    DRIVER = "driver"
    VIEWER = "viewer"


def check_email(field_name: str, email: str) -> str:
    """Return the address in lower case, the form used for logins and uniqueness."""
    normalised = email.strip().lower()
    if not _EMAIL.match(normalised) or len(normalised) > 254:
        raise InvalidValue(
            field_name, f"must be an e-mail address like name@example.com, got {email!r}"
        )
    return normalised


def check_roles(roles: frozenset[Role]) -> None:
    if not roles:
        raise InvalidValue("roles", f"needs at least one of: {', '.join(r.value for r in Role)}")


@dataclass
class Organisation:
    """The tenant: every other object belongs to exactly one organisation."""

    id: str
    name: str
    slug: str
    created_at: datetime
    currency: str = "EUR"
    # Failed deliveries are re-attempted on the next delivery day up to this many attempts in
    # all, then the parcel goes back to the sender.
    max_delivery_attempts: int = 3

    def __post_init__(self) -> None:
        text("name", self.name)
        if not 1 <= self.max_delivery_attempts <= 10:
            raise InvalidValue(
                "max_delivery_attempts",
                f"must be between 1 and 10 attempts, got {self.max_delivery_attempts}",
            )
        if not _SLUG.match(self.slug):
            raise InvalidValue(
                "slug", "must be lower-case letters, digits and dashes, e.g. city-couriers"
            )
        if not re.fullmatch(r"[A-Z]{3}", self.currency):
            raise InvalidValue(
                "currency", f"must be an ISO 4217 code like EUR, got {self.currency!r}"
            )
        aware("created_at", self.created_at)


@dataclass
class User:
    """A person who logs in; ``roles`` decide what they may do within their organisation."""

    id: str
    organisation_id: str
    email: str
    name: str
    roles: frozenset[Role]
    password_hash: str
    created_at: datetime
    active: bool = True

    def __post_init__(self) -> None:
        self.email = check_email("email", self.email)
        text("name", self.name)
        check_roles(self.roles)


@dataclass
class ApiKey:
    """A credential for an integration; only a hash of the secret is kept."""

    id: str
    organisation_id: str
    name: str
    prefix: str
    secret_hash: str
    roles: frozenset[Role]
    created_at: datetime
    created_by: str
    revoked_at: datetime | None = None

    def __post_init__(self) -> None:
        text("name", self.name, max_length=100)
        check_roles(self.roles)

    @property
    def active(self) -> bool:
        return self.revoked_at is None

    def revoke(self, at: datetime) -> None:
        if self.revoked_at is None:
            self.revoked_at = at


@dataclass
class Session:
    """A login: a bearer token (stored hashed) valid until ``expires_at`` or logout."""

    id: str
    user_id: str
    organisation_id: str
    token_hash: str
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None = field(default=None)

    def valid_at(self, instant: datetime) -> bool:
        return self.revoked_at is None and instant < self.expires_at
