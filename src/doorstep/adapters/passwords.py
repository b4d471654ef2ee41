"""Password hashing with argon2id, the winner of the Password Hashing Competition."""

from __future__ import annotations

from argon2 import PasswordHasher as Argon2
from argon2.exceptions import InvalidHashError, VerificationError


class Argon2Passwords:
    def __init__(self, *, fast: bool = False) -> None:
        # The fast profile is for tests only: the default costs ~50 ms and 64 MiB per hash.
        self._argon = Argon2(time_cost=1, memory_cost=8, parallelism=1) if fast else Argon2()
        # Hashed once: checking an unknown account against it costs what a real check costs.
        self._dummy = self._argon.hash("no account has this password")

    def hash(self, password: str) -> str:
        return self._argon.hash(password)

    def verify(self, password_hash: str | None, password: str) -> bool:
        try:
            if password_hash is None:
                self._argon.verify(self._dummy, password)
                return False
            return self._argon.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            return False
