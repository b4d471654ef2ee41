"""The sort plan: one lane per route, stop positions, loading in reverse stop order."""

from __future__ import annotations

from doorstep.domain.sorting import assign, lane_code, lanes


def test_each_route_gets_a_lane_and_each_parcel_its_stop() -> None:
    routes = [("veh_a", ["o1", "o2"]), ("veh_b", ["o3"])]
    parcels = {"o1": ["P1"], "o2": ["P2", "P3"], "o3": ["P4"]}
    found = {a.barcode: a for a in assign(routes, parcels)}
    assert {b: (a.lane, a.vehicle_id, a.position) for b, a in found.items()} == {
        "P1": ("L01", "veh_a", 1),
        "P2": ("L01", "veh_a", 2),
        "P3": ("L01", "veh_a", 2),
        "P4": ("L02", "veh_b", 1),
    }


def test_the_last_stop_is_loaded_first_and_a_stops_parcels_stay_together() -> None:
    routes = [("veh_a", ["o1", "o2", "o3"])]
    parcels = {"o1": ["P1"], "o2": ["P2", "P3"], "o3": ["P4"]}
    order = sorted(assign(routes, parcels), key=lambda a: a.load_index)
    assert [a.barcode for a in order] == ["P4", "P2", "P3", "P1"]


def test_a_pickup_takes_a_position_but_no_line() -> None:
    """The return is collected on the way: no parcel at the station to sort."""
    found = assign([("veh_a", ["pickup", "o2"])], {"o2": ["P2"]})
    assert [(a.barcode, a.position) for a in found] == [("P2", 2)]


def test_lane_codes_sort_in_route_order() -> None:
    codes = [lane_code(i) for i in range(12)]
    assert codes == sorted(codes)
    assert codes[0] == "L01"


def test_lanes_stay_with_their_vans_when_a_route_is_added() -> None:
    """v1 had L01 and v3 L02; a live change gives v2 a route between them: it takes L03, the
    first lane nobody has, and nobody's lane moves. A van without a route gives its lane up."""
    before = {"v1": "L01", "v3": "L02", "v9": "L05"}
    assert lanes(["v1", "v2", "v3"], before) == {"v1": "L01", "v2": "L03", "v3": "L02"}
    assert lanes(["v1", "v2"]) == {"v1": "L01", "v2": "L02"}
    lane_of = lanes(["v2", "v1"], before)
    found = assign([("v2", ["o1"]), ("v1", ["o2"])], {"o1": ["B1"], "o2": ["B2"]}, None, lane_of)
    assert {a.barcode: a.lane for a in found} == {"B1": "L02", "B2": "L01"}
