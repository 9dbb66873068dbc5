"""Every bad file of the corpus gets the right refusal (or row problem) and a useful message."""

import io
import os
import zipfile

import pytest

from contact_segments.imports.errors import FileRefused
from contact_segments.imports.reading import ImportLimits, open_rows

CORPUS = os.path.join(os.path.dirname(__file__), "corpus")

REFUSED = {
    "empty.csv": "empty_file",
    "whitespace_only.csv": "empty_file",
    "header_only.csv": "no_rows",
    "header_and_blank_rows.csv": "no_rows",
    "png_renamed.csv": "not_a_spreadsheet",
    "pdf_renamed.csv": "not_a_spreadsheet",
    "xlsx_renamed.csv": "not_a_spreadsheet",
    "binary_noise.csv": "not_a_spreadsheet",
    "old_excel.xls": "unsupported_file_type",
    "contacts.ods": "unsupported_file_type",
    "csv_renamed.xlsx": "not_a_spreadsheet",
    "truncated.xlsx": "corrupt_xlsx",
    "missing_columns.csv": "missing_column",
    "duplicate_columns.csv": "duplicate_column",
    "unbalanced_quote_at_end.csv": "unbalanced_quote",
}

#: What the message must mention (what is wrong, and how to fix it).
MESSAGE_HINTS = {
    "png_renamed.csv": ("PNG", "Save As"),
    "xlsx_renamed.csv": ("rename it to .xlsx",),
    "old_excel.xls": (".xls", ".xlsx"),
    "truncated.xlsx": ("damaged", "save it again"),
    "missing_columns.csv": ('"Country Code"', '"First Name"', '"Last Name"', "example file"),
    "duplicate_columns.csv": ("First Name", "'Nome'"),
    "unbalanced_quote_at_end.csv": ("Line 3", "double quote"),
    "header_only.csv": ("no contacts",),
}


def test_corpus_files_are_all_covered():
    on_disk = {name for name in os.listdir(CORPUS) if not name.endswith(".py")}
    assert on_disk == set(REFUSED) | {
        "too_many_cells.csv", "nul_bytes.csv", "unbalanced_quote_closed_later.csv",
        "formula_cells.csv",
    }


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_bad_file_is_refused_with_code_and_message(name):
    with pytest.raises(FileRefused) as caught:
        open_rows(os.path.join(CORPUS, name), name)
    assert caught.value.code == REFUSED[name]
    assert len(caught.value.message) > 40
    for hint in MESSAGE_HINTS.get(name, ()):
        assert hint in caught.value.message


def _rows(name, limits=None):
    with open_rows(os.path.join(CORPUS, name), name, limits) as result:
        return result, list(result.rows)


def test_too_many_cells_fails_only_that_row():
    result, rows = _rows("too_many_cells.csv")
    assert [row.line for row in rows] == [2, 3]
    assert rows[0].problems == []
    [problem] = rows[1].problems
    assert problem.code == "too_many_cells"
    assert problem.message.startswith("Line 3 has 10 cells but the header has 9")
    assert "unquoted delimiter" in problem.message


def test_nul_bytes_are_removed_with_a_warning():
    _, [row] = _rows("nul_bytes.csv")
    assert row.cells["first_name"] == "Jane"
    assert row.problems == []
    assert [w.code for w in row.warnings] == ["nul_removed"]
    assert row.warnings[0].column == "First Name"


def test_quote_closed_rows_later_fails_the_row_where_it_opened():
    result, rows = _rows("unbalanced_quote_closed_later.csv")
    assert [row.line for row in rows] == [2, 3, 4]
    assert rows[0].problems == [] and rows[2].problems == []
    assert rows[2].cells["first_name"] == "After"
    [problem] = rows[1].problems
    assert problem.code == "unbalanced_quote"
    assert problem.line == 3 and "Line 3" in problem.message


def test_formula_cells_are_plain_text():
    _, [row] = _rows("formula_cells.csv")
    assert row.problems == []
    assert row.cells["first_name"] == '=HYPERLINK("http://x.test")'
    assert row.cells["last_name"] == "+Doe"
    assert row.cells["external_id"] == "=1+1"


