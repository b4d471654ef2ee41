"""Spreadsheets in and out: CSV and Excel (.xlsx) tables of rows."""

from __future__ import annotations

import codecs
import csv
import warnings
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import IO

from openpyxl import Workbook, load_workbook
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet._read_only import ReadOnlyWorksheet

from doorstep.domain.errors import InvalidValue

TABLE_SUFFIXES = (".csv", ".xlsx")

_SNIFF_CHARS = 8192  # enough lines for csv.Sniffer, little enough to stay instant
_CHUNK = 1 << 20
_DELIMITERS = ",;\t"
_XLSX_MAGIC = b"PK\x03\x04"
_XLS_MAGIC = b"\xd0\xcf\x11\xe0"  # the pre-2007 binary Excel (OLE) format
_SAVE_AS = "save it from Excel as 'CSV UTF-8' or as an .xlsx workbook"

Row = tuple[int, list[object]]


@dataclass
class Table:
    """A header and its rows, read lazily; ``rows`` yields ``(row number, cells)``.

    Row numbers are the spreadsheet's own (the header is usually row 1), so a person can find
    the row an error names. Blank rows are skipped but still counted, and trailing empty cells
    are trimmed, so a row may be shorter (or, with stray data, longer) than the header.
    The file stays open until the rows are exhausted or the table is closed; use it as a
    context manager when you may stop early.
    """

    header: list[str]
    rows: Iterator[Row]
    _close: Callable[[], None] = field(repr=False, default=lambda: None)

    def close(self) -> None:
        self._close()

    def __enter__(self) -> Table:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


def read_table(path: Path, *, sheet: str | None = None) -> Table:
    """Open a CSV or .xlsx file of orders; ``sheet`` picks a workbook sheet (default: first).

    Raises ``InvalidValue("file", ...)`` for a missing, empty, headerless, undecodable or
    unsupported file, and ``InvalidValue("sheet", ...)`` for an unknown sheet.
    """
    suffix = path.suffix.lower()
    if suffix == ".csv":
        if sheet is not None:
            raise InvalidValue("sheet", f"{path.name} is a CSV file, which has no sheets")
        return _read_csv(path)
    if suffix in (".xlsx", ".xlsm"):
        return _read_xlsx(path, sheet)
    if suffix in (".xls", ".ods", ".numbers"):
        raise InvalidValue("file", f"{path.name}: this spreadsheet format is not read; {_SAVE_AS}")
    raise InvalidValue("file", f"{path.name}: give a .csv or .xlsx file of orders")


def total_rows(path: Path, *, sheet: str | None = None) -> int | None:
    """How many rows follow the header, for a progress bar; None when not cheaply known.

    An upper bound: blank rows count, and in CSV a quoted cell spanning lines counts each line.
    """
    try:
        if path.suffix.lower() == ".csv":
            return max(_count_lines(path) - 1, 0)
        if path.suffix.lower() in (".xlsx", ".xlsm"):
            book = _open_workbook(path)
            try:
                last = _worksheet(book, path, sheet).max_row
            finally:
                book.close()
            return None if last is None else max(last - 1, 0)
    except (OSError, InvalidValue):
        return None
    return None


def write_table(path: Path, header: Sequence[str], rows: Iterable[Sequence[object]]) -> int:
    """Write ``header`` and ``rows`` as CSV or .xlsx (by suffix); returns the row count.

    Rows stream to disk (openpyxl's write-only mode), so large files take little memory.
    """
    suffix = path.suffix.lower()
    count = 0
    if suffix == ".csv":
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(header)
            for row in rows:
                writer.writerow(["" if cell is None else cell for cell in row])
                count += 1
        return count
    if suffix == ".xlsx":
        book = Workbook(write_only=True)
        sheet = book.create_sheet("orders")
        sheet.append(list(header))
        for row in rows:
            sheet.append(list(row))
            count += 1
        book.save(path)
        return count
    raise InvalidValue("out", f"{path.name}: use a .csv or .xlsx file name")


# --- CSV -------------------------------------------------------------------------------------


