"""Printed sort-plan output: one 100 x 150 mm thermal label per parcel and an A4 sort sheet."""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Sequence
from typing import Any, BinaryIO

from reportlab.graphics.barcode.code128 import Code128  # type: ignore[import-untyped]
from reportlab.lib import colors  # type: ignore[import-untyped]
from reportlab.lib.pagesizes import A4, landscape  # type: ignore[import-untyped]
from reportlab.lib.styles import ParagraphStyle  # type: ignore[import-untyped]
from reportlab.lib.units import mm  # type: ignore[import-untyped]
from reportlab.lib.utils import simpleSplit  # type: ignore[import-untyped]
from reportlab.pdfbase.pdfmetrics import stringWidth  # type: ignore[import-untyped]
from reportlab.pdfgen.canvas import Canvas  # type: ignore[import-untyped]
from reportlab.platypus import (  # type: ignore[import-untyped]
    Paragraph,
    SimpleDocTemplate,
    Table,
    TableStyle,
)

from doorstep.domain.sorting import SortLine

# The standard Helvetica needs no embedded font and covers Latin-1 (ä, ö, å) in WinAnsi.
FONT = "Helvetica"
BOLD = "Helvetica-Bold"

LABEL_SIZE = (100 * mm, 150 * mm)
LABEL_MARGIN = 5 * mm
LABEL_WIDTH = LABEL_SIZE[0] - 2 * LABEL_MARGIN
BARCODE_HEIGHT = 20 * mm

SHEET_SIZE = landscape(A4)
SHEET_MARGIN = 12 * mm
SHEET_HEADER = (
    "Lane", "Pos", "Load #", "Vehicle", "Barcode", "Recipient", "Address", "Window", "Reference"
)  # fmt: skip
SHEET_COLUMNS_MM = (13, 11, 13, 28, 36, 42, 78, 22, 30)  # sums to the 273 mm between margins


def write_labels(
    lines: Sequence[SortLine], out: BinaryIO, *, title: str = "", compress: bool = True
) -> int:
    """Write one label per parcel (in the given order) as a PDF to ``out``; return the pages.

    Raises ``ValueError`` for no lines, so a caller cannot print an empty PDF by mistake.
    ``compress=False`` leaves the page streams readable (for tests).
    """
    if not lines:
        raise ValueError("no parcels to label")
    canvas = Canvas(out, pagesize=LABEL_SIZE, pageCompression=int(compress))
    canvas.setTitle(title)
    for line in lines:
        _draw_label(canvas, line)
        canvas.showPage()
    canvas.save()
    return len(lines)


def write_sheet(
    lines: Sequence[SortLine], out: BinaryIO, *, title: str, compress: bool = True
) -> int:
    """Write the sort plan as an A4 landscape table, by lane then position; return the pages.

    Raises ``ValueError`` for no lines.
    """
    if not lines:
        raise ValueError("no parcels in the sort plan")
    ordered = sorted(lines, key=_sheet_order)
    # "page i of n" needs n before the first page is drawn: lay out once to count the pages.
    pages = _build_sheet(ordered, io.BytesIO(), title, compress, total=0)
    return _build_sheet(ordered, out, title, compress, total=pages)


# --- the label ----------------------------------------------------------------------------


def _draw_label(canvas: Any, line: SortLine) -> None:
    """Draw one label top down: what the sorter reads first is largest and highest."""
    a = line.assignment
    top = LABEL_SIZE[1] - LABEL_MARGIN
    y = _draw_fitted(canvas, a.lane, BOLD, 96, top - 70)
    y = _draw_fitted(canvas, f"stop {a.position} of {line.stops_on_route}", BOLD, 20, y - 26)
    canvas.drawRightString(LABEL_MARGIN + LABEL_WIDTH, y, f"load #{a.load_index}")
    y = _draw_fitted(canvas, line.vehicle_name, BOLD, 14, y - 20)
    y = _draw_fitted(
        canvas, f"{line.station_code}  {line.service_date.isoformat()}", FONT, 11, y - 16
    )
    canvas.line(LABEL_MARGIN, y - 7, LABEL_MARGIN + LABEL_WIDTH, y - 7)
    y = _draw_wrapped(canvas, line.recipient_name, BOLD, 13, y - 24, max_lines=2)
    y = _draw_wrapped(canvas, line.address, FONT, 11, y - 14, max_lines=5)
    if line.window:
        y = _draw_fitted(canvas, f"window {line.window}", BOLD, 11, y - 16)
    _draw_fitted(canvas, f"ref {line.shipper_reference}", FONT, 9, y - 14)
    _draw_barcode(canvas, a.barcode)


def _draw_fitted(canvas: Any, text: str, font: str, size: float, y: float) -> float:
    """Draw ``text`` at ``y``, shrinking the font so it never runs past the label's edge."""
    width = stringWidth(text, font, size)
    if width > LABEL_WIDTH:
        size = size * LABEL_WIDTH / width
    canvas.setFont(font, size)
    canvas.drawString(LABEL_MARGIN, y, text)
    return y


def _draw_wrapped(
    canvas: Any, text: str, font: str, size: float, y: float, *, max_lines: int
) -> float:
    """Draw ``text`` wrapped to the label width from ``y`` down; return the last baseline."""
    rows = _wrap(text, font, size, LABEL_WIDTH)
    if len(rows) > max_lines:
        # The space above the barcode is fixed; a cut-off address still shows it was cut.
        rows = [*rows[: max_lines - 1], _ellipsize(rows[max_lines - 1], font, size)]
    canvas.setFont(font, size)
    for row in rows:
        canvas.drawString(LABEL_MARGIN, y, row)
        y -= size * 1.2
    return y + size * 1.2


