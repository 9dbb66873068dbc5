"""Reading a CSV file stays in bounded memory whatever the size of its cells and rows: a row
longer than ``ImportLimits.max_row_chars`` refuses the file, naming its line and the cell where
it passed the limit, and the reader never holds more than about that much of it. Peak memory is
measured with tracemalloc (the csv module's buffers are counted too)."""

import csv
import tracemalloc

import pytest

from contact_segments.imports.errors import FileRefused
from contact_segments.imports.reading import ImportLimits, open_rows

HEADER = "Country Code,First Name,Last Name,Email\n"
MIB = 1024 * 1024
#: What reading one file may hold at most, whatever its cells: a row is at most 262,144
#: characters (the csv module keeps a cell as 4-byte characters while reading it).
BOUNDED = 8 * MIB


def _read_all(path, limits=None, counted_rows=None):
    """Open ``path`` and read every row (as the upload check and then the worker do)."""
    with open_rows(path, path.name, limits or ImportLimits(max_file_bytes=200 * MIB),
                   counted_rows=counted_rows) as result:
        return list(result.rows)


def _refusal_and_peak(read):
    """Run ``read()``, which must refuse the file; return the refusal and the peak memory."""
    tracemalloc.start()
    try:
        with pytest.raises(FileRefused) as caught:
            read()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return caught.value, peak


def _write(path, *parts):
    """Write ``parts`` to ``path``: strings, or ``(string, times)`` for a string repeated."""
    with open(path, "w") as handle:
        for part in parts:
            text, times = part if isinstance(part, tuple) else (part, 1)
            handle.write(text * times)
    return path


# (file parts, refusal code, start of the message, row count trusted from the upload check)
LONG_ROWS = {
    "8 MB cell": ([HEADER, "US,Ann,Lee,ann@example.com\nUS,Bob,", ("x", 8 * MIB),
                   ",bob@example.com\nUS,Cid,Ray,cid@example.com\n"],
                  "cell_too_long", 'Line 3: a cell (column "Last Name") has more than 2', None),
    "40 MB cell": ([HEADER, "US,Ann,Lee,ann@example.com\nUS,Bob,", ("x", 40 * MIB),
                    ",bob@example.com\n"],
                   "cell_too_long", 'Line 3: a cell (column "Last Name") has more than 2', None),
    # 16 MB over two million physical lines, in one quoted cell
    "quoted cell of short lines": ([HEADER, 'US,Ann,Lee,"', ("a note,\n", 2 * MIB),
                                    '"\nUS,Bob,Lee,bob@example.com\n'],
                                   "cell_too_long", 'Line 2: a cell (column "Email") has more than', None),
    # one row: two million cells, each over two lines
    "countless cells": ([HEADER, "US,Ann,Lee,ann@example.com,", ('"a\nb",', 2 * MIB), "\n"],
                        "row_too_long", "Line 2 has more than 262,144 characters", None),
    "huge header": (["Country Code,First Name,", ("y", 3 * MIB), "\nUS,Ann,Lee\n"],
                    "cell_too_long", "Line 1: a cell (column 3) has more than", None),
    # a worker trusts the row count of the upload check and reads the rows directly
    "rows read after a trusted count": ([HEADER, "US,Ann,Lee,ann@example.com\nUS,Bob,", ("w", 2 * MIB),
                                         ",b@example.com\n"],
                                        "cell_too_long", "Line 3: a cell", 2),
}


@pytest.mark.parametrize("parts, code, message, counted_rows", LONG_ROWS.values(), ids=LONG_ROWS.keys())
def test_a_row_over_the_limit_refuses_the_file_naming_line_and_cell_in_bounded_memory(
        tmp_path, parts, code, message, counted_rows):
    path = _write(tmp_path / "long.csv", *parts)
    refused, peak = _refusal_and_peak(lambda: _read_all(path, counted_rows=counted_rows))
    assert refused.code == code
    assert refused.message.startswith(message)
    assert "stray double quote" in refused.message
    if code == "cell_too_long":
        assert "limit of 10,000" in refused.message
    assert peak < BOUNDED, f"peak {peak / MIB:.1f} MB"


