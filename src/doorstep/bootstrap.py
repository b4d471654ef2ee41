"""The one place that chooses concrete classes and wires them into the services' ports."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import Engine

from doorstep.adapters.passwords import Argon2Passwords
from doorstep.adapters.storage import schema
from doorstep.adapters.storage.engine import build_engine
from doorstep.adapters.storage.unit_of_work import SqlUnitOfWork
from doorstep.adapters.system import RandomIds, SystemClock, TokenSecrets
from doorstep.config import Settings
from doorstep.services.ports import Clock, IdGenerator, PasswordHasher, SecretGenerator


@dataclass(frozen=True)
class Container:
    """Everything a shell needs to call services; built once per process."""

    settings: Settings
    engine: Engine
    clock: Clock
    ids: IdGenerator
    secrets: SecretGenerator
    hasher: PasswordHasher

    def uow(self) -> SqlUnitOfWork:
        """A fresh unit of work: one per request or command, never shared between threads."""
        return SqlUnitOfWork(self.engine)

    def reader(self) -> SqlUnitOfWork:
        """A fresh unit of work that only reads (authentication, GET requests)."""
        return SqlUnitOfWork(self.engine, read_only=True)

    @property
    def session_ttl(self) -> timedelta:
        return timedelta(hours=self.settings.session_hours)

    def migrate(self) -> tuple[str | None, str]:
        return schema.upgrade(self.engine)

    def close(self) -> None:
        self.engine.dispose()


def build(settings: Settings | None = None, *, clock: Clock | None = None) -> Container:
    settings = settings or Settings()
    return Container(
        settings=settings,
        engine=build_engine(settings.resolved_database_url),
        clock=clock or SystemClock(),
        ids=RandomIds(),
        secrets=TokenSecrets(),
        hasher=Argon2Passwords(fast=settings.fast_password_hashing),
    )