def test_ten_megabyte_cell_refuses_the_file_naming_line_and_column(tmp_path):
    path = tmp_path / "big_cell.csv"
    big = "x" * (10 * 1024 * 1024)
    path.write_text("Country Code,First Name,Last Name,Email\r\n"
                    f"US,{big},Doe,a@example.com\r\nUS,Ann,Lee,ann@example.com\r\n")
    with pytest.raises(FileRefused) as caught:
        open_rows(path, "big_cell.csv", ImportLimits(max_file_bytes=20 * 2**20))
    assert caught.value.code == "cell_too_long"
    assert caught.value.message.startswith('Line 2: a cell (column "First Name") has more than 262,')
    assert "limit of 10,000" in caught.value.message


def test_quoted_ten_megabyte_cell_refuses_the_file(tmp_path):
    path = tmp_path / "big_quoted.csv"
    big = "line,\n" * (2 * 1024 * 1024)
    path.write_text(f'Country Code,First Name,Last Name,Email\nUS,Ann,"{big}",a@example.com\n'
                    "US,Bob,Lee,bob@example.com\n")
    with pytest.raises(FileRefused) as caught:
        open_rows(path, "big_quoted.csv", ImportLimits(max_file_bytes=20 * 2**20))
    assert caught.value.code == "cell_too_long"
    assert caught.value.message.startswith('Line 2: a cell (column "Last Name")')


def test_cell_over_the_cell_limit_within_the_row_limit_is_a_row_problem(tmp_path):
    path = tmp_path / "long_cell.csv"
    long = "x" * 50_000
    path.write_text("Country Code,First Name,Last Name,Email\r\n"
                    f"US,{long},Doe,a@example.com\r\nUS,Ann,Lee,ann@example.com\r\n")
    with open_rows(path, "long_cell.csv") as result:
        rows = list(result.rows)
    assert [row.line for row in rows] == [2, 3]
    [problem] = rows[0].problems
    assert problem.code == "cell_too_long" and problem.column == "First Name"
    assert "50,000 characters" in problem.message and "10,000" in problem.message
    assert len(rows[0].cells["first_name"]) == 10_000
    assert rows[1].problems == []


def test_long_multi_line_note_is_not_taken_for_an_unclosed_quote(tmp_path):
    note = "Called on Monday, left a message\n" * 30
    path = tmp_path / "notes.csv"
    path.write_text(f'Country Code,First Name,Last Name,Email,Notes\nUS,Ann,Lee,a@example.com,"{note}"\n'
                    "US,Bob,Lee,bob@example.com,\n")
    with open_rows(path, "notes.csv") as result:
        rows = list(result.rows)
    assert [(row.line, row.problems) for row in rows] == [(2, []), (3, [])]


def test_file_over_size_limit_is_refused_before_reading(tmp_path):
    path = tmp_path / "big.csv"
    path.write_text("Country Code,First Name,Last Name,Email\n" + "US,A,B,a@example.com\n" * 100)
    with pytest.raises(FileRefused) as caught:
        open_rows(path, "big.csv", ImportLimits(max_file_bytes=1024))
    assert caught.value.code == "file_too_large"
    assert "1 KB" in caught.value.message


def test_too_many_rows_is_refused_with_the_limit(tmp_path):
    path = tmp_path / "rows.csv"
    path.write_text("Country Code,First Name,Last Name,Email\n" + "US,A,B,a@example.com\n" * 11)
    with pytest.raises(FileRefused) as caught:
        open_rows(path, "rows.csv", ImportLimits(max_rows=10))
    assert caught.value.code == "too_many_rows"
    assert "10 rows" in caught.value.message
    with open_rows(path, "rows.csv", ImportLimits(max_rows=11)) as result:
        assert result.total_rows == 11


def _zip_bomb(members):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        for index in range(members):
            archive.writestr(f"xl/worksheets/sheet{index + 1}.xml", b"\x00" * (30 * 2**20))
    return buffer.getvalue()


@pytest.mark.parametrize("limits, reason", [
    (None, "compressed more than 100 times"),
    (ImportLimits(max_xlsx_uncompressed_bytes=10 * 2**20), "over the limit of 10 MB"),
])
def test_zip_bomb_xlsx_is_refused_before_openpyxl(limits, reason):
    data = _zip_bomb(1)
    assert len(data) < 100_000
    with pytest.raises(FileRefused) as caught:
        open_rows(io.BytesIO(data), "bomb.xlsx", limits)
    assert caught.value.code == "xlsx_too_large"
    assert reason in caught.value.message


def test_unsupported_extension_is_refused(tmp_path):
    path = tmp_path / "contacts.json"
    path.write_text('{"a": 1}')
    with pytest.raises(FileRefused) as caught:
        open_rows(path, "contacts.json")
    assert caught.value.code == "unsupported_file_type"
    assert ".json" in caught.value.message