def test_the_row_limit_is_configurable_and_a_long_cell_under_it_fails_only_its_row(tmp_path):
    path = tmp_path / "limits.csv"
    path.write_text(HEADER + "US,Ann," + "z" * 5000 + ",ann@example.com\nUS,Bob,Lee,bob@example.com\n")
    limits = ImportLimits(max_cell_chars=1000, max_row_chars=8000)
    first, second = _read_all(path, limits)
    assert [problem.code for problem in first.problems] == ["cell_too_long"]
    assert second.problems == []
    with pytest.raises(FileRefused) as caught:
        _read_all(path, ImportLimits(max_cell_chars=1000, max_row_chars=4000))
    assert caught.value.code == "cell_too_long" and "Line 2" in caught.value.message


def test_a_long_first_line_does_not_break_the_delimiter_detection(tmp_path):
    """The csv module's own field limit (131,072 characters unless raised) is never met as a
    crash: a first line with a longer cell is read and refused like any other file."""
    path = tmp_path / "wide.csv"
    path.write_text("Country Code;First Name;" + "v" * 200_000 + "\nUS;Ann;Lee\n")
    previous = csv.field_size_limit(131_072)
    try:
        with pytest.raises(FileRefused) as caught:
            _read_all(path)
    finally:
        csv.field_size_limit(previous)
    assert caught.value.code in ("missing_column", "cell_too_long")


def test_rows_within_the_limits_read_as_before(tmp_path):
    path = tmp_path / "fine.csv"
    note = "Called on Monday, left a message\n" * 30
    path.write_text(f'sep=,\n{HEADER.strip()},Notes\nUS,Ann,Lee,ann@example.com,"{note}"\n'
                    "US,Bob,Lee,bob@example.com,\n")
    first, second = _read_all(path)
    assert (first.line, second.line) == (2, 3)
    assert first.raw[4] == note and first.problems == [] and second.cells["first_name"] == "Bob"


_XLSX_PARTS = {
    "[Content_Types].xml": (
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
        "</Types>"),
    "_rels/.rels": (
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
        "</Relationships>"),
    "xl/workbook.xml": (
        '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        '<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'),
    "xl/_rels/workbook.xml.rels": (
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
        '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>'
        "</Relationships>"),
}


def _xlsx_with_long_cell(tmp_path, megabytes, inline):
    """A workbook (written part by part, as a program may write one) whose cell C3 holds
    ``megabytes`` MB of text that does not compress, as a shared string or inline in the sheet.
    Excel itself never writes a cell over 32,767 characters."""
    import base64
    import os
    import zipfile

    big = base64.b64encode(os.urandom(megabytes * MIB * 3 // 4)).decode()
    rows = [["Country Code", "First Name", "Last Name", "Email"],
            ["US", "Ann", "Lee", "ann@example.com"], ["US", "Bob", big, "bob@example.com"]]
    strings, cells = [], []
    for number, row in enumerate(rows, start=1):
        row_cells = []
        for column, value in zip("ABCD", row):
            if inline and value is big:
                row_cells.append(f'<c r="{column}{number}" t="inlineStr"><is><t>{value}</t></is></c>')
            else:
                row_cells.append(f'<c r="{column}{number}" t="s"><v>{len(strings)}</v></c>')
                strings.append(value)
        cells.append(f'<row r="{number}">{"".join(row_cells)}</row>')
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    parts = {**_XLSX_PARTS,
             "xl/worksheets/sheet1.xml": f'<worksheet xmlns="{main}"><sheetData>{"".join(cells)}</sheetData></worksheet>',
             "xl/sharedStrings.xml": f'<sst xmlns="{main}">{"".join(f"<si><t>{text}</t></si>" for text in strings)}</sst>'}
    path = tmp_path / "long.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in parts.items():
            archive.writestr(name, content)
    return path


def test_a_workbook_written_part_by_part_reads_as_usual(tmp_path):
    path = _xlsx_with_long_cell(tmp_path, 0, inline=False)
    first, second = _read_all(path)
    assert (first.line, first.cells["first_name"], second.cells["email"]) == (2, "Ann", "bob@example.com")


@pytest.mark.parametrize("inline", [False, True], ids=["shared-string", "inline-string"])
def test_an_xlsx_cell_longer_than_a_row_refuses_the_file_in_bounded_memory(tmp_path, inline):
    path = _xlsx_with_long_cell(tmp_path, 8, inline)
    refused, peak = _refusal_and_peak(lambda: _read_all(path))
    assert refused.code == "cell_too_long"
    assert refused.message.startswith("Line 3: a cell (column 3) has more than 8,")
    assert peak < BOUNDED, f"peak {peak / MIB:.1f} MB reading an 8 MB .xlsx cell"