def _read_csv(path: Path) -> Table:
    head = _read_head(path)
    encoding = _csv_encoding(path, head)
    handle = path.open(encoding=encoding, newline="")
    try:
        sample = handle.read(_SNIFF_CHARS)
        handle.seek(0)
        delimiter, skip_sep_line = _delimiter(sample)
        if skip_sep_line:
            handle.readline()  # Excel hides this line, so the header is still row 1
        records = _csv_records(handle, path, delimiter)
        header_number, header = _header(records, path)
    except BaseException:
        handle.close()
        raise
    return Table(header, _closing(records, handle.close, header_number), handle.close)


def _read_head(path: Path) -> bytes:
    try:
        with path.open("rb") as raw:
            head = raw.read(_SNIFF_CHARS)
    except FileNotFoundError:
        raise InvalidValue("file", f"{path} does not exist") from None
    except IsADirectoryError:
        raise InvalidValue("file", f"{path} is a folder; give a .csv or .xlsx file") from None
    except PermissionError:
        raise InvalidValue("file", f"{path} cannot be read: permission denied") from None
    if not head.strip(b" \t\r\n" + codecs.BOM_UTF8):
        raise InvalidValue("file", f"{path.name} is empty; it needs a header row and orders")
    if head.startswith(_XLSX_MAGIC):
        raise InvalidValue("file", f"{path.name} is an Excel workbook; rename it to .xlsx")
    if head.startswith(_XLS_MAGIC):
        raise InvalidValue("file", f"{path.name} is an old Excel .xls workbook; {_SAVE_AS}")
    return head


def _csv_encoding(path: Path, head: bytes) -> str:
    """UTF-8 (BOM or not), else Windows-1252 as legacy Excel writes it; UTF-16 if marked.

    The whole file is checked before any row is returned (streamed, so memory stays small):
    a wrong guess found at row 50,000 would already have produced garbled rows.
    """
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"  # Excel's "Unicode Text" export
    if b"\x00" in head:
        raise InvalidValue("file", f"{path.name} is not a text (CSV) file; {_SAVE_AS}")
    failure = _decode_failure(path, "utf-8")
    if failure is None:
        return "utf-8-sig"  # also reads files without the BOM
    if _decode_failure(path, "cp1252") is None:
        return "cp1252"
    raise InvalidValue(
        "file",
        f"{path.name} is neither UTF-8 nor Windows-1252 text ({failure}); {_SAVE_AS}",
    )


def _decode_failure(path: Path, encoding: str) -> str | None:
    """Where ``path`` stops decoding in ``encoding``, or None if all of it decodes."""
    decoder = codecs.getincrementaldecoder(encoding)()
    offset = 0
    with path.open("rb") as raw:
        while True:
            chunk = raw.read(_CHUNK)
            try:
                decoder.decode(chunk, final=not chunk)
            except UnicodeDecodeError as error:
                if not chunk:  # raised by the final flush: a character cut off at the end
                    return f"an incomplete character at the end, offset {offset}"
                return f"byte 0x{chunk[error.start]:02x} at offset {offset + error.start}"
            if not chunk:
                return None
            offset += len(chunk)


def _delimiter(sample: str) -> tuple[str, bool]:
    """The delimiter among , ; and tab, and whether an Excel ``sep=`` line declares it."""
    sample = sample.lstrip("\ufeff")
    first_line = sample.split("\n", 1)[0].strip()
    if first_line.lower().startswith("sep=") and len(first_line) == 5:
        return first_line[4], True
    # Sniff whole lines only: a line cut mid-way skews the Sniffer's per-line counts.
    whole = sample[: sample.rfind("\n") + 1] or sample
    try:
        sniffed = csv.Sniffer().sniff(whole, delimiters=_DELIMITERS).delimiter
    except csv.Error:
        sniffed = ""
    # Headers hardly ever contain delimiters, so the header line overrules an odd guess (a
    # ';' file whose decimal commas line up in every row can fool the Sniffer).
    counts = {candidate: first_line.count(candidate) for candidate in _DELIMITERS}
    best = max(counts, key=lambda candidate: counts[candidate])
    if sniffed and counts[sniffed] > 0:
        return sniffed, False
    return (best if counts[best] > 0 else ","), False


