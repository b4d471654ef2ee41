"""The container picks the travel-time provider the settings name."""

from __future__ import annotations

from pathlib import Path

import pytest

from doorstep.adapters.roads.haversine import HaversineTravelTimes
from doorstep.adapters.roads.osrm import OsrmTravelTimes
from doorstep.adapters.roads.road_travel import RoadGraphTravelTimes
from doorstep.adapters.roads.valhalla import ValhallaTravelTimes
from doorstep.bootstrap import build
from doorstep.config import Settings
from doorstep.domain.fleet import SpeedProfile
from doorstep.planning.travel import TravelUnavailable


def test_the_road_graph_is_the_default_and_made_once(tmp_path: Path) -> None:
    container = build(Settings(data_dir=tmp_path))
    travel = container.travel()
    assert isinstance(travel, RoadGraphTravelTimes)
    assert travel.region == "helsinki"
    assert container.travel() is travel
    container.close()


def test_engines_and_the_fallback_are_chosen_by_setting(tmp_path: Path) -> None:
    osrm = build(
        Settings(
            data_dir=tmp_path,
            travel_provider="osrm",
            osrm_urls={SpeedProfile.VAN: "http://127.0.0.1:5000"},
        )
    )
    assert isinstance(osrm.travel(), OsrmTravelTimes)
    valhalla = build(
        Settings(data_dir=tmp_path, travel_provider="valhalla", valhalla_url="http://x:8002")
    )
    assert isinstance(valhalla.travel(), ValhallaTravelTimes)
    fallback = build(Settings(data_dir=tmp_path, travel_provider="haversine"))
    assert isinstance(fallback.travel(), HaversineTravelTimes)


def test_an_engine_without_its_url_is_refused_with_the_setting_to_set(tmp_path: Path) -> None:
    with pytest.raises(TravelUnavailable, match="DOORSTEP_OSRM_URLS"):
        build(Settings(data_dir=tmp_path, travel_provider="osrm")).travel()
    with pytest.raises(TravelUnavailable, match="DOORSTEP_VALHALLA_URL"):
        build(Settings(data_dir=tmp_path, travel_provider="valhalla")).travel()
