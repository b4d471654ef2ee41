"""Reading order files: CSV in the encodings and delimiters Excel writes, and typed .xlsx."""

from __future__ import annotations

import codecs
from datetime import date, datetime, time, timedelta
from pathlib import Path

import pytest
from openpyxl import Workbook

from doorstep.adapters.spreadsheets import read_table, total_rows, write_table
from doorstep.domain.errors import InvalidValue


def rows_of(path: Path, **options: str) -> tuple[list[str], list[tuple[int, list[object]]]]:
    with read_table(path, **options) as table:
        return table.header, list(table.rows)


# --- CSV -------------------------------------------------------------------------------------


def test_finnish_excel_csv_with_bom_and_semicolons(tmp_path: Path) -> None:
    path = tmp_path / "tilaukset.csv"
    text = (
        "Tilausnumero;Vastaanottaja;Osoite;Paino (kg)\r\n"
        "T-1;Äänekoski Oy;Mannerheimintie 5, Helsinki;1,5\r\n"
        ";;;\r\n"
        "T-2;Örö;Kuja 2;2,25\r\n"
    )
    path.write_bytes(codecs.BOM_UTF8 + text.encode("utf-8"))

    header, rows = rows_of(path)

    assert header == ["Tilausnumero", "Vastaanottaja", "Osoite", "Paino (kg)"]
    # Blank rows are skipped but counted, so row numbers are the ones Excel shows.
    assert rows == [
        (2, ["T-1", "Äänekoski Oy", "Mannerheimintie 5, Helsinki", "1,5"]),
        (4, ["T-2", "Örö", "Kuja 2", "2,25"]),
    ]


def test_semicolons_win_over_decimal_commas_that_line_up(tmp_path: Path) -> None:
    path = tmp_path / "orders.csv"
    path.write_text("Ref;Weight;Volume\nA;1,5;2,5\nB;3,5;4,5\nC;5,5;6,5\n", encoding="utf-8")

    header, rows = rows_of(path)

    assert header == ["Ref", "Weight", "Volume"]
    assert rows[0] == (2, ["A", "1,5", "2,5"])


def test_utf8_without_bom_and_tabs(tmp_path: Path) -> None:
    path = tmp_path / "orders.csv"
    path.write_text("Order ID\tName\nA-1\tSjöberg\n", encoding="utf-8")

    assert rows_of(path) == (["Order ID", "Name"], [(2, ["A-1", "Sjöberg"])])


def test_legacy_excel_export_in_windows_1252(tmp_path: Path) -> None:
    path = tmp_path / "orders.csv"
    name = "Kärkkäinen \u2013 Åström"  # the en dash is 0x96 in cp1252, invalid in UTF-8
    path.write_bytes(f"Reference,Name\nR1,{name}\n".encode("cp1252"))

    assert rows_of(path)[1] == [(2, ["R1", name])]


def test_late_non_utf8_byte_still_switches_the_whole_file_to_cp1252(tmp_path: Path) -> None:
    path = tmp_path / "orders.csv"
    body = "".join(f"R{i},Name {i}\n" for i in range(20_000))
    path.write_bytes(("Reference,Name\n" + body + "R-last,Mäki\n").encode("cp1252"))

    _, rows = rows_of(path)

    assert rows[-1] == (20_002, ["R-last", "Mäki"])


def test_text_in_neither_encoding_is_refused_with_the_place(tmp_path: Path) -> None:
    path = tmp_path / "orders.csv"
    path.write_bytes(b"Reference,Name\nR1,\xc3\x81\x8d\n")

    with pytest.raises(InvalidValue, match=r"neither UTF-8 nor Windows-1252.*offset") as caught:
        read_table(path)
    assert caught.value.field == "file"
    assert "CSV UTF-8" in caught.value.message


def test_cut_off_utf8_falls_back_to_cp1252(tmp_path: Path) -> None:
    path = tmp_path / "orders.csv"
    path.write_bytes(b"Reference,Name\nR1,M\xc3")  # the last character is cut in half

    assert rows_of(path)[1] == [(2, ["R1", "M\u00c3"])]


def test_excel_unicode_text_export(tmp_path: Path) -> None:
    path = tmp_path / "orders.csv"
    path.write_bytes("Reference\tCity\nR1\tÅbo\n".encode("utf-16"))

    assert rows_of(path) == (["Reference", "City"], [(2, ["R1", "Åbo"])])


