"""Parcel labels and the sort sheet as PDFs, read back from their uncompressed page streams."""

from __future__ import annotations

import io
import random
import re
from collections.abc import Callable
from datetime import date

import pytest
from reportlab.pdfbase.pdfmetrics import getAscent, stringWidth

from doorstep.adapters.labels import write_labels, write_sheet
from doorstep.domain.sorting import Assignment, SortLine

LABEL_W_PT = 100 / 25.4 * 72  # 283.46
LABEL_H_PT = 150 / 25.4 * 72  # 425.20
FINNISH = "Äkräs Öberg Åland"

# One text run as ReportLab draws it: a text matrix, then a literal string shown with Tj.
RUN = re.compile(rb"1 0 0 1 ([-\d.]+) ([-\d.]+) Tm (?:[^()]*?)\(((?:[^\\()]|\\.)*)\) Tj")
SHOWN = re.compile(rb"\(((?:[^\\()]|\\.)*)\) Tj")
FONT_SET = re.compile(rb"/(F\d+) ([\d.]+) Tf")
FONT_NAMES = re.compile(rb"/BaseFont /([\w-]+) .*?/Name /(F\d+)")


def line(
    lane: str = "L01",
    position: int = 1,
    *,
    load_index: int = 1,
    stops: int = 23,
    barcode: str = "",
    recipient: str = "Maija Meikäläinen",
    address: str = "Mannerheimintie 5 A 12, 00100 Helsinki",
) -> SortLine:
    """A sort line with plausible defaults; the barcode follows lane and position."""
    code = barcode or f"JJFI{lane}{position:03d}{load_index:03d}"
    assignment = Assignment(code, f"O-{code}", f"veh-{lane}", lane, position, load_index)
    return SortLine(
        assignment=assignment,
        station_code="HEL1",
        service_date=date(2025, 3, 14),
        vehicle_name=f"Van {lane}",
        stops_on_route=stops,
        shipper_reference=f"REF-{code}",
        recipient_name=recipient,
        address=address,
        window="09:00-12:00",
    )


def pdf_literal(text: str) -> bytes:
    """``text`` as ReportLab writes it for standard fonts: WinAnsi bytes, high ones in octal."""
    out = bytearray()
    for byte in text.encode("cp1252"):
        if byte > 126:
            out += b"\\%03o" % byte
        elif byte in b"()\\":
            out += b"\\" + bytes([byte])
        else:
            out.append(byte)
    return bytes(out)


def unescape(literal: bytes) -> str:
    """The text of a PDF literal string written in WinAnsi."""

    def one(match: re.Match[bytes]) -> bytes:
        escaped = match.group(1)
        return bytes([int(escaped, 8)]) if escaped[:1].isdigit() else escaped

    return re.sub(rb"\\([0-7]{1,3}|.)", one, literal).decode("cp1252")


def page_streams(pdf: bytes) -> list[bytes]:
    """The uncompressed content streams that show text, in file (and so page) order."""
    streams = re.findall(rb"stream\r?\n(.*?)endstream", pdf, flags=re.DOTALL)
    return [stream for stream in streams if b" Tj" in stream]


def runs(stream: bytes) -> list[str]:
    """Every text run shown in ``stream``, decoded."""
    return [unescape(match.group(3)) for match in RUN.finditer(stream)]


def placed_runs(pdf: bytes) -> list[tuple[str, float, float, str, float]]:
    """The first page's text runs with their origin (x, y), font name and size."""
    fonts = {name: base.decode() for base, name in re.findall(FONT_NAMES, pdf)}
    stream = page_streams(pdf)[0]
    events = sorted([*FONT_SET.finditer(stream), *RUN.finditer(stream)], key=lambda m: m.start())
    font, size, placed = "", 0.0, []
    for event in events:
        if event.re is FONT_SET:
            font, size = fonts[event.group(1)], float(event.group(2))
        else:
            x, y = float(event.group(1)), float(event.group(2))
            placed.append((unescape(event.group(3)), x, y, font, size))
    return placed


