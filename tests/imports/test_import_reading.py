"""Reading real files: encodings, delimiters, line endings, quoted line breaks, .xlsx."""

import datetime
import io
import pathlib
import tracemalloc

import pytest
from openpyxl import Workbook

from contact_segments.imports.errors import FileRefused
from contact_segments.imports.encoding import detect_encoding, guess_legacy_encoding
from contact_segments.imports.reading import ImportLimits, count_rows, open_rows

CORPUS = pathlib.Path(__file__).parent / "corpus"
HEADER = ["Country Code", "First Name", "Last Name", "Mobile Number", "Email", "Segments"]
ROWS = [
    ["BR", "João", "Conceição", "11 98765-4321", "joao@example.com", "Loja Centro; VIP"],
    ["US", "Zoë", "O'Brien", "(415) 555-2671", "zoe@example.com", "Service Plan"],
]


def _csv_text(rows, delimiter, newline="\r\n"):
    def cell(value):
        if any(ch in value for ch in (delimiter, '"', "\n", "\r")):
            return '"' + value.replace('"', '""') + '"'
        return value
    return "".join(delimiter.join(cell(c) for c in row) + newline for row in rows)


def _read(data, name="contacts.csv", limits=None):
    with open_rows(io.BytesIO(data), name, limits) as result:
        return result, list(result.rows)


@pytest.mark.parametrize("encoding, expected", [
    ("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"), ("utf-16", "utf-16"),
    ("utf-16-be", "utf-16-be"), ("cp1252", "cp1252"),
])
@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_encodings_and_delimiters(encoding, expected, delimiter):
    data = _csv_text([HEADER] + ROWS, delimiter).encode(encoding)
    if encoding == "utf-16-be":
        data = b"\xfe\xff" + data
        expected = "utf-16"
    result, rows = _read(data)
    assert result.encoding == expected
    assert result.delimiter == delimiter
    assert result.total_rows == 2
    assert [row.line for row in rows] == [2, 3]
    assert rows[0].cells["first_name"] == "João"
    assert rows[0].cells["last_name"] == "Conceição"
    assert rows[0].cells["segments"] == "Loja Centro; VIP"
    assert rows[1].cells["first_name"] == "Zoë"


def test_windows_1250_polish_file():
    data = _csv_text([HEADER, ["PL", "Paweł", "Wiśniewski", "600 123 456", "p@example.pl", ""],
                      ["PL", "Zofia", "Wójcik", "", "z@example.pl", "Łódź"]], ";").encode("cp1250")
    result, rows = _read(data)
    assert result.encoding == "cp1250"
    assert rows[0].cells["first_name"] == "Paweł"
    assert rows[1].cells["segments"] == "Łódź"


@pytest.mark.parametrize("text, encoding", [
    ("João Conceição São Paulo", "cp1252"), ("Hélène Lefèvre François", "cp1252"),
    ("Jürgen Groß Köln", "cp1252"), ("Paweł Wiśniewski Kraków Łódź", "cp1250"),
    ("Jiří Dvořák", "cp1250"), ("Zażółć gęślą jaźń", "cp1250"),
])
def test_guess_legacy_encoding(text, encoding):
    assert guess_legacy_encoding(text.encode(encoding)) == encoding


def test_utf16_tab_file_without_bom_is_detected():
    data = _csv_text([HEADER] + ROWS, "\t").encode("utf-16-le")
    result, rows = _read(data)
    assert result.encoding == "utf-16-le"
    assert rows[1].cells["last_name"] == "O'Brien"


def test_utf8_file_with_stray_cp1252_bytes_is_read_not_refused():
    text = _csv_text([HEADER] + ROWS, ",")
    data = text.encode("utf-8") + "US,Renée,Doe,,r@example.com,\r\n".encode("cp1252")
    result, rows = _read(data)
    assert result.encoding == "utf-8"
    assert rows[0].cells["first_name"] == "João"
    assert rows[2].cells["first_name"] == "Renée"


