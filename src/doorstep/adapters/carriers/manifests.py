"""A carrier's manifest of a day's hand-offs as an A4 PDF (ReportLab, as ``adapters.labels``).

One row per hand-off (cancelled ones are left out by the service): tracking number with its
Code 128 barcode drawn as text beside, the order's parcels (barcodes, count, weight), the
recipient and address, and the service level. The last lines total the parcels and weight and
leave room for the driver's and the station's signatures at pick-up.
"""

from __future__ import annotations

from typing import Any, BinaryIO

from reportlab.lib import colors  # type: ignore[import-untyped]
from reportlab.lib.pagesizes import A4, landscape  # type: ignore[import-untyped]
from reportlab.lib.styles import ParagraphStyle  # type: ignore[import-untyped]
from reportlab.lib.units import mm  # type: ignore[import-untyped]
from reportlab.platypus import (  # type: ignore[import-untyped]
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from doorstep.adapters.labels import BOLD, FONT
from doorstep.services.carriers.handoff import Manifest

HEADER = ("#", "Tracking", "Order", "Parcels", "Kg", "Recipient", "Address", "Service")
COLUMNS_MM = (10, 40, 36, 50, 14, 40, 63, 20)  # 273 mm between the margins
MARGIN = 12 * mm


def write_manifest(manifest: Manifest, out: BinaryIO, *, compress: bool = True) -> int:
    """Write the manifest as a PDF to ``out``; return the number of hand-offs listed."""
    style = ParagraphStyle("cell", fontName=FONT, fontSize=8, leading=10)
    title = ParagraphStyle("title", fontName=BOLD, fontSize=14, leading=18)
    small = ParagraphStyle("small", fontName=FONT, fontSize=9, leading=12)
    carrier = manifest.carrier
    where = f" from {manifest.station.name}" if manifest.station else ""
    story: list[Any] = [
        Paragraph(_escape(f"Manifest: {carrier.name} ({carrier.code})"), title),
        Paragraph(_escape(f"{manifest.day.isoformat()}{where}"), small),
        Spacer(0, 4 * mm),
    ]
    rows: list[list[Any]] = [list(HEADER)]
    parcels = 0
    weight = 0.0
    for n, (handoff, order) in enumerate(manifest.lines, start=1):
        codes = ", ".join(p.barcode for p in order.parcels)
        kg = sum(p.weight_kg for p in order.parcels)
        parcels += len(order.parcels)
        weight += kg
        address = order.address
        shown = (
            ", ".join(x for x in (address.street, address.house_number) if x) or address.as_given
        )
        rows.append(
            [
                str(n),
                Paragraph(_escape(handoff.tracking_number), style),
                Paragraph(_escape(f"{order.shipper}/{order.shipper_reference}"), style),
                Paragraph(_escape(f"{len(order.parcels)}: {codes}"), style),
                f"{kg:.1f}",
                Paragraph(_escape(order.recipient.name), style),
                Paragraph(_escape(f"{shown} {address.postcode} {address.city}".strip()), style),
                handoff.service_level.value,
            ]
        )
    table = Table(rows, colWidths=[w * mm for w in COLUMNS_MM], repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, 0), BOLD, 8),
                ("FONT", (0, 1), (-1, -1), FONT, 8),
                ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
                ("BACKGROUND", (0, 0), (-1, 0), colors.lightgrey),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    story += [
        table,
        Spacer(0, 6 * mm),
        Paragraph(
            _escape(f"{len(manifest.lines)} hand-offs, {parcels} parcels, {weight:.1f} kg in all."),
            small,
        ),
        Spacer(0, 12 * mm),
        Paragraph("Collected by (driver, signature): ______________________", small),
        Spacer(0, 6 * mm),
        Paragraph("Handed over by (station, signature): ______________________", small),
    ]
    document = SimpleDocTemplate(
        out,
        pagesize=landscape(A4),
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN,
        title=f"Manifest {carrier.code} {manifest.day.isoformat()}",
        pageCompression=1 if compress else 0,
    )
    document.build(story)
    return len(manifest.lines)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