def test_excel_sep_line_sets_the_delimiter_and_is_not_a_row(tmp_path: Path) -> None:
    path = tmp_path / "orders.csv"
    path.write_text("sep=;\nRef;Notes\nA;ring, then wait\n", encoding="utf-8")

    assert rows_of(path) == (["Ref", "Notes"], [(2, ["A", "ring, then wait"])])


def test_quoted_cell_over_several_lines_is_one_row(tmp_path: Path) -> None:
    path = tmp_path / "orders.csv"
    path.write_text('Ref,Notes\nA,"gate code 12\nsecond door"\nB,x\n', encoding="utf-8")

    _, rows = rows_of(path)

    assert rows == [(2, ["A", "gate code 12\nsecond door"]), (3, ["B", "x"])]


def test_trailing_empty_columns_are_trimmed(tmp_path: Path) -> None:
    path = tmp_path / "orders.csv"
    path.write_text("Ref,Name,,\nA,Ann,,\nB,,,\n", encoding="utf-8")

    assert rows_of(path) == (["Ref", "Name"], [(2, ["A", "Ann"]), (3, ["B"])])


def test_single_column_file(tmp_path: Path) -> None:
    path = tmp_path / "orders.csv"
    path.write_text("Reference\nA\nB\n", encoding="utf-8")

    assert rows_of(path) == (["Reference"], [(2, ["A"]), (3, ["B"])])


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "is empty"),
        (codecs.BOM_UTF8 + b"\r\n\r\n", "is empty"),
        (b";;;\n\n", "is empty"),
        (b"1;2;3\n4;5;6\n", "should name the columns"),
        (b"PK\x03\x04rest-of-zip", "rename it to .xlsx"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "old Excel .xls"),
        (b"Ref\x00Name\n", "not a text"),
    ],
)
def test_unusable_csv_files_are_refused_with_a_fix(
    tmp_path: Path, content: bytes, message: str
) -> None:
    path = tmp_path / "orders.csv"
    path.write_bytes(content)

    with pytest.raises(InvalidValue, match=message) as caught:
        read_table(path)
    assert caught.value.field == "file"


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("orders.xls", "save it from Excel as 'CSV UTF-8'"),
        ("orders.ods", "save it from Excel"),
        ("orders.json", "give a .csv or .xlsx file"),
    ],
)
def test_other_formats_are_refused(tmp_path: Path, name: str, message: str) -> None:
    path = tmp_path / name
    path.write_bytes(b"whatever")

    with pytest.raises(InvalidValue, match=message):
        read_table(path)


def test_missing_file_and_folder(tmp_path: Path) -> None:
    with pytest.raises(InvalidValue, match="does not exist"):
        read_table(tmp_path / "nope.csv")
    with pytest.raises(InvalidValue, match="does not exist"):
        read_table(tmp_path / "nope.xlsx")
    folder = tmp_path / "dir.csv"
    folder.mkdir()
    with pytest.raises(InvalidValue, match="is a folder"):
        read_table(folder)


def test_a_csv_has_no_sheets(tmp_path: Path) -> None:
    path = tmp_path / "orders.csv"
    path.write_text("Ref\nA\n", encoding="utf-8")

    with pytest.raises(InvalidValue, match="has no sheets") as caught:
        read_table(path, sheet="Orders")
    assert caught.value.field == "sheet"


def test_rows_are_read_lazily_and_the_file_closes_early(tmp_path: Path) -> None:
    path = tmp_path / "orders.csv"
    path.write_text("Ref\n" + "".join(f"R{i}\n" for i in range(1000)), encoding="utf-8")

    with read_table(path) as table:
        first = next(table.rows)

    assert first == (2, ["R0"])


# --- xlsx ------------------------------------------------------------------------------------


def write_xlsx(path: Path, sheets: dict[str, list[list[object]]]) -> None:
    book = Workbook()
    book.remove(book.active)  # type: ignore[arg-type]
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    book.save(path)