def test_non_utf8_bytes_only_after_the_sniffed_head():
    filler = _csv_text([["US", f"N{i}", "Doe", "", f"n{i}@example.com", ""] for i in range(40000)], ",")
    data = (_csv_text([HEADER], ",") + filler).encode() + "BR,Conceição,Silva,,c@example.com,\r\n".encode("cp1252")
    assert len(data) > 1024 * 1024
    result, rows = _read(data)
    assert rows[-1].cells["first_name"] == "Conceição"
    assert result.total_rows == 40001


@pytest.mark.parametrize("newline", ["\r\n", "\n", "\r"])
def test_line_endings_and_quoted_line_breaks_keep_spreadsheet_line_numbers(newline):
    rows = [HEADER,
            ["US", "Ann", f"Lee{newline}Junior", "", "ann@example.com", ""],
            ["", "", "", "", "", ""],
            ["US", "Bob", "Ray", "", "bob@example.com", f"A;{newline}B{newline}C"],
            ["US", "Cy", "Day", "", "cy@example.com", ""]]
    data = (_csv_text(rows, ",", newline) + newline + newline).encode()
    result, got = _read(data)
    # records, not physical lines: the blank row 4 is skipped but keeps its number
    assert [row.line for row in got] == [2, 4, 5]
    assert result.total_rows == 3
    assert got[0].cells["last_name"] == f"Lee{newline}Junior"
    assert got[2].cells["first_name"] == "Cy"


def test_blank_lines_and_spaces_are_skipped_and_stripped():
    data = ("\r\n" + ",".join(HEADER) + "\r\n  US , Ann ,  Lee ,, ann@example.com ,\r\n"
            " , ,\r\n\r\nUS,Bob,Ray,,bob@example.com,\r\n\r\n\r\n").encode()
    result, rows = _read(data)
    assert result.header_line == 2
    assert [row.line for row in rows] == [3, 6]
    assert rows[0].cells == {"country_code": "US", "first_name": "Ann", "last_name": "Lee",
                             "mobile": "", "email": "ann@example.com", "segments": ""}


def test_excel_sep_line_sets_delimiter_and_is_not_a_row():
    data = ("sep=;\r\n" + _csv_text([HEADER] + ROWS, ";")).encode()
    result, rows = _read(data)
    assert result.delimiter == ";"
    assert result.header_line == 1
    assert [row.line for row in rows] == [2, 3]


def test_delimiter_choice_prefers_known_headers():
    # commas inside header names must not win over the real ";" delimiter
    data = "Country Code;First Name;Last Name;Email;Notes, misc, more\r\nUS;A;B;a@example.com;x\r\n"
    result, rows = _read(data.encode())
    assert result.delimiter == ";"
    assert result.header.extra == ["Notes, misc, more"]


def test_fewer_cells_than_header_are_blank():
    data = (",".join(HEADER) + "\nUS,Ann,Lee\n").encode()
    _, [row] = _read(data)
    assert row.problems == []
    assert row.cells["email"] == "" and row.cells["mobile"] == ""


def test_trailing_empty_cells_beyond_header_are_not_a_problem():
    data = (",".join(HEADER) + ",,,\nUS,Ann,Lee,,a@example.com,,,,,\n").encode()
    _, [row] = _read(data)
    assert row.problems == []


def test_semicolon_file_with_unquoted_segments_points_at_quoting():
    data = (";".join(HEADER) + "\r\nUS;Ann;Lee;;a@example.com;A; B\r\n").encode()
    _, [row] = _read(data)
    [problem] = row.problems
    assert problem.code == "too_many_cells"
    assert "Line 2 has 7 cells but the header has 6" in problem.message
    assert '"Segment 1; Segment 2"' in problem.message


