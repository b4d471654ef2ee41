"""A scenario: the seeded recipe of a station's day for the digital twin, read from YAML.

A scenario says where the station stands and how far it delivers, how many orders come and
what they look like (windows, parcels, service times, pickups, priorities), which vehicles
and drivers work (groups of vans or cargo bikes with their capacity, shift and costs; one
driver per vehicle, on the group's shift), the cut-off after which a shipper's order waits
for the next day, the orders that arrive during the day, and how the day goes (overrides of
``world.World``). Every part is optional: what is left out is today's ``station_day`` mix,
so ``Scenario()`` draws exactly the day ``synthetic_station_day`` draws without one.

    name: Helsinki micro-hub
    station:
      name: Kamppi micro-hub
      code: HKI1
      centre: [60.1690, 24.9380]   # left out: the centre of the region's addresses
      radius_km: 1.2               # orders only at addresses this close to the centre
      density_km: 0.5              # denser near the centre (see below)
      opening: "06:30-19:30"
    orders:
      count: 500
      seed: 1
      windows: {one_window: 0.20, two_windows: 0.05, hours: 2}   # the rest: any time
      parcels: {1: 0.82, 2: 0.12, 3: 0.04, 4: 0.02}               # parcels per order
      service_s: [60, 120]
      pickup_share: 0.03
      priority: {urgent: 0.01, high: 0.05, low: 0.10}             # the rest: normal
    fleet:
      - type: van                  # van or cargo_bike
        count: 4
        capacity: {weight_kg: 900, volume_l: 3500, parcels: 180}
        shift: "08:00-18:00"
        costs: {per_km: 0.45, per_hour: 30, per_day: 40}
        skills: [lift_gate]
    cutoff: "12:00"
    late_orders: {count: 30, between: "08:00-14:00"}
    world: {breakdown_share: 0.02}

An address at distance d from the centre is drawn with weight exp(-d / density_km), so the
density falls by e every ``density_km``; without ``density_km`` every address within the
radius is as likely. Times are local, written in quotes: unquoted, YAML 1.1 reads 12:00 as
the number 720. Every error names the field's path and what would be valid
(``fleet[1].count: must be a whole number >= 0, got "two"``); unknown keys are errors, so a
typo is never silently ignored.

``vary(scenario, "vehicles=+2")`` applies one ``--vary KEY=VALUE`` of ``doorstep whatif``;
``VARY_KEYS`` lists the keys.
"""

from __future__ import annotations

import dataclasses
import json
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import time
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from doorstep.domain.errors import InvalidValue
from doorstep.domain.fleet import Capacity, VehicleCosts, VehicleType, check_skills
from doorstep.domain.geo import Location
from doorstep.domain.orders import Priority
from doorstep.domain.schedules import DailyWindow
from doorstep.simulation import station_day
from doorstep.simulation.world import World

DEFAULT_FILE = "helsinki-microhub.yaml"


@dataclass(frozen=True)
class StationSpec:
    name: str = "Synthetic station"
    code: str = "SYN1"
    centre: Location | None = None  # None: the centre of the region's addresses
    radius_km: float | None = None  # None: the whole region
    density_km: float | None = None  # None: as likely anywhere within the radius
    opening: DailyWindow = station_day.OPENING


@dataclass(frozen=True)
class WindowMix:
    """Shares of orders with one window, or two alternatives (a morning and an afternoon
    one); the rest may be served any time. Windows are ``hours`` long."""

    one_window: float = station_day.SHARE_ONE_WINDOW
    two_windows: float = station_day.SHARE_TWO_WINDOWS
    hours: int = 2


@dataclass(frozen=True)
class OrderSpec:
    count: int = 500
    seed: int = 1
    windows: WindowMix = WindowMix()
    parcels: tuple[tuple[int, float], ...] = station_day.PARCELS  # (parcels, share)
    service_s: tuple[int, int] = (60, 120)  # drawn uniformly, both ends included
    pickup_share: float = station_day.SHARE_PICKUP
    priorities: tuple[tuple[Priority, float], ...] = station_day.PRIORITIES  # rest: normal


