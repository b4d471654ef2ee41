"""What a region build keeps for the geocoder: cleaned addresses, units and street aliases."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from doorstep.adapters.roads.osm import clean_housenumber, clean_street, read_osm
from doorstep.adapters.roads.regions import AddressTable, RegionStore


@pytest.mark.parametrize(
    ("raw", "number"),
    [
        ("5", "5"),
        ("20 B", "20 B"),
        ("13A", "13A"),
        ("14 - 20", "14-20"),
        ("2, 2. krs./Floor 2", "2"),
        ("7 B, sisäpiha", "7 B"),
        ("1;3", "1"),
        ("Keskuskatu 5", "5"),
        ("floor", ""),
    ],
)
def test_house_numbers_are_cleaned_of_what_mappers_add(raw: str, number: str) -> None:
    assert clean_housenumber(raw) == number


def test_streets_are_cleaned_of_building_names_and_numbers() -> None:
    assert clean_street("Kaivopiha, Mannerheimintie") == "Mannerheimintie"
    assert clean_street("Pohjoisesplanadi 33") == "Pohjoisesplanadi"
    assert clean_street("Alvar Aallon katu") == "Alvar Aallon katu"


def test_helsinki_keeps_units_entrances_and_swedish_names(helsinki_table: AddressTable) -> None:
    t = helsinki_table
    assert len(t.units) == len(t.unit) == len(t.outline) == len(t)
    aliases = set(zip(t.alias_street.tolist(), t.alias_name.tolist(), strict=True))
    assert ("Mannerheimintie", "Mannerheimvägen") in aliases
    assert ("Aleksanterinkatu", "Alexandersgatan") in aliases
    secondary = dict(
        zip(t.alias_name.tolist(), t.alias_secondary.tolist(), strict=True)  # old/local names
    )
    assert secondary["Mannerheimvägen"] is False
    assert secondary["Heikinkatu"] is True  # Mannerheimintie's old name
    # Siltavuorenpenger 10 has staircases A, C and D mapped as entrances of its building.
    rows = (t.street == "Siltavuorenpenger") & (t.housenumber == "10")
    assert set(t.units[rows].tolist()) == {3}
    assert {"A", "C", "D"} <= set(t.unit[rows & t.entrance].tolist())
    assert t.outline[rows].any()
    # Numbers as mapped but cleaned: no floors or street names left in them.
    assert not any("krs" in n or "Floor" in n for n in t.housenumber.tolist())


def test_synthetic_blocks_of_flats_and_swedish_names(synth_table: AddressTable) -> None:
    assert (synth_table.units >= 4).mean() > 0.05  # about one address in eight
    assert len(synth_table.alias_name) > 10
    assert any(name.endswith(("gatan", "vägen", "gränden")) for name in synth_table.alias_name)


def test_a_region_built_before_units_reads_with_empty_columns(
    tmp_path: Path, helsinki_table: AddressTable
) -> None:
    old = {
        key: getattr(helsinki_table, key)
        for key in ("street", "housenumber", "postcode", "city", "lat", "lon", "entrance")
    }
    np.savez(tmp_path / "addresses.npz", **old)
    table = AddressTable.load(tmp_path / "addresses.npz")
    assert len(table) == len(helsinki_table)
    assert not table.units.any()
    assert len(table.alias_name) == 0


def test_the_builder_version_names_the_address_format(helsinki_region: RegionStore) -> None:
    assert "addresses-2" in helsinki_region.info("helsinki").builder


def test_reading_an_extract_collects_aliases_once(helsinki_pbf: Path) -> None:
    data = read_osm(helsinki_pbf)
    pairs = [(a.street, a.alias, a.secondary) for a in data.street_aliases]
    assert len(pairs) == len(set(pairs))