def test_header_aliases_in_portuguese():
    data = ("Código do País;Nome;Sobrenome;Número de celular;E-mail;Número da conta;"
            "Organização;ID externo;Segmentos;Observações\r\n"
            "BR;Ana;Silva;11 98765-4321;ana@example.com;123;Loja;X-1;VIP;nada\r\n").encode("cp1252")
    result, [row] = _read(data)
    assert result.encoding == "cp1252"
    assert set(result.header.index) == {
        "country_code", "first_name", "last_name", "mobile", "email", "account_number",
        "organization", "external_id", "segments"}
    assert result.header.extra == ["Observações"]
    assert row.cells["organization"] == "Loja" and row.cells["external_id"] == "X-1"


def test_stream_is_read_from_the_start_and_left_open():
    stream = io.BytesIO(_csv_text([HEADER] + ROWS, ",").encode())
    stream.read(10)
    with open_rows(stream, "c.csv") as result:
        assert len(list(result.rows)) == 2
    assert not stream.closed


def test_non_seekable_stream_is_accepted():
    class Pipe(io.RawIOBase):
        def __init__(self, data):
            self._data = io.BytesIO(data)

        def readable(self):
            return True

        def readinto(self, buffer):
            chunk = self._data.read(len(buffer))
            buffer[:len(chunk)] = chunk
            return len(chunk)

    with open_rows(Pipe(_csv_text([HEADER] + ROWS, ",").encode()), "c.csv") as result:
        assert [row.cells["first_name"] for row in result.rows] == ["João", "Zoë"]


def test_iter_rows_resumes_after_a_line(tmp_path):
    path = tmp_path / "c.csv"
    path.write_text(",".join(HEADER) + "\n" + "".join(f"US,N{i},D,,n{i}@example.com,\n" for i in range(10)))
    with open_rows(path, "c.csv") as result:
        assert count_rows(path, "c.csv") == 10
        assert [row.line for row in result.iter_rows(start_after_line=8)] == [9, 10, 11]


def test_rows_stream_in_constant_memory(tmp_path):
    path = tmp_path / "many.csv"
    with open(path, "w", newline="") as fh:
        fh.write(",".join(HEADER) + "\r\n")
        for i in range(30_000):
            fh.write(f"US,Name{i},Doe,(415) 555-{i % 10000:04d},n{i}@example.com,VIP\r\n")
    tracemalloc.start()
    try:
        with open_rows(path, "many.csv") as result:
            assert result.total_rows == 30_000
            tracemalloc.reset_peak()  # opening holds a bounded 1 MiB sniff buffer; rows must not add up
            count = sum(1 for _ in result.rows)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == 30_000
    assert peak < 2 * 1024 * 1024, peak  # a list of 30,000 rows would take ~30 MB