def labels_pdf(lines: list[SortLine]) -> bytes:
    out = io.BytesIO()
    assert write_labels(lines, out, title="Labels HEL1", compress=False) == len(lines)
    return out.getvalue()


def sheet_pdf(lines: list[SortLine]) -> tuple[int, bytes]:
    out = io.BytesIO()
    pages = write_sheet(lines, out, title="Sort plan HEL1 2025-03-14", compress=False)
    return pages, out.getvalue()


# --- labels -------------------------------------------------------------------------------


def test_one_label_page_per_parcel_of_thermal_size() -> None:
    """Three parcels give three 100 x 150 mm pages, each showing its lane, stop and barcode."""
    lines = [line("L01", 1, stops=5), line("L01", 2, load_index=4, stops=5), line("L02", 7)]
    pdf = labels_pdf(lines)

    assert pdf.startswith(b"%PDF")
    boxes = re.findall(rb"/MediaBox \[ 0 0 ([\d.]+) ([\d.]+) \]", pdf)
    assert len(boxes) == 3
    for width, height in boxes:
        assert float(width) == pytest.approx(LABEL_W_PT, abs=0.01)
        assert float(height) == pytest.approx(LABEL_H_PT, abs=0.01)
    streams = page_streams(pdf)
    assert len(streams) == 3
    for sort_line, stream in zip(lines, streams, strict=True):
        shown = runs(stream)
        a = sort_line.assignment
        assert a.lane in shown
        assert a.barcode in shown
        assert f"stop {a.position} of {sort_line.stops_on_route}" in shown
        assert f"load #{a.load_index}" in shown
        assert sort_line.vehicle_name in shown


def test_long_address_is_wrapped_in_pieces() -> None:
    """A long address is shown as several lines, no one text run holding all of it."""
    address = (
        "Pohjoisesplanadi 33 B 47, c/o Kiinteistö Oy Esplanadin Kulma, porraskäytävä 3, "
        "ovikoodi 4711, 00100 Helsinki, viite 12345678901234567890123456789012345678901234"
    )
    shown = runs(page_streams(labels_pdf([line(address=address)]))[0])

    assert not any(address in run for run in shown)
    pieces = [run for run in shown if run and run in address]
    assert len(pieces) >= 3
    # Nothing is lost: the pieces, in order, are the whole address (spaces fall at breaks).
    assert "".join(pieces).replace(" ", "") == address.replace(" ", "")


@pytest.mark.parametrize(
    "sort_line",
    [
        line(address="Kauppakatu " * 200),
        line(recipient="Kiinteistöosakeyhtiö " * 20, address="Ö" * 300),
        line(barcode="JJFI" + "7" * 40, stops=999, load_index=999, position=999),
    ],
    ids=["many-words", "no-spaces", "long-barcode"],
)
def test_label_text_stays_on_the_label(sort_line: SortLine) -> None:
    """However long the texts, every text run lies wholly inside the label's page."""
    for text, x, y, font, size in placed_runs(labels_pdf([sort_line])):
        assert x >= 0, text
        assert x + stringWidth(text, font, size) <= LABEL_W_PT, text
        assert y >= 0, text
        assert y + getAscent(font, size) <= LABEL_H_PT, text


def test_cut_off_address_ends_in_ellipsis() -> None:
    """An address too long for the label is cut to a few lines ending in an ellipsis."""
    shown = runs(page_streams(labels_pdf([line(address="Kauppakatu " * 200)]))[0])
    pieces = [run for run in shown if run.startswith("Kauppakatu")]
    assert 2 <= len(pieces) <= 6
    assert pieces[-1].endswith("…")


# --- the sheet ----------------------------------------------------------------------------


