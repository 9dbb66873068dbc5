"""Row validation: countries, typed phone numbers, emails, required cells, lengths, segments."""

import random

import email_validator
import pytest

from contact_segments.imports.errors import RowIssue
from contact_segments.imports.rows import SourceRow
from contact_segments.imports.validation import (
    is_country_code, normalize_email, split_segment_names, validate_row, validate_rows,
)


def _row(line=2, **cells):
    base = {"country_code": "US", "first_name": "Jane", "last_name": "Doe", "mobile": "",
            "email": "", "account_number": "", "organization": "", "external_id": "",
            "segments": ""}
    base.update(cells)
    return SourceRow(line, base, list(base.values()))


def _codes(row):
    return [issue.code for issue in row.errors]


@pytest.mark.parametrize("country, typed, e164", [
    ("US", "(415) 555-2671", "+14155552671"),
    ("US", "415.555.2671", "+14155552671"),
    ("us", "415-555-2671", "+14155552671"),
    ("US", "+1 415 555 2671", "+14155552671"),
    ("US", "1 (415) 555-2671", "+14155552671"),
    ("CA", "(416) 555-0123", "+14165550123"),
    ("CA", "604.555.0199", "+16045550199"),
    ("BR", "11 98765-4321", "+5511987654321"),
    ("BR", "(11) 98765-4321", "+5511987654321"),
    ("BR", "+55 11 98765-4321", "+5511987654321"),
    ("BR", "5511987654321", "+5511987654321"),
    ("AU", "0412 345 678", "+61412345678"),
    ("AU", "+61 412 345 678", "+61412345678"),
    ("AU", "412345678", "+61412345678"),
    ("BR", "+1 (415) 555-2671", "+14155552671"),  # a US number on a BR row, typed with +1
])
def test_typed_mobile_numbers_become_e164(country, typed, e164):
    row = validate_row(_row(country_code=country, mobile=typed))
    assert row.errors == []
    assert row.mobile == e164
    assert row.country_code == country.upper()


@pytest.mark.parametrize("country, typed", [
    ("US", "555-2671"), ("US", "(415) 555-267"), ("BR", "1234"), ("AU", "0412 345"),
    ("CA", "12345678901234"), ("US", "not a number"), ("BR", "5.51199E+12"),
])
def test_invalid_mobile_names_value_and_country(country, typed):
    row = validate_row(_row(country_code=country, mobile=typed, email="a@example.com"))
    assert _codes(row) == ["invalid_mobile"]
    issue = row.errors[0]
    assert issue.column == "Mobile Number" and issue.line == 2
    assert f'"{typed}"' in issue.message and country in issue.message
    assert row.mobile is None


def test_scientific_notation_mobile_explains_excel():
    row = validate_row(_row(mobile="5.51199E+12"))
    assert "scientific notation" in row.errors[0].message


def test_landline_gets_a_warning_not_an_error():
    row = validate_row(_row(country_code="BR", mobile="(11) 3456-7890"))
    assert row.errors == []
    assert row.mobile == "+551134567890"
    assert [w.code for w in row.warnings] == ["not_mobile"]


@pytest.mark.parametrize("value, hint", [
    ("+1", "US or CA"), ("55", "BR"), ("USA", "US"), ("Brasil", "BR"), ("UK", "GB"),
    ("+55", "BR"), ("XX", None), ("", None),
])
def test_country_code_must_be_iso_alpha2(value, hint):
    row = validate_row(_row(country_code=value, mobile="4155552671"))
    if value == "":
        assert _codes(row) == ["required"]
        return
    assert _codes(row) == ["invalid_country_code"]
    message = row.errors[0].message
    assert "two-letter" in message and "US or BR" in message
    if hint:
        assert f"probably {hint}" in message
    assert row.country_code is None and row.mobile is None


def test_country_code_with_plus_number_still_parses_the_mobile():
    row = validate_row(_row(country_code="+55", mobile="+55 11 98765-4321"))
    assert _codes(row) == ["invalid_country_code"]
    assert row.mobile == "+5511987654321"


@pytest.mark.parametrize("code", ["US", "ca", "Br", "AU", "GB", "PT", "AQ"])
def test_known_country_codes(code):
    assert is_country_code(code)


@pytest.mark.parametrize("code", ["USA", "+1", "55", "ZZ", "", "U"])
def test_unknown_country_codes(code):
    assert not is_country_code(code)


def test_default_region_fills_a_blank_country_with_a_warning():
    row = validate_row(_row(country_code="", mobile="(415) 555-2671"), default_region="us")
    assert row.errors == []
    assert row.country_code == "US" and row.mobile == "+14155552671"
    assert [w.code for w in row.warnings] == ["country_defaulted"]


def test_required_names_and_contact_point():
    row = validate_row(_row(first_name="  ", last_name=""))
    assert _codes(row) == ["required", "required", "missing_contact_point"]
    assert [i.column for i in row.errors[:2]] == ["First Name", "Last Name"]
    assert "Mobile Number nor an Email" in row.errors[2].message


