"""Bodies for logins, organisations, users and API keys."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from pydantic import BaseModel, Field

from doorstep.domain.accounts import ApiKey, Organisation, Role, User
from doorstep.entrypoints.api.schemas.base import EntityIn, PatchIn, patch_model


class LoginIn(EntityIn):
    email: str = Field(max_length=254)
    password: str = Field(max_length=1024)


class TokenOut(BaseModel):
    access_token: str
    token_type: str = "bearer"  # noqa: S105 - the scheme name, not a secret
    expires_at: datetime


class OrganisationOut(BaseModel):
    id: str
    name: str
    slug: str
    currency: str
    max_delivery_attempts: int
    created_at: datetime

    @classmethod
    def of(cls, o: Organisation) -> OrganisationOut:
        return cls(
            id=o.id,
            name=o.name,
            slug=o.slug,
            currency=o.currency,
            max_delivery_attempts=o.max_delivery_attempts,
            created_at=o.created_at,
        )


class OrganisationIn(EntityIn):
    name: str = Field(min_length=1, max_length=200)
    currency: str = Field(pattern=r"^[A-Z]{3}$", description="ISO 4217, e.g. EUR")
    max_delivery_attempts: int = Field(
        3, ge=1, le=10, description="attempts in all before a parcel goes back to the sender"
    )


# mypy sees the base class; FastAPI gets the generated model with every field optional.
if TYPE_CHECKING:
    OrganisationPatch = PatchIn
else:
    OrganisationPatch = patch_model(OrganisationIn)


class UserIn(EntityIn):
    email: str = Field(max_length=254)
    name: str = Field(min_length=1, max_length=200)
    roles: frozenset[Role] = Field(min_length=1)
    password: str = Field(min_length=10, max_length=1024)


class UserChange(EntityIn):
    name: str = Field(min_length=1, max_length=200)
    roles: frozenset[Role] = Field(min_length=1)
    active: bool
    password: str = Field(min_length=10, max_length=1024)


if TYPE_CHECKING:
    UserPatch = PatchIn
else:
    UserPatch = patch_model(UserChange)


class UserOut(BaseModel):
    id: str
    email: str
    name: str
    roles: list[Role]
    active: bool
    created_at: datetime

    @classmethod
    def of(cls, u: User) -> UserOut:
        return cls(
            id=u.id,
            email=u.email,
            name=u.name,
            roles=sorted(u.roles),
            active=u.active,
            created_at=u.created_at,
        )


class ApiKeyIn(EntityIn):
    name: str = Field(min_length=1, max_length=100)
    roles: frozenset[Role] = Field(min_length=1)


class ApiKeyOut(BaseModel):
    id: str
    name: str
    prefix: str = Field(description="the first characters of the key, to recognise it")
    roles: list[Role]
    created_at: datetime
    revoked_at: datetime | None

    @classmethod
    def of(cls, k: ApiKey) -> ApiKeyOut:
        return cls(
            id=k.id,
            name=k.name,
            prefix=k.prefix,
            roles=sorted(k.roles),
            created_at=k.created_at,
            revoked_at=k.revoked_at,
        )


class NewApiKeyOut(ApiKeyOut):
    secret: str = Field(description="shown only in this answer; store it now")
