"""argon2id password hashing."""

from __future__ import annotations

from doorstep.adapters.passwords import Argon2Passwords


def test_hash_verifies_only_its_password() -> None:
    """A hash accepts its own password and refuses any other, and never holds it in clear."""
    hasher = Argon2Passwords(fast=True)
    stored = hasher.hash("correct horse battery")
    assert stored.startswith("$argon2id$")
    assert "correct horse" not in stored
    assert hasher.verify(stored, "correct horse battery")
    assert not hasher.verify(stored, "wrong horse battery")


def test_no_account_is_always_refused() -> None:
    """Verifying against no hash (an unknown e-mail) is refused, even for the dummy's password."""
    hasher = Argon2Passwords(fast=True)
    assert not hasher.verify(None, "anything at all")
    assert not hasher.verify(None, "no account has this password")


def test_malformed_hash_is_refused_not_raised() -> None:
    """A corrupted stored hash counts as a wrong password instead of crashing the login."""
    assert not Argon2Passwords(fast=True).verify("not-a-hash", "whatever")