def _wrap(text: str, font: str, size: float, width: float) -> list[str]:
    """Lines of ``text`` that fit ``width``; a word longer than the width is broken."""
    rows: list[str] = []
    for row in simpleSplit(text, font, size, width) or [""]:
        while stringWidth(row, font, size) > width:
            cut = max(1, _fitting_prefix(row, font, size, width))
            rows.append(row[:cut])
            row = row[cut:]
        rows.append(row)
    return rows


def _fitting_prefix(text: str, font: str, size: float, width: float) -> int:
    """The length of the longest prefix of ``text`` no wider than ``width``."""
    n = 0
    while n < len(text) and stringWidth(text[: n + 1], font, size) <= width:
        n += 1
    return n


def _ellipsize(text: str, font: str, size: float) -> str:
    """``text`` shortened to end in an ellipsis and still fit the label width."""
    room = LABEL_WIDTH - stringWidth("…", font, size)
    return text[: _fitting_prefix(text, font, size, room)].rstrip() + "…"


def _draw_barcode(canvas: Any, value: str) -> None:
    """Code 128 of ``value`` at the foot of the label, its text printed under the bars."""
    bar_width = 0.4 * mm
    barcode = Code128(value, barHeight=BARCODE_HEIGHT, barWidth=bar_width)
    if barcode.width > LABEL_WIDTH:
        # Long codes get thinner bars rather than bars cut off at the label's edge.
        bar_width *= LABEL_WIDTH / barcode.width
        barcode = Code128(value, barHeight=BARCODE_HEIGHT, barWidth=bar_width)
    x = LABEL_MARGIN + (LABEL_WIDTH - barcode.width) / 2
    barcode.drawOn(canvas, x, LABEL_MARGIN + 14)
    canvas.setFont(FONT, 10)
    canvas.drawCentredString(LABEL_SIZE[0] / 2, LABEL_MARGIN + 2, value)


# --- the sheet ----------------------------------------------------------------------------


def _sheet_order(line: SortLine) -> tuple[tuple[int | str, ...], int, int]:
    """Lane in natural order (L9 before L10), then stop, then load order."""
    a = line.assignment
    lane = tuple(int(p) if p.isdigit() else p for p in re.split(r"(\d+)", a.lane) if p)
    return lane, a.position, a.load_index


def _build_sheet(
    lines: Sequence[SortLine], out: BinaryIO, title: str, compress: bool, *, total: int
) -> int:
    """Lay the sheet out into ``out`` with ``total`` in the footer; return the pages made."""
    doc = SimpleDocTemplate(
        out,
        pagesize=SHEET_SIZE,
        title=title,
        pageCompression=int(compress),
        leftMargin=SHEET_MARGIN,
        rightMargin=SHEET_MARGIN,
        topMargin=SHEET_MARGIN + 8 * mm,  # room for the title line
        bottomMargin=SHEET_MARGIN + 4 * mm,  # room for the footer
    )
    decorate = _page_decoration(title, total)
    doc.build([_sheet_table(lines)], onFirstPage=decorate, onLaterPages=decorate)
    return int(doc.page)


def _page_decoration(title: str, total: int) -> Callable[[Any, Any], None]:
    """The per-page callback drawing the title line and the "page i of n" footer."""

    def decorate(canvas: Any, doc: Any) -> None:
        width, height = SHEET_SIZE
        canvas.saveState()
        canvas.setFont(BOLD, 12)
        canvas.drawString(SHEET_MARGIN, height - SHEET_MARGIN - 4 * mm, title)
        canvas.setFont(FONT, 8)
        footer = f"page {doc.page} of {total}"
        canvas.drawRightString(width - SHEET_MARGIN, SHEET_MARGIN, footer)
        canvas.restoreState()

    return decorate


def _sheet_table(lines: Sequence[SortLine]) -> Any:
    """The plan's table: a header repeated on every page, a rule between lanes."""
    style = ParagraphStyle("cell", fontName=FONT, fontSize=8, leading=9.5, splitLongWords=1)
    rows: list[list[Any]] = [list(SHEET_HEADER)]
    rows += [_sheet_row(line, style) for line in lines]
    commands: list[tuple[Any, ...]] = [
        ("FONT", (0, 0), (-1, 0), BOLD, 8),
        ("FONT", (0, 1), (-1, -1), FONT, 8),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("BACKGROUND", (0, 0), (-1, 0), colors.lightgrey),
        ("LINEBELOW", (0, 0), (-1, 0), 0.8, colors.black),
        ("LINEBELOW", (0, 1), (-1, -1), 0.25, colors.grey),
    ]
    commands += [
        ("LINEABOVE", (0, row), (-1, row), 1.2, colors.black)
        for row in range(2, len(rows))
        if lines[row - 1].assignment.lane != lines[row - 2].assignment.lane
    ]
    widths = [w * mm for w in SHEET_COLUMNS_MM]
    return Table(rows, colWidths=widths, repeatRows=1, style=TableStyle(commands))


def _sheet_row(line: SortLine, style: Any) -> list[Any]:
    """One parcel's cells; free text goes in Paragraphs so it wraps inside its column."""
    a = line.assignment

    def para(text: str) -> Any:
        return Paragraph(_escape(text), style)

    return [
        a.lane,
        str(a.position),
        str(a.load_index),
        para(line.vehicle_name),
        para(a.barcode),
        para(line.recipient_name),
        para(line.address),
        line.window,
        para(line.shipper_reference),
    ]


def _escape(text: str) -> str:
    """``text`` safe inside Paragraph markup ("Smith & Sons" is not a tag)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
