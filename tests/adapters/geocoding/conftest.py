"""Geocoders on the real Helsinki region and on a small synthetic city, built once per run."""

from __future__ import annotations

from pathlib import Path

import pytest

from doorstep.adapters.geocoding.local import LocalGeocoder
from doorstep.adapters.roads.osm import read_osm
from doorstep.adapters.roads.regions import AddressTable, RegionStore
from doorstep.adapters.roads.synth import write_synthetic_city

SYNTH_CITY = "Testby"


@pytest.fixture(scope="session")
def helsinki(helsinki_region: RegionStore) -> LocalGeocoder:
    return LocalGeocoder.from_region(helsinki_region, "helsinki")


@pytest.fixture(scope="session")
def helsinki_table(helsinki_region: RegionStore) -> AddressTable:
    return helsinki_region.addresses("helsinki")


@pytest.fixture(scope="session")
def synth_table(tmp_path_factory: pytest.TempPathFactory) -> AddressTable:
    """The addresses of a 4 km synthetic city (about 4,700), read as a region build reads them
    (the road graphs, which the geocoder does not need, are not built)."""
    path: Path = tmp_path_factory.mktemp("synth") / "testby.osm.pbf"
    write_synthetic_city(path, name=SYNTH_CITY, size_km=4.0, seed=3)
    data = read_osm(path)
    return AddressTable.build(data.addresses, data.street_aliases)


@pytest.fixture(scope="session")
def synth(synth_table: AddressTable) -> LocalGeocoder:
    return LocalGeocoder(synth_table)
