"""Handed-off orders: the new status in the tables, partner statuses as scans, and replay."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta

import pytest

from doorstep.domain.carriers import ServiceLevel
from doorstep.domain.errors import InvalidValue
from doorstep.domain.handoffs import (
    SCAN_OF,
    CarrierConnection,
    Handoff,
    HandoffStatus,
    PartnerStatus,
    fail_reason,
    scan_id,
    status_after,
)
from doorstep.domain.order_status import FOLLOWS_SCANS, PLANNABLE, TRANSITIONS, OrderStatus
from doorstep.domain.reconciliation import ACCOUNTED, Expected, Whereabouts, whereabouts
from doorstep.domain.scans import (
    FailReason,
    ScanEvent,
    ScanKind,
    order_status,
    replay,
)

S = OrderStatus
K = ScanKind
T0 = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)


def event(n: int, kind: ScanKind, minute: int, barcode: str = "P1") -> ScanEvent:
    return ScanEvent(
        id=f"evt-{barcode}-{n:04d}",
        organisation_id="org_1",
        kind=kind,
        barcode=barcode,
        device_time=T0 + timedelta(minutes=minute),
        server_time=T0 + timedelta(hours=12),
        actor_id="system",
        lane="A1" if kind is K.SORT else "",
        vehicle_id="veh_1" if kind is K.LOAD else "",
        reason=FailReason.RECIPIENT_ABSENT if kind is K.FAIL else None,
    )


def test_a_handed_off_order_is_not_plannable_and_follows_scans() -> None:
    assert S.HANDED_OFF not in PLANNABLE
    assert S.HANDED_OFF in FOLLOWS_SCANS
    for before in (S.READY, S.RECEIVED, S.SORTED):
        assert S.HANDED_OFF in TRANSITIONS[before]
    # A partner's return brings it in (received); a cancelled hand-off puts it back where it was.
    after = {S.OUT_FOR_DELIVERY, S.DELIVERED, S.FAILED_ATTEMPT, S.READY, S.RECEIVED, S.SORTED}
    assert TRANSITIONS[S.HANDED_OFF] == after
    assert S.HANDED_OFF not in TRANSITIONS[S.LOADED]  # on a van: no longer the partner's


def test_every_partner_status_maps_to_a_scan_kind() -> None:
    assert set(SCAN_OF) == set(PartnerStatus)
    assert SCAN_OF[PartnerStatus.PICKED_UP] is K.HAND_OFF
    assert SCAN_OF[PartnerStatus.OUT_FOR_DELIVERY] is K.DEPART
    assert SCAN_OF[PartnerStatus.DELIVERED] is K.DELIVER
    assert SCAN_OF[PartnerStatus.FAILED] is K.FAIL
    assert SCAN_OF[PartnerStatus.RETURNED] is K.RECEIVE


@pytest.mark.parametrize(
    ("words", "reason", "known"),
    [
        ("recipient_absent", FailReason.RECIPIENT_ABSENT, True),
        ("Not home", FailReason.RECIPIENT_ABSENT, True),
        ("access-denied", FailReason.NO_ACCESS, True),
        ("closed", FailReason.BUSINESS_CLOSED, True),
        ("the dog ate it", FailReason.RECIPIENT_ABSENT, False),
        (None, FailReason.RECIPIENT_ABSENT, False),
    ],
)
def test_partner_failure_words_map_to_reasons(
    words: str | None, reason: FailReason, known: bool
) -> None:
    assert fail_reason(words) == (reason, known)


def test_scan_ids_are_stable_valid_and_distinct() -> None:
    one = scan_id("px", "evt/1 with spaces & ümlauts", "P1")
    assert one == scan_id("px", "evt/1 with spaces & ümlauts", "P1")
    assert one != scan_id("px", "evt/1 with spaces & ümlauts", "P2")
    assert one != scan_id("other", "evt/1 with spaces & ümlauts", "P1")
    ScanEvent(one, "org_1", K.HAND_OFF, "P1", T0, T0, "system")


PARTNER_DAY = [K.HAND_OFF, K.HAND_OFF, K.HAND_OFF, K.DEPART, K.FAIL, K.DELIVER]


def test_a_partners_day_takes_the_parcel_to_delivered() -> None:
    result = replay("P1", [event(n, k, 10 * n) for n, k in enumerate(PARTNER_DAY)])
    assert result.problems == {}
    assert (result.state.status, result.state.attempts) == (S.DELIVERED, 1)


def test_any_arrival_order_and_repeats_give_the_same_state() -> None:
    events = [event(n, k, 10 * n) for n, k in enumerate(PARTNER_DAY)]
    expected = replay("P1", events).state
    for order in itertools.permutations(events[2:]):
        assert replay("P1", [*events[:2], *order, events[3]]).state == expected


def test_a_partner_may_skip_out_for_delivery() -> None:
    delivered = replay("P1", [event(0, K.HAND_OFF, 0), event(1, K.DELIVER, 60)])
    assert delivered.state.status is S.DELIVERED
    failed = replay("P1", [event(0, K.HAND_OFF, 0), event(1, K.FAIL, 60)])
    assert failed.state.status is S.FAILED_ATTEMPT


def test_a_return_or_a_cancel_brings_the_parcel_back_as_a_new_trip() -> None:
    back = replay("P1", [event(0, K.HAND_OFF, 0), event(1, K.RECEIVE, 60)]).state
    assert (back.status, back.trips) == (S.RECEIVED, 1)


def test_a_handed_off_parcel_cannot_be_loaded_on_an_own_van() -> None:
    result = replay("P1", [event(0, K.RECEIVE, 0), event(1, K.HAND_OFF, 5), event(2, K.SORT, 10)])
    assert result.state.status is S.HANDED_OFF
    assert "evt-P1-0002" in result.problems


def test_an_order_stands_handed_off_until_every_parcel_is_further() -> None:
    one = replay("P1", [event(0, K.HAND_OFF, 0), event(1, K.DEPART, 10)]).state
    two = replay("P2", [event(0, K.HAND_OFF, 0, "P2")]).state
    assert order_status([one, two]) is S.HANDED_OFF


def test_the_hand_off_status_follows_the_latest_event() -> None:
    booked = HandoffStatus.BOOKED
    assert status_after(booked, PartnerStatus.PICKED_UP) is HandoffStatus.IN_PROGRESS
    assert status_after(booked, PartnerStatus.DELIVERED) is HandoffStatus.DELIVERED
    assert status_after(HandoffStatus.DELIVERED, PartnerStatus.IN_TRANSIT) is (
        HandoffStatus.DELIVERED
    )
    assert status_after(booked, PartnerStatus.RETURNED) is HandoffStatus.RETURNED
    assert status_after(HandoffStatus.CANCELLED, PartnerStatus.DELIVERED) is (
        HandoffStatus.CANCELLED
    )


def test_a_hand_off_is_open_until_delivered_returned_or_cancelled() -> None:
    handoff = Handoff(
        "hof_1", "org_1", "ord_1", "car_1", "px", ServiceLevel.SAME_DAY, date(2026, 11, 23),
        "shp_1", "PX1", T0,
    )  # fmt: skip
    assert handoff.open
    for status in (HandoffStatus.DELIVERED, HandoffStatus.RETURNED, HandoffStatus.CANCELLED):
        handoff.status = status
        assert not handoff.open


def test_a_connection_needs_an_http_url_and_the_known_adapter() -> None:
    with pytest.raises(InvalidValue, match="base_url"):
        CarrierConnection("org_1", "car_1", "generic_partner", "ftp://x", "k", "whsec_x", T0)
    with pytest.raises(InvalidValue, match="adapter"):
        CarrierConnection("org_1", "car_1", "karrio", "https://x", "k", "whsec_x", T0)


def test_at_day_end_a_parcel_with_a_partner_is_accounted_for() -> None:
    """Handed off, or out or failed without ever being loaded on a van of ours: the partner
    has it. A parcel loaded on our van and not scanned back stays unaccounted."""
    expected = Expected("P1", "acme", "ord_1", "R-1", S.HANDED_OFF)
    with_partner = [
        [event(0, K.HAND_OFF, 0)],
        [event(0, K.HAND_OFF, 0), event(1, K.DEPART, 10)],
        [event(0, K.HAND_OFF, 0), event(1, K.FAIL, 10)],
    ]
    for events in with_partner:
        state = replay("P1", events).state
        assert whereabouts(expected, state) is Whereabouts.WITH_PARTNER
    assert Whereabouts.WITH_PARTNER in ACCOUNTED
    own = [event(n, k, n) for n, k in enumerate([K.RECEIVE, K.SORT, K.LOAD, K.DEPART])]
    assert whereabouts(expected, replay("P1", own).state) is Whereabouts.ON_A_VEHICLE