def sort_plan(lanes: int = 6, per_lane: int = 20) -> list[SortLine]:
    """A plan of ``lanes`` x ``per_lane`` parcels, handed over in shuffled order."""
    lines = [
        line(f"L{lane:02d}", position, load_index=per_lane + 1 - position, stops=per_lane)
        for lane in range(1, lanes + 1)
        for position in range(1, per_lane + 1)
    ]
    random.Random(7).shuffle(lines)
    return lines


def test_sheet_spans_pages_with_numbers_and_repeated_header() -> None:
    """120 parcels fill several pages, each numbered "page i of n" and with its own header."""
    pages, pdf = sheet_pdf(sort_plan())

    assert pdf.startswith(b"%PDF")
    assert pages > 1
    assert len(re.findall(rb"/Type /Page\b(?!s)", pdf)) == pages
    for page in range(1, pages + 1):
        assert pdf_literal(f"page {page} of {pages}") in pdf
    assert pdf.count(b"(Reference) Tj") == pages
    assert pdf.count(b"(Lane) Tj") == pages
    assert pdf.count(pdf_literal("Sort plan HEL1 2025-03-14")) >= pages


def test_sheet_lists_lanes_in_order_then_positions() -> None:
    """Rows come lane by lane in lane order, and by stop within a lane, whatever the input."""
    _, pdf = sheet_pdf(sort_plan())
    shown = [run for stream in page_streams(pdf) for run in runs(stream)]
    rows = [(run, int(shown[i + 1])) for i, run in enumerate(shown) if re.fullmatch(r"L\d\d", run)]
    assert len(rows) == 120
    assert rows == sorted(rows)
    assert [lane for lane, _ in rows[::20]] == [f"L{n:02d}" for n in range(1, 7)]


def test_sheet_orders_lanes_naturally() -> None:
    """Lane L100 comes after L99, not between L10 and L11."""
    _, pdf = sheet_pdf([line("L100", 1), line("L99", 1), line("L11", 1), line("L10", 1)])
    shown = [run for run in runs(page_streams(pdf)[0]) if run.startswith("L1") or run == "L99"]
    assert shown == ["L10", "L11", "L99", "L100"]


def test_sheet_text_with_markup_characters_is_kept() -> None:
    """Recipient and reference text with & and < is printed as written, not parsed as markup."""
    _, pdf = sheet_pdf([line(recipient="Smith & Sons <Oy>")])
    # A Paragraph shows one line as several Tj strings where its markup fragments meet.
    shown = "".join(unescape(part) for part in SHOWN.findall(page_streams(pdf)[0]))
    assert "Smith & Sons <Oy>" in shown


# --- both ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("write", "message"),
    [(write_labels, "no parcels to label"), (write_sheet, "no parcels in the sort plan")],
)
def test_empty_plan_is_refused(write: Callable[..., int], message: str) -> None:
    """No lines raise ValueError with a clear message, and nothing is written."""
    out = io.BytesIO()
    with pytest.raises(ValueError, match=message):
        write([], out, title="empty")
    assert out.getvalue() == b""


def test_finnish_letters_survive() -> None:
    """Ä, ö and å in a name are written as WinAnsi bytes (octal escapes) in labels and sheet."""
    expected = b"(\\304kr\\344s \\326berg \\305land) Tj"
    assert pdf_literal(FINNISH) + b") Tj" == expected[1:]
    label = labels_pdf([line(recipient=FINNISH)])
    _, sheet = sheet_pdf([line(recipient=FINNISH)])
    for pdf in (label, sheet):
        assert expected in pdf
        assert b"/Encoding /WinAnsiEncoding" in pdf
        assert FINNISH in runs(page_streams(pdf)[0])


def test_output_is_compressed_by_default() -> None:
    """Without compress=False both writers deflate their page streams (production output)."""
    label, sheet = io.BytesIO(), io.BytesIO()
    write_labels([line()], label)
    write_sheet([line()], sheet, title="plan")
    for pdf in (label.getvalue(), sheet.getvalue()):
        assert pdf.startswith(b"%PDF")
        assert b"/FlateDecode" in pdf
        assert b"(L01) Tj" not in pdf