def _csv_records(handle: IO[str], path: Path, delimiter: str) -> Iterator[Row]:
    # ``csv.reader`` yields one record per spreadsheet row, also when a quoted cell spans
    # lines, so counting records gives the row number Excel shows.
    reader = csv.reader(handle, delimiter=delimiter)
    number = 0
    try:
        for record in reader:
            number += 1
            yield number, list(record)
    except csv.Error as error:
        raise InvalidValue("file", f"{path.name}, row {number + 1}: {error}") from None


# --- xlsx ------------------------------------------------------------------------------------


def _read_xlsx(path: Path, sheet: str | None) -> Table:
    book = _open_workbook(path)
    try:
        worksheet = _worksheet(book, path, sheet)
        # The stored dimension is sometimes wrong (some exporters write "A1"), and openpyxl
        # would stop reading there; forget it and read every row the sheet holds.
        worksheet.reset_dimensions()
        records: Iterator[Row] = (
            (number, list(row)) for number, row in enumerate(worksheet.values, start=1)
        )
        header_number, header = _header(records, path)
    except BaseException:
        book.close()
        raise
    return Table(header, _closing(records, book.close, header_number), book.close)


def _open_workbook(path: Path) -> Workbook:
    try:
        # Unsupported Excel extensions (data validation, slicers) only warn; values still load.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            # data_only: a formula cell gives the value Excel last computed, not "=A2*2".
            return load_workbook(path, read_only=True, data_only=True)
    except FileNotFoundError:
        raise InvalidValue("file", f"{path} does not exist") from None
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError) as error:
        raise InvalidValue(
            "file",
            f"{path.name} is not a readable .xlsx workbook ({error}); open it in Excel and "
            "save it again as .xlsx",
        ) from None


def _worksheet(book: Workbook, path: Path, sheet: str | None) -> ReadOnlyWorksheet:
    names = book.sheetnames
    if sheet is not None and sheet not in names:
        raise InvalidValue(
            "sheet", f"{path.name} has no sheet '{sheet}'; its sheets are: {', '.join(names)}"
        )
    chosen = book[sheet] if sheet is not None else book.worksheets[0]
    if not isinstance(chosen, ReadOnlyWorksheet):
        raise InvalidValue("sheet", f"sheet '{chosen.title}' of {path.name} holds no table")
    return chosen


# --- both ------------------------------------------------------------------------------------


def _header(records: Iterator[Row], path: Path) -> tuple[int, list[str]]:
    """The first non-blank row, as column names; refuses a file without one."""
    for number, cells in records:
        cells = _trimmed(cells)
        if not cells:
            continue
        header = ["" if cell is None else str(cell).strip() for cell in cells]
        if not any(any(char.isalpha() for char in name) for name in header):
            raise InvalidValue(
                "file",
                f"{path.name}: row {number} should name the columns (e.g. Reference, Name, "
                "Address) but holds no names; add a header row above the orders",
            )
        return number, header
    raise InvalidValue("file", f"{path.name} is empty; it needs a header row and orders")


def _closing(records: Iterator[Row], close: Callable[[], None], after: int) -> Iterator[Row]:
    """Yield the non-blank rows after the header, and close the file once they run out."""
    try:
        for number, cells in records:
            trimmed = _trimmed(cells)
            if trimmed and number > after:
                yield number, trimmed
    finally:
        close()


def _trimmed(cells: list[object]) -> list[object]:
    end = len(cells)
    while end and _blank(cells[end - 1]):
        end -= 1
    return cells[:end]


def _blank(cell: object) -> bool:
    return cell is None or (isinstance(cell, str) and not cell.strip())


def _count_lines(path: Path) -> int:
    lines = 0
    last = b"\n"
    with path.open("rb") as raw:
        while chunk := raw.read(_CHUNK):
            lines += chunk.count(b"\n")
            last = chunk[-1:]
    return lines + (last != b"\n")
