"""Run the real routing engines, OSRM and Valhalla, on loopback for tests and benchmarks.

The engines' own programs come from the Python 3.12 wheels of ``osrm-bindings`` and
``pyvalhalla`` on the package registry (pinned below), fetched with pip at first use and unpacked
into a cache: ``$DOORSTEP_ENGINE_CACHE``, else ``~/.cache/doorstep-engines``. Nothing here is
committed. Routing data built from a ``.osm.pbf`` is cached by the file's sha256, so a second
run only starts the servers (well under a second each).

    with osrm_server(pbf, workdir) as url:        # http://127.0.0.1:PORT, car profile, MLD
        ...
    with valhalla_server(pbf, workdir) as url:    # http://127.0.0.1:PORT
        ...

Every failure raises ``EngineError`` naming the step, the command and the tail of its output.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import itertools
import json
import math
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import zipfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from doorstep.adapters.roads.haversine import great_circle_m
from doorstep.domain.geo import Location
from doorstep.planning.travel import TravelMatrix
from tests.support.server import stop

OSRM_BINDINGS_VERSION = "26.10.0"
PYVALHALLA_VERSION = "3.9.1"
CACHE_ENV = "DOORSTEP_ENGINE_CACHE"
SKIP_ENV = "DOORSTEP_SKIP_ENGINES"
#: The wheels are built for CPython 3.12; only their programs are used, never their Python code.
WHEEL_PYTHON = "3.12"
THREADS = 2
_TAIL_LINES = 25


class EngineError(RuntimeError):
    """A step of fetching, building or starting an engine failed; says which and why."""

    def __init__(self, step: str, detail: str, output: str = "") -> None:
        message = f"{step}: {detail}"
        if output.strip():
            tail = "\n".join(output.rstrip().splitlines()[-_TAIL_LINES:])
            message += f"\n--- last lines of output ---\n{tail}"
        super().__init__(message)
        self.step = step


@dataclass(frozen=True)
class EngineDist:
    """An unpacked engine wheel: its programs and the shared libraries they were built with."""

    package: str
    version: str
    root: Path

    def program(self, name: str) -> Path:
        """The path of one of the wheel's programs, e.g. ``osrm-routed``."""
        for candidate in self.root.glob(f"*/bin/{name}"):
            return candidate
        raise EngineError(
            f"{self.package} {self.version}", f"the wheel has no program {name} under */bin/"
        )

    def env(self) -> dict[str, str]:
        """The environment to run the programs in: the wheel's ``*.libs`` dirs on the path."""
        env = dict(os.environ)
        libs = [str(d) for d in sorted(self.root.glob("*.libs")) if d.is_dir()]
        if env.get("LD_LIBRARY_PATH"):
            libs.append(env["LD_LIBRARY_PATH"])
        if libs:
            env["LD_LIBRARY_PATH"] = os.pathsep.join(libs)
        return env


def engine_cache() -> Path:
    """Where wheels are unpacked and data is built: ``$DOORSTEP_ENGINE_CACHE`` or ~/.cache."""
    configured = os.environ.get(CACHE_ENV)
    path = Path(configured) if configured else Path.home() / ".cache" / "doorstep-engines"
    path.mkdir(parents=True, exist_ok=True)
    return path


