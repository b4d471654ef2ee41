"""A ping checks its values and names the field at fault; trails thin by time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from doorstep.domain.errors import InvalidValue
from doorstep.domain.positions import Ping, PositionSettings, thinned

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def make(**changes: Any) -> Ping:
    fields: dict[str, Any] = {
        "device_id": "phone-1",
        "vehicle_id": "veh_1",
        "device_time": T0,
        "lat": 60.17,
        "lon": 24.94,
        "accuracy_m": 5.0,
        "speed_mps": 8.0,
        "heading_deg": 90.0,
    }
    return Ping(**(fields | changes))


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("device_id", ""),
        ("device_id", "has space"),
        ("vehicle_id", ""),
        ("device_time", datetime(2026, 11, 23, 9, 0)),
        ("lat", 91.0),
        ("lon", float("nan")),
        ("accuracy_m", -1.0),
        ("speed_mps", 250.0),
        ("heading_deg", 361.0),
    ],
)
def test_an_invalid_value_names_its_field(field: str, value: Any) -> None:
    """Each rule's breach raises InvalidValue for exactly that field."""
    with pytest.raises(InvalidValue) as error:
        make(**{field: value})
    assert error.value.field == field


def test_heading_may_be_unknown() -> None:
    """A fix without a heading (standing still) is valid."""
    assert make(heading_deg=None).heading_deg is None


def test_thinning_keeps_one_ping_per_interval_and_the_last() -> None:
    """Pings every 10 s thinned to 60 s keep the 0, 60, 120 ... ones and the very last."""
    pings = [make(device_time=T0 + timedelta(seconds=10 * i)) for i in range(20)]
    kept = thinned(pings, 60)
    seconds = [(p.device_time - T0).total_seconds() for p in kept]
    assert seconds == [0, 60, 120, 180, 190]
    assert thinned(pings, 0) == pings


def test_settings_are_checked() -> None:
    """Retention must be at least a day."""
    with pytest.raises(InvalidValue) as error:
        PositionSettings(retention_days=0)
    assert error.value.field == "retention_days"


def test_an_unknown_speed_is_kept_as_unknown() -> None:
    """iOS sends -1 for a speed it does not know: the ping is kept, its speed None."""
    ping = Ping("phone-1", "veh_1", datetime(2026, 11, 23, 9, tzinfo=UTC), 60.17, 24.94, 8.0, -1.0)
    assert ping.speed_mps is None