def test_xlsx_gives_typed_cells(tmp_path: Path) -> None:
    path = tmp_path / "orders.xlsx"
    write_xlsx(
        path,
        {
            "Orders": [
                ["Order ID", "Date", "From", "Due", "Weight (kg)", "Parcels", "Stop", None],
                ["A-1", date(2026, 11, 21), time(9, 0), datetime(2026, 11, 21, 12, 30), 1.5, 2],
                [None, None, None],
                ["A-2", "21.11.2026", "9-12", None, None, None, timedelta(minutes=5)],
            ]
        },
    )

    header, rows = rows_of(path)

    assert header == ["Order ID", "Date", "From", "Due", "Weight (kg)", "Parcels", "Stop"]
    assert rows == [
        (2, ["A-1", datetime(2026, 11, 21), time(9, 0), datetime(2026, 11, 21, 12, 30), 1.5, 2]),
        (4, ["A-2", "21.11.2026", "9-12", None, None, None, timedelta(minutes=5)]),
    ]


def test_xlsx_first_sheet_unless_named(tmp_path: Path) -> None:
    path = tmp_path / "orders.xlsx"
    write_xlsx(path, {"Monday": [["Ref"], ["M-1"]], "Tuesday": [["Ref"], ["T-1"]]})

    assert rows_of(path)[1] == [(2, ["M-1"])]
    assert rows_of(path, sheet="Tuesday")[1] == [(2, ["T-1"])]
    with pytest.raises(InvalidValue, match="no sheet 'Friday'; its sheets are: Monday, Tuesday"):
        read_table(path, sheet="Friday")


def test_xlsx_header_below_blank_rows_keeps_sheet_row_numbers(tmp_path: Path) -> None:
    path = tmp_path / "orders.xlsx"
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet["B3"] = "Reference"
    sheet["C3"] = "Address"
    sheet["B5"] = "R-1"
    sheet["C5"] = "Kuja 1"
    book.save(path)

    # Column A is empty, so every row starts with an empty cell.
    assert rows_of(path) == (["", "Reference", "Address"], [(5, [None, "R-1", "Kuja 1"])])


def test_xlsx_formulas_give_their_values_not_their_text(tmp_path: Path) -> None:
    # openpyxl stores no computed values, so a formula cell reads as empty (None), never as
    # the formula text "=B2*2", which would otherwise be parsed as an address or a weight.
    path = tmp_path / "orders.xlsx"
    write_xlsx(path, {"Orders": [["Ref", "Weight", "Double"], ["A", 2, "=B2*2"]]})

    assert rows_of(path)[1] == [(2, ["A", 2])]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"Ref,Name\nA,B\n", "not a readable .xlsx workbook"),
        (b"", "not a readable .xlsx workbook"),
    ],
)
def test_broken_xlsx_is_refused(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "orders.xlsx"
    path.write_bytes(content)

    with pytest.raises(InvalidValue, match=message):
        read_table(path)


def test_empty_and_headerless_xlsx(tmp_path: Path) -> None:
    empty = tmp_path / "empty.xlsx"
    write_xlsx(empty, {"Orders": []})
    numbers = tmp_path / "numbers.xlsx"
    write_xlsx(numbers, {"Orders": [[1, 2.5, date(2026, 1, 1)], [3, 4, None]]})

    with pytest.raises(InvalidValue, match="is empty"):
        read_table(empty)
    with pytest.raises(InvalidValue, match="row 1 should name the columns"):
        read_table(numbers)


# --- totals and round trips ------------------------------------------------------------------


def test_total_rows(tmp_path: Path) -> None:
    csv_path = tmp_path / "orders.csv"
    csv_path.write_text("Ref\nA\nB\nC", encoding="utf-8")  # no final newline
    xlsx_path = tmp_path / "orders.xlsx"
    write_xlsx(xlsx_path, {"Orders": [["Ref"], ["A"], ["B"]]})

    assert total_rows(csv_path) == 3
    assert total_rows(xlsx_path) == 2
    assert total_rows(tmp_path / "missing.csv") is None
    assert total_rows(tmp_path / "orders.txt") is None


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_written_tables_read_back(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"out{suffix}"
    count = write_table(path, ["Ref", "City"], [["A", "Åbo"], ["B", None], ["C", "Oulu"]])

    header, rows = rows_of(path)

    assert count == 3
    assert header == ["Ref", "City"]
    assert rows == [(2, ["A", "Åbo"]), (3, ["B"]), (4, ["C", "Oulu"])]
