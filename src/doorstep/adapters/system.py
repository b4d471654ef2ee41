"""The real clock and sources of ids and secrets, for everything but simulations and tests."""

from __future__ import annotations

import secrets
import uuid
from datetime import UTC, datetime


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class RandomIds:
    def new_id(self, prefix: str) -> str:
        return f"{prefix}_{uuid.uuid4().hex}"


class TokenSecrets:
    def token(self, prefix: str) -> str:
        return f"{prefix}_{secrets.token_urlsafe(32)}"
