"""Errors raised by the domain and the services, independent of any transport."""

from __future__ import annotations


class DomainError(Exception):
    """Base of every error doorstep raises on purpose; shells map these to answers."""


class InvalidValue(DomainError):
    """A value breaks a rule; ``field`` names it and ``message`` says what would be valid."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class InvalidTransition(DomainError):
    """A status change that the transition table does not allow."""

    def __init__(self, kind: str, current: str, requested: str, allowed: frozenset[str]) -> None:
        options = ", ".join(sorted(allowed)) or "none (final status)"
        super().__init__(
            f"{kind} cannot go from '{current}' to '{requested}'; from '{current}' it can go to: "
            f"{options}"
        )
        self.current = current
        self.requested = requested
        self.allowed = allowed


class NotFound(DomainError):
    """The object does not exist for this caller (also used for other tenants' objects)."""

    def __init__(self, kind: str, object_id: str, hint: str = "") -> None:
        super().__init__(f"{kind} '{object_id}' was not found" + (f"; {hint}" if hint else ""))
        self.kind = kind
        self.object_id = object_id


class Conflict(DomainError):
    """The request clashes with the current state (a duplicate, a stale change)."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class AuthenticationFailed(DomainError):
    """The caller could not be identified: missing, wrong or expired credentials."""


class PermissionDenied(DomainError):
    """The caller is known but their roles do not allow the action."""


class PlanInvalid(DomainError):
    """The route planner returned a plan that breaks its problem's rules: a bug, never stored.

    ``violations`` lists what the independent validator found, one line each.
    """

    def __init__(self, violations: tuple[str, ...]) -> None:
        more = f" (and {len(violations) - 3} more)" if len(violations) > 3 else ""
        shown = "; ".join(violations[:3])
        super().__init__(
            f"the planner returned an invalid plan, so it was not stored: {shown}{more}"
        )
        self.violations = violations


class CarrierError(DomainError):
    """A partner carrier's API refused or failed a request; ``temporary`` says whether trying
    again later may help (5xx, timeouts, no connection) or not (4xx: the request is wrong)."""

    def __init__(
        self, carrier: str, message: str, *, temporary: bool, status: int | None = None
    ) -> None:
        super().__init__(f"carrier {carrier}: {message}")
        self.carrier = carrier
        self.message = message
        self.temporary = temporary
        self.status = status
