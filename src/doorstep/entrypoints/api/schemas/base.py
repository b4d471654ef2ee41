"""Shared machinery of the API models: strict input, conversion to domain values, PATCH models."""

from __future__ import annotations

import types
from copy import copy
from typing import Any, ClassVar, Union, get_args, get_origin

from pydantic import BaseModel, ConfigDict, create_model, model_validator

from doorstep.domain.errors import InvalidValue


class ValueIn(BaseModel):
    """An input value object; ``to_domain`` builds the domain's frozen dataclass."""

    model_config = ConfigDict(extra="forbid")

    def to_domain(self) -> Any:
        raise NotImplementedError


class EntityIn(BaseModel):
    """The body of a create request; unknown fields are refused so typos do not pass silently."""

    model_config = ConfigDict(extra="forbid")

    def domain_fields(self) -> dict[str, Any]:
        return {name: to_domain(getattr(self, name)) for name in type(self).model_fields}


def to_domain(value: Any) -> Any:
    if isinstance(value, ValueIn):
        return value.to_domain()
    if isinstance(value, list):
        return tuple(to_domain(v) for v in value)
    if isinstance(value, set | frozenset):
        return frozenset(value)
    return value


class PatchIn(BaseModel):
    """A partial update: only the fields sent change; null only where the field may be empty."""

    model_config = ConfigDict(extra="forbid")
    nullable: ClassVar[frozenset[str]] = frozenset()

    @model_validator(mode="after")
    def _no_null_for_required(self) -> PatchIn:
        for name in self.model_fields_set:
            if getattr(self, name) is None and name not in self.nullable:
                raise InvalidValue(name, "cannot be null; leave it out to keep the current value")
        return self

    def domain_fields(self) -> dict[str, Any]:
        return {name: to_domain(getattr(self, name)) for name in self.model_fields_set}


def patch_model(
    model: type[EntityIn],
    *,
    exclude: frozenset[str] = frozenset(),
    base: type[PatchIn] = PatchIn,
    name: str | None = None,
) -> type[PatchIn]:
    """Derive the PATCH body from a create body: same fields and checks, all optional."""
    fields: dict[str, Any] = {}
    nullable: set[str] = set()
    for name, info in model.model_fields.items():
        if name in exclude:
            continue
        if _allows_none(info.annotation):
            nullable.add(name)
        optional = copy(info)  # keeps the create model's ranges, patterns and descriptions
        optional.default = None
        optional.default_factory = None
        annotation: Any = info.annotation
        fields[name] = (annotation | None, optional)
    title = name or f"{model.__name__.removesuffix('In')}Patch"
    patch = create_model(title, __base__=base, **fields)
    patch.nullable = frozenset(nullable)
    return patch


def _allows_none(annotation: Any) -> bool:
    origin = get_origin(annotation)
    return (origin is Union or origin is types.UnionType) and type(None) in get_args(annotation)