@dataclass(frozen=True)
class VehicleGroup:
    type: VehicleType
    count: int
    capacity: Capacity
    shift: DailyWindow
    costs: VehicleCosts
    skills: frozenset[str] = frozenset()


@dataclass(frozen=True)
class LateOrders:
    """Orders shippers send during the day, at seeded moments between ``start`` and ``end``."""

    count: int = 0
    start: time = time(8)
    end: time = time(14)


@dataclass(frozen=True)
class Scenario:
    name: str = "default"
    station: StationSpec = StationSpec()
    orders: OrderSpec = OrderSpec()
    # None: today's fleet, one vehicle per 100 orders (``station_day``'s mix of vans).
    fleet: tuple[VehicleGroup, ...] | None = None
    cutoff: time | None = None  # None: every order of the day is served that day
    late_orders: LateOrders = LateOrders()
    world: tuple[tuple[str, Any], ...] = ()  # (World field, value), checked on load

    def day_world(self) -> World:
        """``world.World`` with the scenario's overrides."""
        return dataclasses.replace(World(), **dict(self.world))


# -- loading ------------------------------------------------------------------------------


def load(path: Path) -> Scenario:
    """Read a scenario file; a file that cannot be read or parsed is an ``InvalidValue``."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise InvalidValue("scenario", f"cannot read {path}: {error.strerror}") from None
    return loads(text, source=str(path))


def default() -> Scenario:
    """The shipped scenario: a dense-centre micro-hub in the bundled Helsinki extract."""
    text = resources.files("doorstep.simulation").joinpath("scenarios", DEFAULT_FILE)
    return loads(text.read_text(encoding="utf-8"), source=DEFAULT_FILE)


def loads(text: str, *, source: str = "scenario") -> Scenario:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        where = getattr(error, "problem_mark", None)
        at = f" at line {where.line + 1}" if where is not None else ""
        raise InvalidValue("scenario", f"{source} is not valid YAML{at}") from None
    return from_mapping({} if data is None else data)


def from_mapping(data: object) -> Scenario:
    """The scenario a parsed YAML document describes, checked field by field."""
    keys = ("name", "station", "orders", "fleet", "cutoff", "late_orders", "world")
    top = _mapping(data, "", keys)
    base = Scenario()
    return Scenario(
        name=_get(top, "", "name", _text, base.name),
        station=_station(top.get("station") or {}, "station"),
        orders=_orders(top.get("orders") or {}, "orders"),
        fleet=_get(top, "", "fleet", _fleet, None),
        cutoff=_get(top, "", "cutoff", _time, None),
        late_orders=_late(top.get("late_orders") or {}, "late_orders"),
        world=_world(top.get("world") or {}, "world"),
    )


def _get(
    spec: Mapping[str, Any], path: str, key: str, check: Callable[[Any, str], Any], default: Any
) -> Any:
    """``spec[key]`` checked, or ``default`` when left out (or left empty)."""
    value = spec.get(key)
    return default if value is None else check(value, _join(path, key))


def _positive(value: object, path: str) -> float:
    return _number(value, path, above=0)


def _count(minimum: int) -> Callable[[object, str], int]:
    return lambda value, path: _whole(value, path, minimum=minimum)


def _station(data: object, path: str) -> StationSpec:
    spec = _mapping(data, path, ("name", "code", "centre", "radius_km", "density_km", "opening"))
    base = StationSpec()
    return StationSpec(
        name=_get(spec, path, "name", _text, base.name),
        code=_get(spec, path, "code", _text, base.code),
        centre=_get(spec, path, "centre", _location, None),
        radius_km=_get(spec, path, "radius_km", _positive, None),
        density_km=_get(spec, path, "density_km", _positive, None),
        opening=_get(spec, path, "opening", _span, base.opening),
    )


def _orders(data: object, path: str) -> OrderSpec:
    keys = ("count", "seed", "windows", "parcels", "service_s", "pickup_share", "priority")
    spec = _mapping(data, path, keys)
    base = OrderSpec()
    return OrderSpec(
        count=_get(spec, path, "count", _whole, base.count),
        seed=_get(spec, path, "seed", _whole, base.seed),
        windows=_windows(spec.get("windows") or {}, _join(path, "windows")),
        parcels=_get(spec, path, "parcels", _parcels, base.parcels),
        service_s=_get(spec, path, "service_s", _service, base.service_s),
        pickup_share=_get(spec, path, "pickup_share", _share, base.pickup_share),
        priorities=_get(spec, path, "priority", _priorities, base.priorities),
    )


def _windows(data: object, path: str) -> WindowMix:
    spec = _mapping(data, path, ("one_window", "two_windows", "hours"))
    base = WindowMix()
    one = _get(spec, path, "one_window", _share, base.one_window)
    two = _get(spec, path, "two_windows", _share, base.two_windows)
    if one + two > 1 + 1e-9:
        raise InvalidValue(path, f"one_window + two_windows must be at most 1, got {one + two:g}")
    hours = _get(spec, path, "hours", _count(1), base.hours)
    # Two alternatives are a morning window within 08:00-12:00 and an afternoon one within
    # 13:00-18:00 (as station_day draws them), so a window is at most four hours long.
    if hours > 4:
        raise InvalidValue(f"{path}.hours", f"must be 1 to 4 hours, got {hours}")
    return WindowMix(one, two, hours)


def _parcels(data: object, path: str) -> tuple[tuple[int, float], ...]:
    if not isinstance(data, dict) or not data:
        example = "{1: 0.8, 2: 0.2}"
        raise InvalidValue(
            path, f"must map parcels per order to shares, e.g. {example}, got {_show(data)}"
        )
    mix = []
    for key, value in data.items():
        count = _whole(key, f"{path}.{key}", minimum=1, what="parcels per order (a key)")
        mix.append((count, _share(value, f"{path}.{key}")))
    total = sum(share for _, share in mix)
    if abs(total - 1) > 1e-6:
        raise InvalidValue(path, f"the shares must add up to 1, got {total:g}")
    return tuple(sorted(mix))


def _service(data: object, path: str) -> tuple[int, int]:
    pair = _pair(data, path, "[60, 120]")
    low, high = (_whole(v, f"{path}[{i}]", minimum=1) for i, v in enumerate(pair))
    if high < low:
        raise InvalidValue(path, f"the second (longest) must be at least the first, got {data}")
    return low, high


def _priorities(data: object, path: str) -> tuple[tuple[Priority, float], ...]:
    # Most pressing first, the order station_day draws them in; the rest is normal.
    names = (Priority.URGENT.value, Priority.HIGH.value, Priority.LOW.value)
    spec = _mapping(data, path, names)
    mix = tuple((Priority(n), _share(spec[n], f"{path}.{n}")) for n in names if n in spec)
    total = sum(share for _, share in mix)
    if total > 1 + 1e-9:
        raise InvalidValue(
            path, f"the shares must add up to at most 1 (the rest is normal), got {total:g}"
        )
    return mix


VEHICLE_TYPES = (VehicleType.VAN, VehicleType.CARGO_BIKE)


def _fleet(data: object, path: str) -> tuple[VehicleGroup, ...]:
    if not isinstance(data, list):
        raise InvalidValue(path, f"must be a list of vehicle groups, got {_show(data)}")
    return tuple(_group(item, f"{path}[{i}]") for i, item in enumerate(data))


def _group(data: object, path: str) -> VehicleGroup:
    spec = _mapping(data, path, ("type", "count", "capacity", "shift", "costs", "skills"))
    _required(spec, path, ("type", "count", "capacity", "shift"))
    kinds = [v.value for v in VEHICLE_TYPES]
    if spec["type"] not in kinds:
        raise InvalidValue(
            f"{path}.type", f"must be one of {', '.join(kinds)}, got {_show(spec['type'])}"
        )
    where = f"{path}.capacity"
    cap = _mapping(spec["capacity"], where, ("weight_kg", "volume_l", "parcels"))
    _required(cap, where, ("weight_kg", "volume_l", "parcels"))
    capacity = Capacity(
        _positive(cap["weight_kg"], f"{where}.weight_kg"),
        _positive(cap["volume_l"], f"{where}.volume_l"),
        _whole(cap["parcels"], f"{where}.parcels", minimum=1),
    )
    where = f"{path}.costs"
    money = _mapping(spec.get("costs") or {}, where, ("per_km", "per_hour", "per_day"))
    costs = VehicleCosts(
        per_km=_get(money, where, "per_km", _number, 0.0),
        per_hour=_get(money, where, "per_hour", _number, 0.0),
        fixed_per_use=_get(money, where, "per_day", _number, 0.0),
    )
    skills = spec.get("skills") or []
    if not isinstance(skills, list) or not all(isinstance(s, str) for s in skills):
        raise InvalidValue(
            f"{path}.skills", f"must be a list of names, e.g. [lift_gate], got {_show(skills)}"
        )
    check_skills(f"{path}.skills", frozenset(skills))
    return VehicleGroup(
        type=VehicleType(spec["type"]),
        count=_whole(spec["count"], f"{path}.count"),
        capacity=capacity,
        shift=_span(spec["shift"], f"{path}.shift"),
        costs=costs,
        skills=frozenset(skills),
    )


def _required(spec: Mapping[str, Any], path: str, keys: Sequence[str]) -> None:
    for key in keys:
        if spec.get(key) is None:
            raise InvalidValue(f"{path}.{key}", "is required")


def _late(data: object, path: str) -> LateOrders:
    spec = _mapping(data, path, ("count", "between"))
    base = LateOrders()
    count = _get(spec, path, "count", _whole, base.count)
    hours = _get(spec, path, "between", _span, DailyWindow(base.start, base.end))
    if hours.end <= hours.start:
        raise InvalidValue(
            f"{path}.between", "must end after it starts, on the same day, e.g. 08:00-14:00"
        )
    return LateOrders(count, hours.start, hours.end)


# World fields that are magnitudes rather than shares of events: spreads and values with a
# unit in their name. Every other float of World is a share, between 0 and 1.
_MAGNITUDE = re.compile(r"(_spread|_s|_m|_km|_min)$")


def _world(data: object, path: str) -> tuple[tuple[str, Any], ...]:
    known = {f.name: f for f in dataclasses.fields(World)}
    spec = _mapping(data, path, tuple(known))
    base = World()
    found = []
    for name in known:
        if name in spec:
            found.append((name, world_value(name, spec[name], f"{path}.{name}", base)))
    return tuple(found)


def world_value(name: str, value: object, path: str, base: World | None = None) -> Any:
    """``value`` checked against the type of World's ``name`` (its default's)."""
    current = getattr(base or World(), name)
    if isinstance(current, tuple) and current and isinstance(current[0], tuple):
        # A table of factors by kind, e.g. service_by_kind: {pickup: 1.25, signature: 1.15}.
        known = ", ".join(str(k) for k, _ in current)
        table = _mapping(value, path, [str(k) for k, _ in current])
        if not table:
            raise InvalidValue(path, f"give a factor for one or more of: {known}")
        given = {k: _number(v, _join(path, k), above=0) for k, v in table.items()}
        return tuple(sorted((dict(current) | given).items()))
    if isinstance(current, tuple):
        pair = _pair(value, path, f"[{', '.join(str(v) for v in current)}]")
        low, high = (_whole(v, f"{path}[{i}]") for i, v in enumerate(pair))
        if high < low:
            raise InvalidValue(path, f"the second must be at least the first, got {value}")
        return (low, high)
    if isinstance(current, bool):  # never today, but a flag must not read as a number
        if not isinstance(value, bool):
            raise InvalidValue(path, f"must be true or false, got {_show(value)}")
        return value
    if isinstance(current, int):
        return _whole(value, path)
    if _MAGNITUDE.search(name):
        return _number(value, path)
    return _share(value, path)


# -- checks at the edge --------------------------------------------------------------------


def _show(value: object) -> str:
    """A value as the person wrote it: strings in double quotes, as in the YAML."""
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if value is None:
        return "nothing"
    return str(value)


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _mapping(value: object, path: str, keys: Sequence[str]) -> dict[str, Any]:
    where = path or "scenario"
    if not isinstance(value, dict):
        raise InvalidValue(
            where, f"must be a mapping with keys {', '.join(keys)}, got {_show(value)}"
        )
    for key in value:
        if key not in keys:
            raise InvalidValue(
                _join(path, str(key)), f"unknown key; {where} takes: {', '.join(keys)}"
            )
    return value


def _text(value: object, path: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidValue(path, f"must be a non-empty text, got {_show(value)}")
    return value.strip()


def _whole(value: object, path: str, *, minimum: int = 0, what: str = "a whole number") -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise InvalidValue(path, f"must be {what} >= {minimum}, got {_show(value)}")
    return value


def _number(value: object, path: str, *, above: float | None = None) -> float:
    """A finite number >= 0 (> ``above`` when given)."""
    bound = f"> {above:g}" if above is not None else ">= 0"
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise InvalidValue(path, f"must be a number {bound}, got {_show(value)}")
    if value < 0 or (above is not None and value <= above):
        raise InvalidValue(path, f"must be a number {bound}, got {_show(value)}")
    return float(value)


def _share(value: object, path: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
        raise InvalidValue(
            path, f"must be a share between 0 and 1 (0.05 for 5 %), got {_show(value)}"
        )
    return float(value)


def _pair(value: object, path: str, example: str) -> Sequence[object]:
    if not isinstance(value, list) or len(value) != 2:
        raise InvalidValue(path, f"must be a list of two, e.g. {example}, got {_show(value)}")
    return value


_CLOCK = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


def _time(value: object, path: str) -> time:
    if isinstance(value, int) and not isinstance(value, bool):
        raise InvalidValue(
            path,
            f'must be a time "HH:MM" in quotes: unquoted, YAML reads a time like 12:00 as '
            f"the number {value}",
        )
    found = _CLOCK.match(value.strip()) if isinstance(value, str) else None
    if found is None:
        raise InvalidValue(path, f'must be a time "HH:MM", e.g. "12:00", got {_show(value)}')
    return time(int(found.group(1)), int(found.group(2)))


def _span(value: object, path: str) -> DailyWindow:
    parts = value.split("-") if isinstance(value, str) else []
    if len(parts) != 2:
        raise InvalidValue(path, f'must be "HH:MM-HH:MM", e.g. "08:00-18:00", got {_show(value)}')
    start, end = (_time(p, path) for p in parts)
    if start == end:
        raise InvalidValue(path, f"must end at another time than it starts, got {_show(value)}")
    return DailyWindow(start, end)


def _location(value: object, path: str) -> Location:
    pair = _pair(value, path, "[60.169, 24.938] (lat, lon)")
    for i, v in enumerate(pair):
        if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
            raise InvalidValue(f"{path}[{i}]", f"must be a number of degrees, got {_show(v)}")
    lat, lon = (float(v) for v in pair)  # type: ignore[arg-type]  # checked just above
    if not -90 <= lat <= 90 or not -180 <= lon <= 180:
        raise InvalidValue(path, f"must be [lat, lon] in degrees, got {_show(value)}")
    return Location(lat, lon)


# -- variations ----------------------------------------------------------------------------

VARY_KEYS: Mapping[str, str] = {
    "orders": "N, +N, -N or xF: the day's order count, set, changed or scaled (x1.5)",
    "vehicles": "+N or -N: vans added to (taken from) the first van group",
    "bikes": "+N or -N: cargo bikes added to the first cargo-bike group (a new group of "
    "100 kg, 400 l, 30-parcel bikes on the first group's shift, if there is none)",
    "cutoff": "HH:MM: the cut-off for the day's orders",
    "shift_start": "HH:MM: every group's shift starts then, as long as before",
    "late_orders": "N: how many orders arrive during the day",
    "world.<field>": "a value for a field of the twin's World, e.g. world.breakdown_share=0.05",
}
STANDARD_BIKE = (
    Capacity(100, 400, 30),
    VehicleCosts(per_km=0.05, per_hour=25.0, fixed_per_use=10.0),
)


def vary(scenario: Scenario, text: str) -> Scenario:
    """``scenario`` with one ``KEY=VALUE`` change (see ``VARY_KEYS``)."""
    key, sep, value = text.partition("=")
    key, value = key.strip(), value.strip()
    accepted = ", ".join(VARY_KEYS)
    if not sep or not value:
        raise InvalidValue("--vary", f"must be KEY=VALUE with KEY one of {accepted}; got {text!r}")
    where = f"--vary {key}"
    if key == "orders":
        count = _orders_count(scenario.orders.count, value, where)
        return dataclasses.replace(
            scenario, orders=dataclasses.replace(scenario.orders, count=count)
        )
    if key in ("vehicles", "bikes"):
        kind = VehicleType.VAN if key == "vehicles" else VehicleType.CARGO_BIKE
        return dataclasses.replace(scenario, fleet=_add(scenario, kind, _step(value, where), where))
    if key == "cutoff":
        return dataclasses.replace(scenario, cutoff=_time(value, where))
    if key == "shift_start":
        return dataclasses.replace(scenario, fleet=_shifted(scenario, _time(value, where), where))
    if key == "late_orders":
        count = _whole(_int(value), where)
        return dataclasses.replace(
            scenario, late_orders=dataclasses.replace(scenario.late_orders, count=count)
        )
    if key.startswith("world."):
        name = key.removeprefix("world.")
        names = [f.name for f in dataclasses.fields(World)]
        if name not in names:
            raise InvalidValue(where, f"World has no field {name!r}; it has: {', '.join(names)}")
        parsed = yaml.safe_load(value)  # numbers and [a, b] pairs, as in a scenario file
        world = dict(scenario.world) | {name: world_value(name, parsed, where)}
        return dataclasses.replace(
            scenario, world=tuple((n, world[n]) for n in names if n in world)
        )
    raise InvalidValue("--vary", f"unknown key {key!r}; the keys are: {accepted}")


def _int(text: str) -> int | str:
    try:
        return int(text)
    except ValueError:
        return text


def _orders_count(current: int, value: str, where: str) -> int:
    if value.startswith("x"):
        try:
            factor = float(value[1:])
        except ValueError:
            factor = -1.0
        if not math.isfinite(factor) or factor < 0:
            raise InvalidValue(where, f"xF must scale by a number >= 0, e.g. x1.5, got {value!r}")
        return round(current * factor)
    found = current + _step(value, where) if value[0] in "+-" else _whole(_int(value), where)
    if found < 0:
        raise InvalidValue(where, f"leaves {found} orders; the count must stay >= 0")
    return found


def _step(value: str, where: str) -> int:
    found = _int(value)
    if not isinstance(found, int) or value[0] not in "+-":
        raise InvalidValue(where, f"must be a change like +2 or -1, got {value!r}")
    return found


def _add(scenario: Scenario, kind: VehicleType, step: int, where: str) -> tuple[VehicleGroup, ...]:
    fleet = list(scenario.fleet or ())
    if scenario.fleet is None:
        raise InvalidValue(
            where,
            "the scenario lists no fleet (the default is one van per 100 orders); give its "
            "fleet groups to vary them",
        )
    at = next((i for i, g in enumerate(fleet) if g.type is kind), None)
    if at is None:
        if kind is VehicleType.VAN or step < 0 or not fleet:
            raise InvalidValue(where, f"the scenario has no {kind.value} group to change")
        capacity, costs = STANDARD_BIKE
        fleet.append(VehicleGroup(kind, step, capacity, fleet[0].shift, costs))
        return tuple(fleet)
    count = fleet[at].count + step
    if count < 0:
        raise InvalidValue(where, f"leaves {count} in fleet[{at}]; the count must stay >= 0")
    fleet[at] = dataclasses.replace(fleet[at], count=count)
    return tuple(fleet)


def _shifted(scenario: Scenario, start: time, where: str) -> tuple[VehicleGroup, ...]:
    if scenario.fleet is None:
        raise InvalidValue(where, "the scenario lists no fleet; give its fleet groups to vary them")
    moved = []
    for group in scenario.fleet:
        length = group.shift.duration_s
        end_s = (start.hour * 3600 + start.minute * 60 + length) % (24 * 3600)
        end = time(end_s // 3600, end_s // 60 % 60)
        moved.append(dataclasses.replace(group, shift=DailyWindow(start, end)))
    return tuple(moved)
