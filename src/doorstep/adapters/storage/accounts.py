"""Repositories for organisations, users, API keys and sessions."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Row, select

from doorstep.adapters.storage import tables as t
from doorstep.adapters.storage.rows import TableRows
from doorstep.domain.accounts import ApiKey, Organisation, Role, Session, User


def _roles(value: Any) -> frozenset[Role]:
    return frozenset(Role(r) for r in value)


class SqlOrganisations(TableRows):
    table = t.organisations

    def add(self, organisation: Organisation) -> None:
        self._insert(self._values(organisation))

    def update(self, organisation: Organisation) -> None:
        self._update(self._values(organisation))

    def get(self, organisation_id: str) -> Organisation | None:
        row = self._first(select(self.table).where(self.table.c.id == organisation_id))
        return self._entity(row) if row else None

    def get_by_slug(self, slug: str) -> Organisation | None:
        row = self._first(select(self.table).where(self.table.c.slug == slug))
        return self._entity(row) if row else None

    def list(self) -> Sequence[Organisation]:
        return [self._entity(r) for r in self._all(select(self.table).order_by(self.table.c.slug))]

    @staticmethod
    def _values(o: Organisation) -> dict[str, Any]:
        return {
            "id": o.id,
            "name": o.name,
            "slug": o.slug,
            "currency": o.currency,
            "max_delivery_attempts": o.max_delivery_attempts,
            "created_at": o.created_at,
        }

    @staticmethod
    def _entity(row: Row[Any]) -> Organisation:
        return Organisation(**row._asdict())


class SqlUsers(TableRows):
    table = t.users

    def add(self, user: User) -> None:
        self._insert(self._values(user))

    def update(self, user: User) -> None:
        self._update(self._values(user))

    def get(self, organisation_id: str, user_id: str) -> User | None:
        c = self.table.c
        row = self._first(
            select(self.table).where(c.organisation_id == organisation_id, c.id == user_id)
        )
        return self._entity(row) if row else None

    def get_by_email(self, email: str) -> User | None:
        row = self._first(select(self.table).where(self.table.c.email == email.strip().lower()))
        return self._entity(row) if row else None

    def list(self, organisation_id: str) -> Sequence[User]:
        c = self.table.c
        rows = self._all(
            select(self.table).where(c.organisation_id == organisation_id).order_by(c.email)
        )
        return [self._entity(r) for r in rows]

    @staticmethod
    def _values(u: User) -> dict[str, Any]:
        values = dict(vars(u))
        values["roles"] = sorted(r.value for r in u.roles)
        return values

    @staticmethod
    def _entity(row: Row[Any]) -> User:
        values = row._asdict()
        values["roles"] = _roles(values["roles"])
        return User(**values)


class SqlApiKeys(TableRows):
    table = t.api_keys

    def add(self, key: ApiKey) -> None:
        self._insert(self._values(key))

    def update(self, key: ApiKey) -> None:
        self._update(self._values(key))

    def get(self, organisation_id: str, key_id: str) -> ApiKey | None:
        c = self.table.c
        row = self._first(
            select(self.table).where(c.organisation_id == organisation_id, c.id == key_id)
        )
        return self._entity(row) if row else None

    def get_by_hash(self, secret_hash: str) -> ApiKey | None:
        row = self._first(select(self.table).where(self.table.c.secret_hash == secret_hash))
        return self._entity(row) if row else None

    def list(self, organisation_id: str) -> Sequence[ApiKey]:
        c = self.table.c
        rows = self._all(
            select(self.table)
            .where(c.organisation_id == organisation_id)
            .order_by(c.created_at, c.id)
        )
        return [self._entity(r) for r in rows]

    @staticmethod
    def _values(k: ApiKey) -> dict[str, Any]:
        values = dict(vars(k))
        values["roles"] = sorted(r.value for r in k.roles)
        return values

    @staticmethod
    def _entity(row: Row[Any]) -> ApiKey:
        values = row._asdict()
        values["roles"] = _roles(values["roles"])
        return ApiKey(**values)


class SqlSessions(TableRows):
    table = t.sessions

    def add(self, session: Session) -> None:
        self._insert(vars(session))

    def update(self, session: Session) -> None:
        self._update(vars(session))

    def get(self, session_id: str) -> Session | None:
        row = self._first(select(self.table).where(self.table.c.id == session_id))
        return Session(**row._asdict()) if row else None

    def get_by_hash(self, token_hash: str) -> Session | None:
        row = self._first(select(self.table).where(self.table.c.token_hash == token_hash))
        return Session(**row._asdict()) if row else None
