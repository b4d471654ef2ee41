"""Data-quality flags on an order: what is wrong, how bad it is, and how to fix it."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Severity(StrEnum):
    BLOCKING = "blocking"  # the order waits in needs_attention and is not planned
    WARNING = "warning"  # kept on the order; planning goes on


class FlagCode(StrEnum):
    NO_MATCH = "no_match"
    LOW_CONFIDENCE = "low_confidence"
    MISSING_HOUSE_NUMBER = "missing_house_number"
    UNIT_MISSING = "unit_missing"
    POSTCODE_MISMATCH = "postcode_mismatch"
    PIN_FAR_FROM_ADDRESS = "pin_far_from_address"
    OUTSIDE_SERVICE_AREA = "outside_service_area"
    UNREACHABLE = "unreachable"
    INVALID_PHONE = "invalid_phone"
    INVALID_EMAIL = "invalid_email"
    DUPLICATE = "duplicate"
    WINDOW_UNREACHABLE = "window_unreachable"
    NO_STATION = "no_station"


S = Severity
# One table, so the API, the CLI and the docs agree on what blocks planning.
SEVERITY: dict[FlagCode, Severity] = {
    FlagCode.NO_MATCH: S.BLOCKING,
    FlagCode.LOW_CONFIDENCE: S.BLOCKING,
    FlagCode.MISSING_HOUSE_NUMBER: S.BLOCKING,
    FlagCode.UNIT_MISSING: S.WARNING,
    FlagCode.POSTCODE_MISMATCH: S.WARNING,
    FlagCode.PIN_FAR_FROM_ADDRESS: S.BLOCKING,
    FlagCode.OUTSIDE_SERVICE_AREA: S.BLOCKING,
    FlagCode.UNREACHABLE: S.BLOCKING,
    FlagCode.INVALID_PHONE: S.WARNING,
    FlagCode.INVALID_EMAIL: S.WARNING,
    FlagCode.DUPLICATE: S.BLOCKING,
    FlagCode.WINDOW_UNREACHABLE: S.BLOCKING,
    FlagCode.NO_STATION: S.BLOCKING,
}


@dataclass(frozen=True)
class Flag:
    """One finding: ``field`` names what to change, ``fix`` says how."""

    code: FlagCode
    message: str
    field: str = ""
    fix: str = ""

    @property
    def severity(self) -> Severity:
        return SEVERITY[self.code]

    @property
    def blocking(self) -> bool:
        return self.severity is Severity.BLOCKING
