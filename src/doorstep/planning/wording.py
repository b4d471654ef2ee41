"""How plan explanations name times, money and things: seconds and ids, or clock times and names.

The planning code writes a time of day as ``@<seconds>`` and an amount of money as
``¤<units>`` in its messages; ``Words.render`` turns them into what the reader needs. Without
an epoch (tests, benchmark instances) they read as before, ``36000 s`` and ``334919``; for a
station's day the service passes the epoch, the currency unit and the names of vehicles and
depots, and the same message reads ``10:00`` and ``3.35``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from doorstep.planning.problem import Window, local_time

_CLOCK = re.compile(r"@(-?\d+)")
_MONEY = re.compile(r"¤(-?\d+)")


def clock(t_s: int) -> str:
    """A time of day in a message, rendered later by ``Words``."""
    return f"@{t_s}"


def money(units: int) -> str:
    """An amount of cost units in a message, rendered later by ``Words``."""
    return f"¤{units}"


def spans(windows: Sequence[Window]) -> str:
    """``window @28800-@34200`` or ``windows ..., ...``: alternatives for the start of service."""
    text = ", ".join(f"{clock(w.start_s)}-{clock(w.end_s)}" for w in windows)
    return f"window{'s' if len(windows) > 1 else ''} {text}"


@dataclass(frozen=True)
class Words:
    epoch: datetime | None = None  # local midnight of the day; None keeps seconds
    units_per_currency: int | None = None  # cost units in one unit of money
    names: Mapping[str, str] = field(default_factory=dict)  # id -> what people call it

    def render(self, text: str) -> str:
        text = _CLOCK.sub(lambda m: self.time(int(m.group(1))), text)
        text = _MONEY.sub(lambda m: self.amount(int(m.group(1))), text)
        if self.names:
            # Longest ids first, so an id that starts another is never replaced inside it.
            for key in sorted(self.names, key=len, reverse=True):
                text = text.replace(key, self.names[key])
        return text

    def time(self, t_s: int) -> str:
        if self.epoch is None:
            return f"{t_s} s"
        at = local_time(self.epoch, t_s)
        days = (at.date() - self.epoch.date()).days
        return at.strftime("%H:%M") + (f" (+{days} d)" if days else "")

    def amount(self, units: int) -> str:
        if not self.units_per_currency:
            return str(units)
        return f"{units / self.units_per_currency:,.2f}"
