"""Organisations, users, API keys and sessions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from doorstep.domain.accounts import ApiKey, Organisation, Role, Session, User, check_email
from doorstep.domain.errors import InvalidValue

T0 = datetime(2026, 11, 21, 8, 0, tzinfo=UTC)


def user(**changes: Any) -> User:
    fields: dict[str, Any] = {
        "id": "usr_1",
        "organisation_id": "org_1",
        "email": "ann@example.com",
        "name": "Ann",
        "roles": frozenset({Role.ADMIN}),
        "password_hash": "h",
        "created_at": T0,
    }
    return User(**(fields | changes))


@pytest.mark.parametrize(
    "email", ["", "ann", "ann@example", "ann@@example.com", "a n@example.com", "x" * 250 + "@a.fi"]
)
def test_bad_emails_are_refused(email: str) -> None:
    """A user's e-mail must look like name@domain.tld and fit 254 characters."""
    with pytest.raises(InvalidValue) as raised:
        user(email=email)
    assert raised.value.field == "email"


def test_emails_are_normalised_to_lower_case() -> None:
    """Logins and uniqueness use the trimmed lower-case address."""
    assert user(email="  Ann@Example.COM ").email == "ann@example.com"
    assert check_email("admin_email", "B@Example.org") == "b@example.org"


def test_empty_roles_are_refused() -> None:
    """A user or API key with no role could do nothing; it is refused naming roles."""
    with pytest.raises(InvalidValue) as raised:
        user(roles=frozenset())
    assert raised.value.field == "roles"
    with pytest.raises(InvalidValue) as raised:
        ApiKey("key_1", "org_1", "erp", "dsk_", "h", frozenset(), T0, "usr_1")
    assert raised.value.field == "roles"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"slug": "City Couriers"}, "slug"),
        ({"slug": "-city"}, "slug"),
        ({"currency": "eur"}, "currency"),
        ({"name": " "}, "name"),
        ({"created_at": datetime(2026, 1, 1)}, "created_at"),
    ],
)
def test_bad_organisation_values_name_their_field(changes: dict[str, Any], field: str) -> None:
    """Slugs are lower-case, currencies ISO 4217, names present and times aware."""
    fields: dict[str, Any] = {"id": "org_1", "name": "City", "slug": "city", "created_at": T0}
    with pytest.raises(InvalidValue) as raised:
        Organisation(**(fields | changes))
    assert raised.value.field == field


def test_session_is_valid_until_expiry_or_logout() -> None:
    """A session works strictly before expires_at and never after it is revoked."""
    session = Session("ses_1", "usr_1", "org_1", "h", T0, T0 + timedelta(hours=1))
    assert session.valid_at(T0 + timedelta(minutes=59))
    assert not session.valid_at(T0 + timedelta(hours=1))
    session.revoked_at = T0
    assert not session.valid_at(T0 + timedelta(minutes=1))


def test_revoking_a_key_keeps_the_first_time() -> None:
    """Revoking twice keeps the original revocation instant."""
    key = ApiKey("key_1", "org_1", "erp", "dsk_", "h", frozenset({Role.VIEWER}), T0, "usr_1")
    assert key.active
    key.revoke(T0 + timedelta(hours=1))
    key.revoke(T0 + timedelta(hours=2))
    assert (key.active, key.revoked_at) == (False, T0 + timedelta(hours=1))