@contextlib.contextmanager
def _locked(cache: Path, name: str) -> Iterator[None]:
    """An exclusive lock, so that two test runs never build the same thing at once."""
    with (cache / f".{name}.lock").open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _run(step: str, command: Sequence[str | Path], *, cwd: Path, env: dict[str, str]) -> str:
    """Run one build command; its combined output, or ``EngineError`` with the output's tail."""
    args = [str(part) for part in command]
    try:
        done = subprocess.run(  # noqa: S603 - our own fixed commands
            args,
            cwd=cwd,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            errors="replace",
            timeout=900,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise EngineError(step, f"could not run {' '.join(args)}: {exc}") from exc
    if done.returncode != 0:
        raise EngineError(
            step, f"{' '.join(args)} exited with code {done.returncode}", done.stdout or ""
        )
    return done.stdout or ""


def fetch_engine(package: str, version: str, cache: Path | None = None) -> EngineDist:
    """The pinned wheel of ``package``, downloaded with pip and unpacked once into the cache."""
    cache = cache or engine_cache()
    root = cache / "dist" / f"{package}-{version}"
    done = root / ".complete"
    with _locked(cache, f"dist-{package}-{version}"):
        if done.exists():
            return EngineDist(package, version, root)
        shutil.rmtree(root, ignore_errors=True)
        downloads = Path(tempfile.mkdtemp(prefix="download-", dir=cache))
        try:
            step = f"download {package}=={version}"
            _run(
                step,
                [
                    sys.executable,
                    "-m",
                    "pip",
                    "download",
                    "--no-deps",
                    "--only-binary",
                    ":all:",
                    "--python-version",
                    WHEEL_PYTHON,
                    "--disable-pip-version-check",
                    f"{package}=={version}",
                    "-d",
                    downloads,
                ],
                cwd=cache,
                env=dict(os.environ),
            )
            wheels = sorted(downloads.glob("*.whl"))
            if len(wheels) != 1:
                raise EngineError(step, f"expected one wheel, pip left {[w.name for w in wheels]}")
            _unpack(wheels[0], root)
        finally:
            shutil.rmtree(downloads, ignore_errors=True)
        done.touch()
    return EngineDist(package, version, root)


def _unpack(wheel: Path, root: Path) -> None:
    """Unzip keeping the programs' executable bits (zipfile itself drops them)."""
    try:
        with zipfile.ZipFile(wheel) as archive:
            for info in archive.infolist():
                target = Path(archive.extract(info, root))
                mode = (info.external_attr >> 16) & 0o777
                if not info.is_dir() and (mode & 0o111 or "/bin/" in info.filename):
                    target.chmod(0o755)
    except (OSError, zipfile.BadZipFile) as exc:
        shutil.rmtree(root, ignore_errors=True)
        raise EngineError(f"unpack {wheel.name}", str(exc)) from exc


def pbf_digest(pbf: Path) -> str:
    """The sha256 of a ``.osm.pbf`` (hex), the key of the data built from it."""
    digest = hashlib.sha256()
    with pbf.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _built(cache: Path, kind: str, key: str, build: Callable[[Path], None]) -> Path:
    """``cache/kind/key`` made by ``build(directory)`` once; rebuilt if a build was cut short."""
    directory = cache / kind / key
    with _locked(cache, f"{kind}-{key}"):
        if not (directory / ".complete").exists():
            shutil.rmtree(directory, ignore_errors=True)
            directory.mkdir(parents=True)
            try:
                build(directory)
            except BaseException:
                shutil.rmtree(directory, ignore_errors=True)
                raise
            (directory / ".complete").touch()
    return directory


# --- OSRM ---------------------------------------------------------------------------------


def build_osrm(
    pbf: Path, *, profile: str = "car", algorithm: str = "MLD", cache: Path | None = None
) -> Path:
    """OSRM data for ``pbf`` (cached); returns the ``.osrm`` base path osrm-routed takes.

    ``profile`` names a Lua profile of the wheel's ``share/profiles`` (car, bicycle, foot);
    ``algorithm`` is MLD (osrm-partition + osrm-customize) or CH (osrm-contract).
    """
    algorithm = algorithm.upper()
    if algorithm not in {"MLD", "CH"}:
        raise ValueError(f"algorithm must be MLD or CH, got {algorithm}")
    cache = cache or engine_cache()
    dist = fetch_engine("osrm-bindings", OSRM_BINDINGS_VERSION, cache)
    lua = next(iter(dist.root.glob(f"*/share/profiles/{profile}.lua")), None)
    if lua is None:
        raise EngineError("osrm-extract", f"osrm-bindings has no profile {profile}.lua")
    key = f"{profile}-{algorithm.lower()}-{pbf_digest(pbf)[:16]}"

    def build(directory: Path) -> None:
        env = dist.env()
        source = directory / "region.osm.pbf"
        shutil.copyfile(pbf, source)
        extract: list[str | Path] = [
            dist.program("osrm-extract"),
            "-p",
            lua,
            "-t",
            str(THREADS),
            source,
        ]
        _run("osrm-extract", extract, cwd=directory, env=env)
        base = directory / "region.osrm"
        if algorithm == "MLD":
            _run("osrm-partition", [dist.program("osrm-partition"), base], cwd=directory, env=env)
            _run("osrm-customize", [dist.program("osrm-customize"), base], cwd=directory, env=env)
        else:
            _run("osrm-contract", [dist.program("osrm-contract"), base], cwd=directory, env=env)
        source.unlink()

    return _built(cache, f"osrm-{OSRM_BINDINGS_VERSION}", key, build) / "region.osrm"


@contextlib.contextmanager
def osrm_server(
    pbf: Path,
    workdir: Path,
    *,
    profile: str = "car",
    algorithm: str = "MLD",
    max_table_size: int = 10_000,
    cache: Path | None = None,
    startup_timeout_s: float = 60,
) -> Iterator[str]:
    """An ``osrm-routed`` on 127.0.0.1 at a free port for ``pbf``; yields its base URL.

    The server's log is ``workdir/osrm-routed-PORT.log``; it is stopped on exit.
    """
    cache = cache or engine_cache()
    base = build_osrm(pbf, profile=profile, algorithm=algorithm, cache=cache)
    dist = fetch_engine("osrm-bindings", OSRM_BINDINGS_VERSION, cache)
    routed = dist.program("osrm-routed")

    def command(port: int) -> list[str | Path]:
        return [
            routed,
            "-a",
            algorithm.upper(),
            "-i",
            "127.0.0.1",
            "-p",
            str(port),
            "-t",
            str(THREADS),
            "--max-table-size",
            str(max_table_size),
            "--max-viaroute-size",
            "1000",
            base,
        ]

    with _server(
        "osrm-routed", command, workdir, dist.env(), "/nearest/v1/driving/0,0", startup_timeout_s
    ) as url:
        yield url


# --- Valhalla -----------------------------------------------------------------------------


def build_valhalla(pbf: Path, *, cache: Path | None = None) -> Path:
    """Valhalla tiles for ``pbf`` (cached); returns the directory holding config.json and tiles.

    No admin, time-zone or elevation data: countries' defaults and local time are unknown, the
    rest of routing works.
    """
    cache = cache or engine_cache()
    dist = fetch_engine("pyvalhalla", PYVALHALLA_VERSION, cache)
    script = next(iter(dist.root.glob("*/valhalla_build_config.py")), None)
    if script is None:
        raise EngineError("valhalla_build_config", "pyvalhalla has no valhalla_build_config.py")

    def build(directory: Path) -> None:
        env = dist.env()
        config = directory / "config.json"
        _run(
            "valhalla_build_config",
            [
                sys.executable,
                script,
                "--mjolnir-tile-dir",
                directory / "tiles",
                "--mjolnir-tile-extract",
                directory / "tiles.tar",  # not built: the service reads tile_dir
                "--mjolnir-traffic-extract",
                directory / "traffic.tar",
                "--mjolnir-admin",
                directory / "admin.sqlite",
                "--mjolnir-timezone",
                directory / "timezone.sqlite",
                "--mjolnir-landmarks",
                directory / "landmarks.sqlite",
                "--mjolnir-concurrency",
                str(THREADS),
                "-o",
                config,
            ],
            cwd=directory,
            env=env,
        )
        source = directory / "region.osm.pbf"
        shutil.copyfile(pbf, source)
        tiles: list[str | Path] = [
            dist.program("valhalla_build_tiles"),
            "-c",
            config,
            "-j",
            str(THREADS),
            source,
        ]
        _run("valhalla_build_tiles", tiles, cwd=directory, env=env)
        source.unlink()
        if not any((directory / "tiles").rglob("*.gph")):
            raise EngineError("valhalla_build_tiles", f"no tiles were written to {directory}")

    return _built(cache, f"valhalla-{PYVALHALLA_VERSION}", pbf_digest(pbf)[:16], build)


@contextlib.contextmanager
def valhalla_server(
    pbf: Path,
    workdir: Path,
    *,
    max_matrix_location_pairs: int = 10_000,
    cache: Path | None = None,
    startup_timeout_s: float = 60,
) -> Iterator[str]:
    """A ``valhalla_service`` on 127.0.0.1 at a free port for ``pbf``; yields its base URL.

    Its config (``workdir/valhalla-PORT.json``) moves the service's internal sockets into a
    private directory so that several servers can run at once, and raises the matrix size
    limit of every costing to ``max_matrix_location_pairs``. Stopped on exit.
    """
    cache = cache or engine_cache()
    built = build_valhalla(pbf, cache=cache)
    dist = fetch_engine("pyvalhalla", PYVALHALLA_VERSION, cache)
    service = dist.program("valhalla_service")
    base_config = json.loads((built / "config.json").read_text())
    # Unix socket paths are short (108 bytes): a fresh directory directly under /tmp.
    sockets = Path(tempfile.mkdtemp(prefix="dsvh-"))

    def command(port: int) -> list[str | Path]:
        config = _private_sockets(base_config, sockets)
        config["httpd"]["service"].update(
            listen=f"tcp://127.0.0.1:{port}", drain_seconds=0, shutdown_seconds=0
        )
        for limits in config.get("service_limits", {}).values():
            if isinstance(limits, dict) and "max_matrix_location_pairs" in limits:
                limits["max_matrix_location_pairs"] = max(
                    limits["max_matrix_location_pairs"], max_matrix_location_pairs
                )
        path = workdir / f"valhalla-{port}.json"
        path.write_text(json.dumps(config, indent=1))
        return [service, path, str(THREADS)]

    try:
        with _server(
            "valhalla_service", command, workdir, dist.env(), "/status", startup_timeout_s
        ) as url:
            yield url
    finally:
        shutil.rmtree(sockets, ignore_errors=True)


def _private_sockets(config: Any, directory: Path) -> Any:
    """``config`` with every ``ipc:///tmp/NAME`` socket moved to ``ipc://DIRECTORY/NAME``."""
    if isinstance(config, dict):
        return {key: _private_sockets(value, directory) for key, value in config.items()}
    if isinstance(config, list):
        return [_private_sockets(value, directory) for value in config]
    if isinstance(config, str) and config.startswith("ipc://"):
        return f"ipc://{directory}/{Path(config[len('ipc://') :]).name}"
    return config


# --- running a server ---------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextlib.contextmanager
def _server(
    name: str,
    command: Callable[[int], Sequence[str | Path]],
    workdir: Path,
    env: dict[str, str],
    probe: str,
    startup_timeout_s: float,
) -> Iterator[str]:
    """Start ``command(port)`` until it answers HTTP on ``probe``; yield the URL; stop it."""
    workdir.mkdir(parents=True, exist_ok=True)
    for attempt in range(3):
        port = _free_port()
        log_path = workdir / f"{name}-{port}.log"
        with log_path.open("wb") as log:
            process = subprocess.Popen(  # noqa: S603 - our own fixed command
                [str(part) for part in command(port)],
                cwd=workdir,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        try:
            url = f"http://127.0.0.1:{port}"
            if _wait_until_answering(process, url + probe, startup_timeout_s):
                yield url
                return
            output = log_path.read_text(errors="replace")
            if process.poll() is None:
                raise EngineError(
                    f"start {name}",
                    f"no answer from {url} within {startup_timeout_s:.0f} s (log: {log_path})",
                    output,
                )
            if "in use" in output.lower() and attempt < 2:  # lost the port to someone: retry
                continue
            raise EngineError(
                f"start {name}",
                f"exited with code {process.returncode} before answering (log: {log_path})",
                output,
            )
        finally:
            stop(process)
    raise AssertionError("unreachable")


def _wait_until_answering(process: subprocess.Popen[bytes], url: str, timeout_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return False
        try:
            with urllib.request.urlopen(url, timeout=2):  # noqa: S310 - loopback http only
                return True
        except urllib.error.HTTPError:
            return True  # any HTTP answer (OSRM says 400 to a bad query) means it is up
        except (OSError, ValueError):
            time.sleep(0.05)
    return False


# --- test points and sanity checks --------------------------------------------------------


def implausibilities(
    matrix: TravelMatrix, points: Sequence[Location], *, max_duration_s: int = 1800
) -> list[str]:
    """What is wrong with a square road matrix over ``points``; empty when it looks right.

    Zero diagonal; off the diagonal durations in (0, max_duration_s] and distances no shorter
    than the straight line less both snap distances (and 2 m of rounding); asymmetric
    somewhere, as one-way streets make any real city.
    """
    problems = []
    n = len(points)
    durations, distances = matrix.durations_s, matrix.distances_m
    if durations.shape != (n, n):
        return [f"shape {durations.shape}, expected {(n, n)}"]
    if np.diagonal(durations).any() or np.diagonal(distances).any():
        problems.append("the diagonal is not all zero")
    off = ~np.eye(n, dtype=bool)
    if not ((durations[off] > 0) & (durations[off] <= max_duration_s)).all():
        problems.append(f"durations outside (0, {max_duration_s}] s: {durations.tolist()}")
    lats = np.array([p.lat for p in points])
    lons = np.array([p.lon for p in points])
    straight = great_circle_m(lats[:, None], lons[:, None], lats[None, :], lons[None, :])
    floor = straight - matrix.origin_snap_m[:, None] - matrix.destination_snap_m[None, :] - 2.0
    short = np.argwhere(off & (distances < floor))
    if short.size:
        i, j = (int(k) for k in short[0])
        problems.append(
            f"{len(short)} distances shorter than the straight line, e.g. {i}->{j}: "
            f"{distances[i, j]} m < {straight[i, j]:.0f} m"
        )
    if np.array_equal(durations, durations.T):
        problems.append("durations are symmetric: one-way streets should show somewhere")
    return problems


#: Streets a car may use (``service`` left out: parking aisles and yards are often islands).
CAR_HIGHWAYS = frozenset(
    {
        "motorway",
        "motorway_link",
        "trunk",
        "trunk_link",
        "primary",
        "primary_link",
        "secondary",
        "secondary_link",
        "tertiary",
        "tertiary_link",
        "unclassified",
        "residential",
        "living_street",
    }
)


_ALLOWED = frozenset({"yes", "permissive", "destination", "designated"})


def _cars_allowed(tags: Any) -> bool:
    """Whether a car may drive a way, by the most specific access tag it has."""
    for key in ("motorcar", "motor_vehicle", "vehicle", "access"):
        value = tags.get(key)
        if value is not None:
            return value in _ALLOWED
    return True


def street_points(
    pbf: Path,
    bbox: tuple[float, float, float, float],
    count: int,
    *,
    min_separation_m: float = 50.0,
) -> list[tuple[float, float]]:
    """``count`` (lat, lon) street nodes inside ``bbox`` (south, west, north, east), spread out.

    Taken from the largest strongly connected part of the extract's car network (one-way
    streets and access tags respected, turn restrictions not), so that a car can get from
    each to every other: a clipped extract is full of dead ends and one-way islands at its
    edges. The nodes are in the middle of two-way streets (not junctions, where engines
    differ most), one per cell of a grid over the bbox, the nearest to the cell's centre that
    is at least ``min_separation_m`` from those already chosen. Deterministic for a given file.
    """
    import osmium
    from scipy.sparse import coo_array
    from scipy.sparse.csgraph import connected_components

    south, west, north, east = bbox
    index: dict[int, int] = {}
    coords: list[tuple[float, float]] = []
    heads: list[int] = []
    tails: list[int] = []
    degree: dict[int, int] = {}
    on_two_way: set[int] = set()

    def node(ref: int, lat: float, lon: float) -> int:
        if ref not in index:
            index[ref] = len(coords)
            coords.append((lat, lon))
        return index[ref]

    processor = osmium.FileProcessor(str(pbf), osmium.osm.NODE | osmium.osm.WAY).with_locations()
    for way in processor:
        if not isinstance(way, osmium.osm.Way):
            continue
        tags = way.tags
        if tags.get("highway") not in CAR_HIGHWAYS or tags.get("area") == "yes":
            continue
        if not _cars_allowed(tags):
            continue
        oneway = tags.get("oneway", "")
        roundabout = tags.get("junction") in {"roundabout", "circular"}
        forward = oneway in {"yes", "true", "1"} or roundabout
        forward = forward or (tags.get("highway") == "motorway" and oneway != "no")
        backward = oneway == "-1"
        two_way = not forward and not backward
        refs = [n for n in way.nodes if n.location.valid()]
        ids = [node(n.ref, n.lat, n.lon) for n in refs]
        for a, b in itertools.pairwise(ids):
            if not backward:
                heads.append(a)
                tails.append(b)
            if backward or not forward:
                heads.append(b)
                tails.append(a)
        for position, ref in enumerate(refs):
            inner = 0 < position < len(refs) - 1
            degree[ref.ref] = degree.get(ref.ref, 0) + (2 if inner else 1)
            if two_way:
                on_two_way.add(ref.ref)
    if not coords:
        raise ValueError(f"{pbf} has no car streets")
    size = len(coords)
    graph = coo_array((np.ones(len(heads)), (heads, tails)), shape=(size, size)).tocsr()
    _, labels = connected_components(graph, directed=True, connection="strong")
    largest = np.bincount(labels).argmax()
    candidates = sorted(
        (ref, coords[i])
        for ref, i in index.items()
        if labels[i] == largest
        and degree.get(ref) == 2
        and ref in on_two_way
        and south <= coords[i][0] <= north
        and west <= coords[i][1] <= east
    )
    if len(candidates) < count:
        raise ValueError(f"only {len(candidates)} connected street nodes in {bbox}, need {count}")
    # A grid of roughly square cells (in metres) with at least ``count`` cells.
    shrink = math.cos(math.radians((south + north) / 2))  # a degree of longitude, in latitude's
    rows = max(1, round((count * (north - south) / ((east - west) * shrink)) ** 0.5))
    cols = -(-count // rows)
    gap = min_separation_m / 111_195.0  # in degrees of latitude
    chosen: list[tuple[float, float]] = []

    def far_enough(point: tuple[float, float]) -> bool:
        return all(
            (point[0] - q[0]) ** 2 + ((point[1] - q[1]) * shrink) ** 2 >= gap**2 for q in chosen
        )

    for r in range(rows):
        for c in range(cols):
            lat = south + (r + 0.5) * (north - south) / rows
            lon = west + (c + 0.5) * (east - west) / cols
            best = min(
                (p for p in candidates if far_enough(p[1])),
                key=lambda p: ((p[1][0] - lat) ** 2 + ((p[1][1] - lon) * shrink) ** 2, p[0]),
                default=None,
            )
            if best is None:
                raise ValueError(f"no street node {min_separation_m} m from the others in {bbox}")
            chosen.append(best[1])
    return chosen[:count]
