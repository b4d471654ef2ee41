"""Partner deliveries on the board, worked by hand: stage, due time, overdue and the counts."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from doorstep.domain.handoffs import HandoffStatus as H
from doorstep.domain.order_status import OrderStatus as O
from doorstep.domain.partner_progress import (
    CarrierTotals,
    PartnerFacts,
    Stage,
    due_at,
    in_board_order,
    judge,
    stage,
    totals,
)

HELSINKI = ZoneInfo("Europe/Helsinki")  # UTC+2 in November
DAY = date(2026, 11, 23)


def utc(hour: int, minute: int = 0, day: int = 23) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC)


def facts(
    order_id: str = "ord_1",
    carrier: str = "kk",
    handoff: H = H.BOOKED,
    order: O = O.HANDED_OFF,
    window: tuple[datetime, datetime] | None = (utc(10), utc(14)),
) -> PartnerFacts:
    return PartnerFacts(
        handoff_id=f"hof_{order_id}",
        order_id=order_id,
        reference=f"REF-{order_id}",
        recipient="Aino",
        carrier_code=carrier,
        carrier_name=carrier.upper(),
        tracking_number=f"TN-{order_id}",
        handoff_status=handoff,
        order_status=order,
        day=DAY,
        window_start=window[0] if window else None,
        window_end=window[1] if window else None,
        last_event_at=None,
    )


@pytest.mark.parametrize(
    ("handoff", "order", "expected"),
    [
        (H.BOOKED, O.HANDED_OFF, Stage.BOOKED),
        (H.IN_PROGRESS, O.HANDED_OFF, Stage.IN_PROGRESS),  # picked up, in transit
        (H.IN_PROGRESS, O.OUT_FOR_DELIVERY, Stage.IN_PROGRESS),
        (H.IN_PROGRESS, O.FAILED_ATTEMPT, Stage.FAILED),
        (H.DELIVERED, O.DELIVERED, Stage.DELIVERED),
        # The order's scans say delivered before the hand-off row caught up: delivered.
        (H.IN_PROGRESS, O.DELIVERED, Stage.DELIVERED),
        # Returned by the partner: the order is back at the station (received).
        (H.RETURNED, O.RECEIVED, Stage.RETURNED),
    ],
)
def test_the_stage_comes_from_the_hand_off_and_the_order(
    handoff: H, order: O, expected: Stage
) -> None:
    assert stage(handoff, order) is expected


def test_due_by_the_window_end_or_else_the_end_of_the_day_at_the_station() -> None:
    assert due_at(utc(14), DAY, HELSINKI) == utc(14)
    # 24.11. 00:00 in Helsinki is 23.11. 22:00 UTC.
    assert due_at(None, DAY, HELSINKI) == utc(22)


def test_overdue_once_the_window_ends_while_still_open() -> None:
    """Window 10:00-14:00 UTC: at 14:00 sharp it is not yet overdue, at 14:01 it is."""
    booked = facts()
    assert not judge(booked, HELSINKI, utc(14)).overdue
    late = judge(booked, HELSINKI, utc(14, 1))
    assert (late.stage, late.due_at, late.overdue) == (Stage.BOOKED, utc(14), True)
    moving = replace(booked, handoff_status=H.IN_PROGRESS, order_status=O.OUT_FOR_DELIVERY)
    assert judge(moving, HELSINKI, utc(14, 1)).overdue


@pytest.mark.parametrize(
    ("handoff", "order"),
    [(H.DELIVERED, O.DELIVERED), (H.IN_PROGRESS, O.FAILED_ATTEMPT), (H.RETURNED, O.RECEIVED)],
)
def test_a_settled_delivery_is_never_overdue(handoff: H, order: O) -> None:
    settled = facts(handoff=handoff, order=order)
    assert not judge(settled, HELSINKI, utc(23)).overdue


def test_without_a_window_it_is_overdue_after_local_midnight_only() -> None:
    """No window: due at 24.11. 00:00 Helsinki = 23.11. 22:00 UTC. At 21:59 UTC (23:59 in
    Helsinki) it is still the day; at 22:01 UTC it is not."""
    open_ended = facts(handoff=H.IN_PROGRESS, window=None)
    assert not judge(open_ended, HELSINKI, utc(21, 59)).overdue
    assert judge(open_ended, HELSINKI, utc(22, 1)).overdue


def test_counts_per_carrier_by_stage_with_overdue_counted_again() -> None:
    """At 15:00 UTC, all windows 10-14: carrier kk has one booked (overdue), one in progress
    (overdue), one delivered, one failed; carrier px one returned and one in progress with a
    window until 18:00 (not overdue)."""
    now = utc(15)
    found = [
        judge(f, HELSINKI, now)
        for f in [
            facts("a"),
            facts("b", handoff=H.IN_PROGRESS),
            facts("c", handoff=H.DELIVERED, order=O.DELIVERED),
            facts("d", handoff=H.IN_PROGRESS, order=O.FAILED_ATTEMPT),
            facts("e", carrier="px", handoff=H.RETURNED, order=O.RECEIVED),
            facts("f", carrier="px", handoff=H.IN_PROGRESS, window=(utc(10), utc(18))),
        ]
    ]
    assert totals(found) == (
        CarrierTotals("kk", "KK", booked=1, in_progress=1, delivered=1, failed=1, overdue=2),
        CarrierTotals("px", "PX", in_progress=1, returned=1),
    )
    assert [t.total for t in totals(found)] == [4, 2]
    assert totals([]) == ()


def test_the_board_lists_overdue_first_then_open_by_due_time_then_settled() -> None:
    now = utc(15)
    done = judge(facts("done", handoff=H.DELIVERED, order=O.DELIVERED), HELSINKI, now)
    later = judge(facts("later", window=(utc(10), utc(20))), HELSINKI, now)
    sooner = judge(facts("sooner", window=(utc(10), utc(16))), HELSINKI, now)
    overdue = judge(facts("overdue"), HELSINKI, now)
    ordered = in_board_order([done, later, sooner, overdue])
    assert [d.order_id for d in ordered] == ["overdue", "sooner", "later", "done"]