def _xlsx(rows, extra_sheet=False):
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    if extra_sheet:
        other = workbook.create_sheet("Other")
        other.append(["not", "read"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_xlsx_values_become_text_and_first_sheet_only():
    data = _xlsx([
        ["Country Code", "First Name", "Last Name", "Mobile Number", "Account Number", "External ID", "Organization"],
        ["BR", "Ana", "Silva", 5511987654321.0, 1001, datetime.datetime(2024, 1, 31), 12.5],
        [None, None, None, None],
        ["US", "Bob", " Ray ", "(415) 555-2671", True, datetime.datetime(2024, 1, 31, 9, 30), None],
    ], extra_sheet=True)
    result, rows = _read(data, "contacts.xlsx")
    assert (result.encoding, result.delimiter, result.kind) == ("xlsx", None, "xlsx")
    assert result.total_rows == 2
    assert [row.line for row in rows] == [2, 4]
    assert rows[0].cells["mobile"] == "5511987654321"
    assert rows[0].cells["account_number"] == "1001"
    assert rows[0].cells["external_id"] == "2024-01-31"
    assert rows[0].cells["organization"] == "12.5"
    assert rows[1].cells["last_name"] == "Ray"
    assert rows[1].cells["account_number"] == "TRUE"
    assert rows[1].cells["external_id"] == "2024-01-31 09:30:00"


def test_xlsx_too_many_cells_and_missing_columns():
    data = _xlsx([["Country Code", "First Name", "Last Name", "Email"],
                  ["US", "A", "B", "a@example.com", None, "stray"]])
    _, [row] = _read(data, "c.xlsx")
    assert [p.code for p in row.problems] == ["too_many_cells"]
    with pytest.raises(FileRefused) as caught:
        _read(_xlsx([["Nome", "Email"], ["A", "a@example.com"]]), "c.xlsx")
    assert caught.value.code == "missing_column"
    assert '"Country Code"' in caught.value.message and '"Last Name"' in caught.value.message


def test_xlsx_header_only_is_no_rows():
    with pytest.raises(FileRefused) as caught:
        _read(_xlsx([["Country Code", "First Name", "Last Name", "Email"]]), "c.xlsx")
    assert caught.value.code == "no_rows"


def test_detect_encoding_refuses_binary():
    with pytest.raises(FileRefused) as caught:
        detect_encoding(bytes(range(256)) * 8)
    assert caught.value.code == "not_a_spreadsheet"


def test_cell_limit_is_configurable():
    data = (",".join(HEADER) + "\nUS,Ann,Lee,,a@example.com,\n").encode()
    _, [row] = _read(data, limits=ImportLimits(max_cell_chars=10))
    [problem] = row.problems
    assert problem.code == "cell_too_long" and problem.column == "Email"


def test_xlsx_fast_count_agrees_with_the_rows():
    from contact_segments.imports.upload_source import UploadSource
    from contact_segments.imports.xlsx_row_count import count_xlsx_rows

    workbook = Workbook()
    sheet = workbook.active
    sheet.append([None])
    sheet.append(["Country Code", "First Name", "Last Name", "Email"])
    sheet.append(["US", "A", "B", "a@example.com"])
    sheet.append(["  ", None, "   "])            # spaces only: blank
    sheet.append([None, "=CONCAT(A1,B1)"])        # formula without a cached value: blank
    sheet["A10"] = "US"                           # a row after a gap
    sheet["B11"] = 0                              # zero is a value
    buffer = io.BytesIO()
    workbook.save(buffer)
    data = buffer.getvalue()
    result, rows = _read(data, "c.xlsx")
    assert result.header_line == 2
    assert [row.line for row in rows] == [3, 10, 11]
    assert result.total_rows == 3
    assert count_xlsx_rows(UploadSource(io.BytesIO(data), ImportLimits())) == 4  # header included
    with pytest.raises(FileRefused) as caught:
        _read(data, "c.xlsx", ImportLimits(max_rows=2))
    assert caught.value.code == "too_many_rows"


def test_a_count_from_the_uploads_check_is_trusted_within_the_limit():
    """A worker preparing a file the upload already checked does not count its rows again: the
    reading stops at the header, and the rows that follow are all read by iter_rows."""
    data = _csv_text([HEADER] + ROWS * 3, ",").encode()
    with open_rows(io.BytesIO(data), "contacts.csv") as checked:
        assert checked.total_rows == 6
    # Told a count, the reader does not read on to count: a quote left open to the end of the
    # file, which only the counting pass finds, is not seen (the upload's check refused it).
    unclosed = (CORPUS / "unbalanced_quote_at_end.csv").read_bytes()
    with pytest.raises(FileRefused) as caught:
        open_rows(io.BytesIO(unclosed), "contacts.csv")
    assert caught.value.code == "unbalanced_quote"
    with open_rows(io.BytesIO(unclosed), "contacts.csv", counted_rows=2) as trusted:
        assert trusted.total_rows == 2 and trusted.header.index["email"] == 4
        assert [row.line for row in trusted.rows] == [2, 3]
    # A count over this reader's limit is counted again, so the limit still refuses the file.
    with pytest.raises(FileRefused) as caught:
        open_rows(io.BytesIO(data), "contacts.csv", ImportLimits(max_rows=5), counted_rows=6)
    assert caught.value.code == "too_many_rows"
