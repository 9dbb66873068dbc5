"""The message catalog (contact_segments.messages): codes and params inside, words at the edges.

Row issues, refused files and notifications carry a code and params, never a sentence; the
catalog words them in English (the API's and the CLI's ``message``) and in the page's language,
and an issue or refusal stored as a sentence by an earlier version still displays.
"""

import re

import pytest
from babel.messages.pofile import read_po

from contact_segments import messages
from contact_segments.messages import words_for
from contact_segments.imports.errors import FileRefused, RowIssue
from contact_segments.imports.validation import validate_row
from contact_segments.imports.rows import SourceRow
from contact_segments.messages.text import Text
from test_ui_imports import CATALOGS, TRANSLATED_LOCALES

PLACEHOLDER = re.compile(r"%\(([a-z_]+)\)s")


def _row(**cells):
    base = {"country_code": "US", "first_name": "Ann", "last_name": "Lee", "mobile": "", "email": ""}
    base.update(cells)
    return SourceRow(2, base, list(base.values()))


def test_a_row_issue_holds_a_code_and_params_not_a_sentence():
    [issue] = validate_row(_row(country_code="+55", email="ann@example.com")).errors
    assert issue == RowIssue(2, "Country Code", "invalid_country_code",
                             {"value": "+55", "variant": "hint", "hint": "BR"})
    assert issue.message == ('Country Code "+55" is not a two-letter ISO country code: use a code '
                             "such as US or BR, not a calling code (+1, +55) or a country name "
                             "(here probably BR).")


def test_a_refusal_holds_a_code_and_params_and_its_english_message():
    refused = FileRefused("too_many_rows", {"rows": messages.count(1_048_576)})
    assert refused.params == {"rows": {"count": 1_048_576}}
    assert refused.message.startswith("The file has more than 1,048,576 rows, the most one import")
    assert refused.to_dict() == {"code": "too_many_rows", "message": refused.message}


def test_a_sentence_given_for_params_is_the_message_itself():
    refused = FileRefused("empty_file", "Something a host says.")
    assert (refused.message, refused.params) == ("Something a host says.", None)
    assert RowIssue(3, None, "too_many_cells", "Line 3 has 11 cells").message == "Line 3 has 11 cells"


def test_values_are_worded_in_the_readers_language():
    german = words_for("de")
    assert messages.column_label("Mobile Number", german) == "Mobilnummer"
    text = messages.render("missing_column", {
        "columns": messages.names([messages.column("Country Code"), messages.column("First Name")]),
        "found": "'Name'"}, german)
    assert "„Ländercode“" not in text and '"Ländercode" und "Vorname"' in text
    english = messages.english("missing_column", {
        "columns": messages.names([messages.column("Country Code"), messages.column("First Name")]),
        "found": "'Name'"})
    assert english.startswith('The file has no column "Country Code" and "First Name". ')


@pytest.mark.parametrize("earlier, english", [(1, "as line 2:"), (2, "as lines 2, 3:")])
def test_plural_forms_follow_the_count(earlier, english):
    params = {"lines": ", ".join(str(n) for n in range(2, 2 + earlier)), "earlier": earlier}
    assert english in messages.issue_text(9, None, "duplicate_in_file", params)
    polish = messages.issue_text(9, None, "duplicate_in_file", params, words_for("pl"))
    assert ("wiersz 2:" if earlier == 1 else "wiersze 2, 3:") in polish


def test_pages_name_the_line_of_a_sentence_that_does_not():
    params = {"value": "+55", "variant": "hint", "hint": "BR"}
    portuguese = words_for("pt_BR")
    text = messages.issue_text(2, "Country Code", "invalid_country_code", params, portuguese, located=True)
    assert text.startswith("Linha 2: a coluna Código do país não traz um código de país ISO de duas letras.")
    assert '"+55"' in text and "BR" in text
    # a sentence that names its line is not prefixed
    named = messages.issue_text(3, "First Name", "required", {}, portuguese, located=True)
    assert named.count("3") == 1


def test_an_issue_stored_as_a_sentence_displays_in_english_and_in_other_languages():
    stored = 'Mobile Number "12" is not a valid phone number in US. Write it ...'
    assert messages.issue_text(7, "Mobile Number", "invalid_mobile", stored) == stored
    portuguese = messages.issue_text(7, "Mobile Number", "invalid_mobile", stored, words_for("pt_BR"))
    assert portuguese.startswith("Linha 7: a coluna Número de celular não traz um número válido")
    unknown = messages.issue_text(7, None, "no_such_code", "What the engine said.", words_for("fr"))
    assert unknown == "What the engine said."
    refusal = messages.refusal_text("missing_column", None, "The file has no column ...", words_for("pt_BR"))
    assert refusal.startswith("Falta uma coluna obrigatória")


def test_a_missing_param_shows_an_ellipsis_instead_of_failing():
    assert "…" in messages.english("too_long", {"line": 2})


def _templates():
    for code, entry in messages.CATALOG.items():
        entry = entry if isinstance(entry, Text) else Text(entry)
        yield code, entry


@pytest.mark.parametrize("locale", TRANSLATED_LOCALES)
def test_every_catalog_message_is_translated_with_its_placeholders(locale):
    with open(CATALOGS / locale / "LC_MESSAGES" / "messages.po", "rb") as handle:
        catalog = read_po(handle)
    missing = []
    for code, entry in _templates():
        found = catalog.get(entry.text if entry.plural is None else (entry.text, entry.plural))
        if found is None or not found.string:
            missing.append(code)
    assert missing == []


def test_every_template_renders_with_every_placeholder_given():
    for code, entry in _templates():
        values = {name: "x" for name in PLACEHOLDER.findall(entry.text + (entry.plural or ""))}
        if entry.count:
            values[entry.count] = 2
        variant = code.split(".", 1)[1] if "." in code else None
        if variant:
            values["variant"] = variant
        text = messages.english(code.split(".", 1)[0], values)
        assert "%(" not in text and text.count("…") == entry.text.count("…"), code
