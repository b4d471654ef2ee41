"""The manifest PDF: one row per hand-off, the totals, and room for signatures."""

from __future__ import annotations

import io
from datetime import date

from doorstep.adapters.carriers.manifests import write_manifest
from doorstep.domain.carriers import ServiceLevel
from doorstep.domain.handoffs import Handoff
from doorstep.services.carriers.handoff import Manifest
from tests.adapters.storage.conftest import T0, order
from tests.adapters.storage.test_carriers import carrier

DAY = date(2026, 11, 23)


def test_the_manifest_lists_each_hand_off_with_totals() -> None:
    lines = tuple(
        (
            Handoff(
                f"hof_{n}", "org_a", f"ord_{n}", "car_1", "pk", ServiceLevel.SAME_DAY, DAY,
                f"shp_{n}", f"PX{n:08d}FI", T0,
            ),
            order("org_a", f"ord_{n}", f"P-{n}-A", f"P-{n}-B"),
        )
        for n in range(1, 4)
    )  # fmt: skip
    out = io.BytesIO()
    assert write_manifest(Manifest(carrier(), DAY, None, lines), out, compress=False) == 3
    pdf = out.getvalue()
    assert pdf.startswith(b"%PDF")
    for n in range(1, 4):
        assert f"PX{n:08d}FI".encode() in pdf
        assert f"P-{n}-A, P-{n}-B".encode() in pdf
    assert b"3 hand-offs, 6 parcels" in pdf
    assert b"Manifest: Pakettiexpress \\(pk\\)" in pdf
    assert b"Collected by" in pdf
