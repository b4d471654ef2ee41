"""Rate cards from rows: the sample file, the docstring's example, and each kind of mistake."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from typing import Any

import pytest

from doorstep.adapters.spreadsheets import read_table
from doorstep.domain.carriers import ServiceLevel
from doorstep.domain.orders import Parcel
from doorstep.domain.rates import (
    Bulky,
    LineKind,
    Quote,
    RateCard,
    Refusal,
    RefusalCode,
    Shipment,
    WeightBreak,
    Zone,
    price,
)
from doorstep.services.carriers import SAMPLE_RATE_CARDS, rate_card_file
from doorstep.services.carriers.rate_card_file import (
    COLUMNS,
    Problem,
    RateCardFileInvalid,
    read_rate_cards,
)

Rows = list[tuple[int, dict[str, object]]]


def sample_rows() -> Rows:
    """The sample as the CLI will read it: through the spreadsheet adapter."""
    with read_table(SAMPLE_RATE_CARDS) as table:
        return [
            (number, dict(zip(table.header, cells, strict=False))) for number, cells in table.rows
        ]


def r(
    kind: str, carrier: str = "pk", service_level: str = "next_day", **cells: str
) -> dict[str, object]:
    return {"row": kind, "carrier": carrier, "service_level": service_level, **cells}


def numbered(*rows: dict[str, object]) -> Rows:
    """Rows numbered as a spreadsheet shows them: the header is row 1."""
    return list(enumerate(rows, start=2))


BASE = (
    r("card", currency="EUR"),  # row 2
    r("zone", zone="1", postcodes="001 002", per_kg="0,45"),  # row 3
    r("break", zone="1", up_to_kg="2", price="6,90"),  # row 4
    r("break", zone="1", up_to_kg="5", price="8,90"),  # row 5
    r("surcharge", surcharge="fuel", percent="12,5"),  # row 6
    r("minimum", price="9,90"),  # row 7
)


def problems(*rows: dict[str, object]) -> tuple[Problem, ...]:
    with pytest.raises(RateCardFileInvalid) as caught:
        read_rate_cards(numbered(*rows))
    return caught.value.problems


def quote(card: RateCard, shipment: Shipment) -> Quote:
    result = price(card, shipment)
    assert isinstance(result, Quote), result
    return result


# --- good files ------------------------------------------------------------------------------


def test_a_good_file_gives_the_card_it_describes() -> None:
    """Prices 6,90 and 8,90 are 690 and 890 cents; 0,45 per kg is 45; fuel 12,5 is 12.5%."""
    cards = read_rate_cards(numbered(*BASE))
    assert cards == {
        ("pk", ServiceLevel.NEXT_DAY): RateCard(
            "pk",
            ServiceLevel.NEXT_DAY,
            "EUR",
            (
                Zone(
                    "1",
                    (WeightBreak(Decimal(2), 690), WeightBreak(Decimal(5), 890)),
                    postcode_prefixes=frozenset({"001", "002"}),
                    per_kg_above_cents=45,
                ),
            ),
            fuel_percent=Decimal("12.5"),
            minimum_cents=990,
        )
    }


def test_rows_come_in_any_order_and_headers_in_any_spelling() -> None:
    """Breaks before their zone and in falling weight; "Service Level" and "UP-TO KG" headers."""
    shuffled = [BASE[3], BASE[2], BASE[1], BASE[0]]
    respelt = [
        {k.replace("_", " ").title() if k != "up_to_kg" else "UP-TO KG": v for k, v in row.items()}
        for row in shuffled
    ]
    cards = read_rate_cards(numbered(*respelt))
    zone = cards["pk", ServiceLevel.NEXT_DAY].zones[0]
    assert [b.up_to_kg for b in zone.breaks] == [Decimal(2), Decimal(5)]


def test_the_docstring_example_reads() -> None:
    doc = rate_card_file.__doc__ or ""
    text = doc.split("Example::")[1]
    lines = [line.strip() for line in text.strip().splitlines()]
    reader = csv.DictReader(io.StringIO("\n".join(lines)))
    cards = read_rate_cards(enumerate(reader, start=2))
    card = cards["kaupunkikuriiri", ServiceLevel.NEXT_DAY]
    assert (card.minimum_cents, card.fuel_percent) == (990, Decimal("12.5"))


def test_the_sample_file_reads_and_prices_by_hand() -> None:
    """pakettiexpress next day (postcodes):
    - 3.2 kg to 00530: zone 3, 5 kg break 790; fuel 12.5% = 98.75 -> 99; total 889.
    - 1 kg to Suomenlinna 00190: zone 1, 2 kg break 590 + remote 650 = 1240; fuel 155; 1395.
    kaupunkikuriiri same day (distance, divisor 4000):
    - 1 kg at 3 km: near, 2 kg break 990; fuel 8% = 79.2 -> 79; total 1069.
    - 1 kg in 40 x 30 x 20 cm at 7 km: 24000 / 4000 = 6 kg, city 10 kg break 1790;
      fuel 143.2 -> 143; total 1933.
    - 21 kg: above 20 kg, refused; 25 km: outside every band, refused."""
    cards = read_rate_cards(sample_rows())
    assert set(cards) == {
        ("pakettiexpress", ServiceLevel.NEXT_DAY),
        ("kaupunkikuriiri", ServiceLevel.SAME_DAY),
    }
    parcels = cards["pakettiexpress", ServiceLevel.NEXT_DAY]
    courier = cards["kaupunkikuriiri", ServiceLevel.SAME_DAY]
    assert parcels.bulky == Bulky(1200, side_over_cm=Decimal(120), weight_over_kg=Decimal(30))
    assert courier.volumetric_divisor == 4000

    one = (Parcel("P1", weight_kg=1.0),)
    assert quote(parcels, Shipment((Parcel("P1", weight_kg=3.2),), "00530")).total_cents == 889
    island = quote(parcels, Shipment(one, "00190"))
    assert {line.kind: line.amount_cents for line in island.lines} == {
        LineKind.BASE: 590,
        LineKind.REMOTE_AREA: 650,
        LineKind.FUEL: 155,
    }
    assert quote(courier, Shipment(one, distance_km=3.0)).total_cents == 1069
    box = (Parcel("P1", weight_kg=1.0, length_cm=40, width_cm=30, height_cm=20),)
    assert quote(courier, Shipment(box, distance_km=7.0)).total_cents == 1933
    heavy = price(courier, Shipment((Parcel("P1", weight_kg=21),), distance_km=3.0))
    assert isinstance(heavy, Refusal)
    assert heavy.code is RefusalCode.TOO_HEAVY
    far = price(courier, Shipment(one, distance_km=25.0))
    assert isinstance(far, Refusal)
    assert far.code is RefusalCode.OUTSIDE_ZONES


def test_the_sample_covers_every_helsinki_postcode() -> None:
    card = read_rate_cards(sample_rows())["pakettiexpress", ServiceLevel.NEXT_DAY]
    for postcode in range(100, 1000, 10):
        assert isinstance(
            price(card, Shipment((Parcel("P1", weight_kg=1),), f"{postcode:05d}")), Quote
        )


# --- mistakes --------------------------------------------------------------------------------

MISTAKES: list[tuple[str, tuple[dict[str, object], ...], tuple[int, str, str]]] = [
    ("unknown row kind", (r("brake", zone="1"),), (8, "row", "'brake' is not a kind of row")),
    ("empty carrier", (r("zone", carrier="", zone="2", postcodes="005"),), (8, "carrier", "empty")),
    (
        "unknown service level",
        (r("zone", service_level="overnight", zone="1", postcodes="001"),),
        (8, "service_level", "'overnight' is not a service level"),
    ),
    (
        "three decimals",
        (r("break", zone="1", up_to_kg="10", price="12,345"),),
        (8, "price", "more than two decimals"),
    ),
    (
        "not a number",
        (r("break", zone="1", up_to_kg="10", price="abc"),),
        (8, "price", "not a number"),
    ),
    ("a zero break", (r("break", zone="1", up_to_kg="0", price="1"),), (8, "up_to_kg", "0 kg")),
    ("a break without a price", (r("break", zone="1", up_to_kg="10"),), (8, "price", "empty")),
    (
        "a break of an unknown zone",
        (r("break", zone="9", up_to_kg="10", price="12"),),
        (8, "zone", "pk next_day has no zone named 9"),
    ),
    (
        "the same break twice",
        (r("break", zone="1", up_to_kg="5", price="9"),),
        (8, "up_to_kg", "a 5 kg break already (row 5)"),
    ),
    (
        "a heavier break costs less",
        (r("break", zone="1", up_to_kg="10", price="5"),),
        (8, "price", "the 10 kg break of zone 1 costs less than the 5 kg break"),
    ),
    (
        "a postcode range",
        (r("zone", zone="2", postcodes="00500-00590"),),
        (8, "postcodes", "'00500-00590' is a range"),
    ),
    (
        "a price on a zone row",
        (
            r("zone", zone="2", postcodes="005", price="5"),
            r("break", zone="2", up_to_kg="5", price="5"),
        ),
        (8, "price", "price is not used on a zone row"),
    ),
    (
        "a zone without breaks",
        (r("zone", zone="2", postcodes="005"),),
        (8, "zone", "has no breaks"),
    ),
    (
        "a zone by postcode and distance",
        (r("zone", zone="2", postcodes="005", from_km="0", to_km="5"),),
        (8, "postcodes", "both postcodes and a distance band"),
    ),
    ("a zone by neither", (r("zone", zone="2"),), (8, "postcodes", "neither postcodes nor")),
    (
        "a zone twice",
        (r("zone", zone="1", postcodes="003"),),
        (8, "zone", "defined twice (first on row 3)"),
    ),
    (
        "a prefix in two zones",
        (r("zone", zone="2", postcodes="001"), r("break", zone="2", up_to_kg="5", price="5")),
        (2, "postcodes", "prefix 001 is in zone 1 and zone 2"),
    ),
    (
        "a second card row",
        (r("card", currency="EUR"),),
        (8, "row", "a second card row for pk next_day"),
    ),
    (
        "a bad currency",
        (r("card", carrier="other", currency="euro"),),
        (8, "currency", "'EURO' is not a currency"),
    ),
    (
        "a card without zones",
        (r("card", carrier="other", currency="SEK"),),
        (8, "row", "other next_day has no zones"),
    ),
    (
        "rows without a card row",
        (r("zone", carrier="ghost", zone="1", postcodes="001"),),
        (8, "row", "ghost next_day has no card row"),
    ),
    (
        "a second fuel row",
        (r("surcharge", surcharge="fuel", percent="10"),),
        (8, "surcharge", "a second fuel"),
    ),
    ("a second minimum", (r("minimum", price="5"),), (8, "row", "a second minimum")),
    (
        "an unknown surcharge",
        (r("surcharge", surcharge="toll", price="1"),),
        (8, "surcharge", "'toll' is not a surcharge"),
    ),
    (
        "a bulky surcharge without limits",
        (r("surcharge", surcharge="bulky", price="12"),),
        (8, "side_over_cm", "no limit"),
    ),
    (
        "a percent on a bulky surcharge",
        (r("surcharge", surcharge="bulky", price="12", side_over_cm="120", percent="5"),),
        (8, "percent", "percent is not used by the bulky surcharge"),
    ),
    (
        "a remote area without postcodes",
        (r("surcharge", surcharge="remote_area", price="6,50"),),
        (8, "postcodes", "empty"),
    ),
    (
        "a price with a currency",
        (r("surcharge", surcharge="extra_parcel", price="1,50 €"),),
        (8, "price", "not a number"),
    ),
]


@pytest.mark.parametrize(
    ("rows", "expected"), [case[1:] for case in MISTAKES], ids=[case[0] for case in MISTAKES]
)
def test_each_mistake_names_its_row_column_and_fix(
    rows: tuple[dict[str, object], ...], expected: tuple[int, str, str]
) -> None:
    found = problems(*BASE, *rows)
    row, column, words = expected
    matching = [p for p in found if (p.row, p.column) == (row, column) and words in p.problem]
    assert matching, found
    assert all(p.fix for p in found)


def test_distance_mistakes() -> None:
    """Bands 0-6 and 5-10 overlap (reported on the card row); a band 5-5 ends as it starts;
    fuel over 100% is refused."""
    found = problems(
        r("card", carrier="d", currency="EUR"),  # 2
        r("zone", carrier="d", zone="a", from_km="0", to_km="6"),  # 3
        r("zone", carrier="d", zone="b", from_km="5", to_km="10"),  # 4
        r("break", carrier="d", zone="a", up_to_kg="5", price="5"),  # 5
        r("break", carrier="d", zone="b", up_to_kg="5", price="7"),  # 6
        r("card", carrier="e", currency="EUR"),  # 7
        r("zone", carrier="e", zone="a", from_km="5", to_km="5"),  # 8
        r("surcharge", carrier="e", surcharge="fuel", percent="150 %"),  # 9
    )
    assert [(p.row, p.column) for p in found] == [
        (2, "zone"),
        (8, "zone"),  # it has no breaks
        (8, "to_km"),
        (9, "percent"),
    ]
    assert "overlap" in found[0].problem
    assert "150% is over 100%" in found[3].problem


def test_an_unknown_column_is_named_once() -> None:
    found = problems(
        *BASE,
        r("break", zone="1", up_to_kg="10", prise="12"),
        r("break", zone="1", up_to_kg="20", prise="14"),
    )
    unknown = [p for p in found if p.column == "prise"]
    assert [(p.row, p.problem) for p in unknown] == [(8, "'prise' is not a rate card column")]
    assert ", ".join(COLUMNS) in unknown[0].fix


def test_all_mistakes_of_a_file_are_collected_in_row_order() -> None:
    found = problems(
        *BASE,
        r("break", zone="1", up_to_kg="10", price="12,345"),  # 8
        r("brake"),  # 9
        r("zone", service_level="overnight", zone="1"),  # 10
        r("surcharge", surcharge="extra_parcel", price="-1"),  # 11
    )
    assert [(p.row, p.column) for p in found] == [
        (8, "price"),
        (9, "row"),
        (10, "service_level"),
        (11, "price"),
    ]
    with pytest.raises(RateCardFileInvalid) as caught:
        read_rate_cards(numbered(*BASE, r("brake")))
    assert str(caught.value) == (
        "rate_cards: 1 mistake in the rate card file, no card was loaded:\n"
        "row 8, column row: 'brake' is not a kind of row; "
        "write one of card, zone, break, surcharge, minimum"
    )


def test_blank_rows_are_skipped() -> None:
    blank: dict[str, Any] = dict.fromkeys(COLUMNS, "")
    assert read_rate_cards(numbered(*BASE, blank, {"row": None}))


def test_a_file_without_rows_is_a_mistake() -> None:
    with pytest.raises(RateCardFileInvalid) as caught:
        read_rate_cards([])
    assert [(p.row, p.column) for p in caught.value.problems] == [(1, "row")]
