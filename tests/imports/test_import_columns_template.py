"""Header mapping, the example template and safe CSV output."""

import csv
import io

import pytest
from openpyxl import load_workbook

from contact_segments.csv_safety import safe_cell, safe_row, write_csv_rows
from contact_segments.imports.columns import COLUMNS, HEADER_ALIASES, header_key, map_header
from contact_segments.imports.errors import FileRefused
from contact_segments.imports.reading import open_rows
from contact_segments.imports.template import EXAMPLE_ROW, template_csv, template_xlsx
from contact_segments.imports.validation import validate_row

TEMPLATE = [column.header for column in COLUMNS]


def test_template_columns_in_order():
    assert TEMPLATE == ["Country Code", "First Name", "Last Name", "Mobile Number", "Email",
                        "Account Number", "Organization", "External ID", "Segments"]


def test_header_key_ignores_case_spaces_punctuation_accents():
    assert header_key(" Código do País ") == header_key("CODIGO_DO_PAIS") == "codigodopais"
    assert header_key("E-mail") == header_key("email")


@pytest.mark.parametrize("cells, field", [
    (["country", "FIRST NAME", "last_name", "Phone"], "mobile"),
    (["Código do país", "Nome", "Sobrenome", "Celular"], "mobile"),
    (["Country Code", "First Name", "Last Name", "E-mail"], "email"),
    (["Country", "First Name", "Last Name", "Mobile"], "mobile"),
])
def test_aliases(cells, field):
    header = map_header(cells)
    assert header.index == {"country_code": 0, "first_name": 1, "last_name": 2, field: 3}
    assert header.extra == []


# A whole header row as each language's spreadsheet would have it (the file a French, German,
# Spanish, Italian or Polish dealership exports from its own CRM).
FULL_HEADERS = {
    "fr": ["Code pays", "Prénom", "Nom", "Numéro de portable", "Courriel", "Numéro de compte",
           "Société", "Identifiant externe", "Segments"],
    "de": ["Land", "Vorname", "Nachname", "Handynummer", "E-Mail-Adresse", "Kundennummer", "Firma",
           "Externe ID", "Segmente"],
    "es": ["País", "Nombre", "Apellidos", "Móvil", "Correo electrónico", "Número de cuenta",
           "Empresa", "ID externo", "Segmentos"],
    "it": ["Codice paese", "Nome", "Cognome", "Cellulare", "Indirizzo e-mail", "Codice cliente",
           "Azienda", "ID esterno", "Segmenti"],
    "pl": ["Kod kraju", "IMIĘ", "nazwisko", "Telefon komórkowy", "Adres e-mail", "Numer klienta",
           "Przedsiębiorstwo", "Identyfikator zewnętrzny", "Segmenty"],
}


@pytest.mark.parametrize("language", sorted(FULL_HEADERS))
def test_a_header_row_in_each_dashboard_language_maps_every_column(language):
    header = map_header(FULL_HEADERS[language])
    assert header.index == {column.key: position for position, column in enumerate(COLUMNS)}
    assert header.extra == []


def test_extra_columns_are_reported_and_trailing_blank_headers_dropped():
    header = map_header(TEMPLATE + ["Notes", "", "Birthday", "", ""])
    assert header.extra == ["Notes", "Birthday"]
    assert header.width == 12
    assert header.index["segments"] == 8


def test_missing_columns_are_all_named():
    with pytest.raises(FileRefused) as caught:
        map_header(["First Name", "Notes"])
    error = caught.value
    assert error.code == "missing_column"
    for name in ('"Country Code"', '"Last Name"', '"Mobile Number or Email"'):
        assert name in error.message
    assert "'Notes'" in error.message


def test_one_contact_column_is_enough():
    assert "email" in map_header(["Country Code", "First Name", "Last Name", "Email"]).index


def test_duplicate_columns_are_refused():
    with pytest.raises(FileRefused) as caught:
        map_header(["Country Code", "First Name", "Last Name", "Email", "E-mail"])
    assert caught.value.code == "duplicate_column"
    assert "Email ('Email', 'E-mail')" in caught.value.message


def test_every_language_names_only_known_fields():
    keys = {column.key for column in COLUMNS}
    for aliases in HEADER_ALIASES.values():
        assert set(aliases) <= keys


def test_template_csv_reads_back_valid():
    data = template_csv()
    assert data.startswith(b"\xef\xbb\xbf")
    assert data.count(b"\r\n") == 2
    with open_rows(io.BytesIO(data), "example.csv") as result:
        assert result.encoding == "utf-8-sig"
        [row] = list(result.rows)
    assert row.cells["mobile"] == "(415) 555-2671"
    validated = validate_row(row)
    assert validated.errors == []
    assert validated.mobile == "+14155552671"
    assert validated.segment_names == ["Service Plan", "Downtown Store"]


def test_template_xlsx_first_sheet_is_read_and_has_instructions():
    data = template_xlsx()
    workbook = load_workbook(io.BytesIO(data))
    assert workbook.sheetnames == ["Contacts", "Instructions"]
    text = " ".join(str(c.value) for r in workbook["Instructions"].iter_rows() for c in r if c.value)
    for rule in ("two-letter ISO", "+1", "without the calling code", "Mobile Number or an Email",
                 "semicolon", "must already exist", "Replace existing segment data"):
        assert rule in text
    with open_rows(io.BytesIO(data), "example.xlsx") as result:
        [row] = list(result.rows)
    assert [row.cells[c.key] for c in COLUMNS] == list(EXAMPLE_ROW)


@pytest.mark.parametrize("value, expected", [
    ("=1+1", "'=1+1"), ("+SUM(A1)", "'+SUM(A1)"), ("-2+3", "'-2+3"), ("@cmd", "'@cmd"),
    ("\tx", "'\tx"), ("\rx", "'\rx"), ("+1 415 555", "'+1 415 555"), ("-", "'-"),
    ("+5511987654321", "+5511987654321"), ("-12.5", "-12.5"), ("+12", "+12"),
    ("Jane", "Jane"), ("", ""), (None, ""), (42, "42"), ("a=b", "a=b"),
])
def test_safe_cell(value, expected):
    assert safe_cell(value) == expected


SAFE_CELL_CASES = ["=1+1", "+SUM(A1)", "-2+3", "@cmd", "\tx", "\rx", "+1 415 555", "-",
                   "+5511987654321", "-12.5", "Jane", "", None, 42, "a=b", "x\n=y", "a\x00=b"]


@pytest.mark.parametrize("position", [0, 1, 5])
def test_safe_row_makes_each_cell_what_safe_cell_makes_it(position):
    plain = ["Jane", "Doe", 7, None, "ann@example.com", "Store; VIP"]
    for risky in SAFE_CELL_CASES:
        row = plain[:position] + [risky] + plain[position:]
        assert safe_row(row) == [safe_cell(cell) for cell in row], row
    assert safe_row(plain) == ["Jane", "Doe", "7", "", "ann@example.com", "Store; VIP"]


def test_write_csv_rows_neutralizes_and_round_trips_phone_numbers():
    buffer = io.StringIO(newline="")
    count = write_csv_rows(buffer, ["Line", "Mobile", "Reason"],
                           [[2, "+14155552671", "=HYPERLINK(\"x\")"], [3, None, "ok, done"]])
    assert count == 2
    rows = list(csv.reader(io.StringIO(buffer.getvalue(), newline="")))
    assert rows == [["Line", "Mobile", "Reason"], ["2", "+14155552671", "'=HYPERLINK(\"x\")"],
                    ["3", "", "ok, done"]]