def test_email_only_row_is_valid():
    row = validate_row(_row(email="Jane.Doe@Example.COM"))
    assert row.errors == []
    assert row.email == "jane.doe@example.com"
    assert row.mobile is None


@pytest.mark.parametrize("value", [
    "jane@@example.com", "jane@", "@example.com", "jane.example.com", "jane@localhost",
    "jane@example", "jane..doe@example.com", "jane doe@example.com", "jane@exa_mple.com",
    "jane@site.test",
])
def test_invalid_emails(value):
    row = validate_row(_row(email=value))
    assert "invalid_email" in _codes(row)
    issue = next(i for i in row.errors if i.code == "invalid_email")
    assert issue.column == "Email" and f'"{value}"' in issue.message
    assert row.email is None


@pytest.mark.parametrize("value, normalized", [
    ("JOSÉ@Exemplo.com.br", "josé@exemplo.com.br"),
    ("user+tag@GMAIL.com", "user+tag@gmail.com"),
    ("o'brien@example.ie", "o'brien@example.ie"),
    ("ana@xn--exmple-cua.com", None),
])
def test_email_normalization(value, normalized):
    expected = normalized or email_validator.validate_email(
        value, check_deliverability=False).normalized.lower()
    assert normalize_email(value) == expected


def test_email_fast_path_agrees_with_email_validator():
    rng = random.Random(7)
    alphabet = "abcXYZ019._-+@'!#%&*/=?^`{|}~ \u00e9"
    samples = ["a@b.co", "a.b@c.d.example", "x@1a.com", "x@a-b.com", "x@a--b.com",
               "x@ab--cd.com", "x@-a.com", "x@a-.com", "x@a.c0m", "x@a.123", "a" * 65 + "@x.com",
               "x@" + "a" * 64 + ".com", "x@a.invalid", "x@mail.local", ".a@b.com", "a.@b.com"]
    for _ in range(3000):
        local = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 8)))
        domain = "".join(rng.choice("ab-1.") for _ in range(rng.randint(1, 8)))
        samples.append(f"{local}@{domain}.{rng.choice(['com', 'br', 'c1', 'x', 'test'])}")
    for value in samples:
        try:
            expected = email_validator.validate_email(
                value, check_deliverability=False).normalized.lower()
        except email_validator.EmailNotValidError:
            expected = None
        try:
            got = normalize_email(value)
        except ValueError:
            got = None
        assert got == expected, value


def _sized(key, length):
    if key == "email":
        return "a" * 60 + "@" + "b" * (length - 65) + ".com"
    return "x" * length


@pytest.mark.parametrize("key, limit", [
    ("first_name", 100), ("last_name", 100), ("account_number", 64), ("organization", 200),
    ("external_id", 128), ("segments", 4000), ("email", 254), ("mobile", 32),
])
def test_length_limits(key, limit):
    contact = {} if key in ("email", "mobile") else {"email": "a@example.com"}
    ok = validate_row(_row(**contact, **{key: _sized(key, limit)}))
    assert "too_long" not in _codes(ok)
    row = validate_row(_row(**contact, **{key: _sized(key, limit + 1)}))
    issue = next(i for i in row.errors if i.code == "too_long")
    assert f"{limit:,}" in issue.message
    assert getattr(row, key if key != "segments" else "segment_names") in (None, [])


def test_optional_text_blank_is_none_and_filled_is_kept():
    row = validate_row(_row(email="a@example.com", account_number=" A-1 ", organization="",
                            external_id="=1+1"))
    assert row.errors == []
    assert row.account_number == "A-1"
    assert row.organization is None
    assert row.external_id == "=1+1"  # a formula is just text


def test_segment_names_split_stripped_deduplicated():
    assert split_segment_names(" VIP ; Loja Centro;; vip;LOJA CENTRO ;Cafe\u0301; Café ") == [
        "VIP", "Loja Centro", "Café"]
    assert split_segment_names("") == []
    row = validate_row(_row(email="a@example.com", segments="Service Plan; Downtown Store"))
    assert row.segment_names == ["Service Plan", "Downtown Store"]


def test_reading_problems_become_errors_and_warnings_stay():
    source = _row(email="a@example.com")
    source.problems.append(RowIssue(2, None, "too_many_cells", "Line 2 has 11 cells"))
    source.warnings.append(RowIssue(2, "First Name", "nul_removed", "removed"))
    row = validate_row(source)
    assert _codes(row) == ["too_many_cells"]
    assert [w.code for w in row.warnings] == ["nul_removed"]
    assert not row.ok


def test_validate_rows_streams():
    rows = validate_rows(iter([_row(line=2, email="a@example.com"), _row(line=3, first_name="")]))
    first = next(rows)
    assert first.line == 2 and first.ok
    second = next(rows)
    assert second.line == 3 and _codes(second) == ["required", "missing_contact_point"]


def test_names_are_nfc():
    row = validate_row(_row(first_name="Jose\u0301", email="a@example.com"))
    assert row.first_name == "José"
