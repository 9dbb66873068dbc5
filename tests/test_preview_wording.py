"""A preview changes nothing, so its row warnings speak in the conditional ("would be merged")
on its page, in its per-row report and in the API's summary; the same file really imported
speaks in the past tense ("were merged")."""

import re

import pytest

from contact_segments import messages
from contact_segments.imports import service
from contact_segments.messages.rows import ROW_MESSAGES
from test_ui_imports import app_config, client  # noqa: F401 - the fixtures of the import pages
from test_ui_imports import HEADER, TRANSLATED_LOCALES, upload, wait_until_ended

#: Line 3 is the same contact as line 2; line 2 names a segment that does not exist.
FILE = (HEADER + "US,Ann,Lee,4155552671,ann@example.com,Nowhere\n"
                 "US,Ann,Lee,4155552671,ann@example.com,\n").encode()
PAST = ("the rows were merged into one contact", "so the contact was not added to it")
CONDITIONAL = ("the rows would be merged into one contact", "so the contact would not be added to it")
PAST_TENSE = re.compile(r"\b(was|were)\b")


def _ended(client, response):
    import_id = int(re.search(r"/imports/(\d+)", response.location).group(1))
    wait_until_ended(client, import_id)
    return import_id


def _said(client, scope, import_id):
    """The page, the report and the API's English messages of import ``import_id``."""
    page = client.get(f"/segments/imports/{import_id}").get_data(as_text=True)
    report = client.get(f"/segments/imports/{import_id}/report.csv").get_data(as_text=True)
    summary = service.import_summary(scope, import_id)
    api = " ".join(warning["message"] for warning in summary["warnings"])
    _, pieces = service.report_csv(scope, import_id)
    return {"page": page, "report": report, "api": api, "api report": "".join(pieces)}


def _pairs(where):
    """The (conditional, past) sentences ``where`` shows: the page sums up unknown segment names
    above its table of warnings, in its own words."""
    pairs = list(zip(CONDITIONAL, PAST))
    return pairs[:1] if where == "page" else pairs


def test_a_preview_says_what_would_happen_and_the_import_what_did(client, scope_for):
    preview = _ended(client, upload(client, FILE, action="preview"))
    for where, text in _said(client, scope_for(), preview).items():
        for conditional, past in _pairs(where):
            assert conditional in text.replace("&#39;", "'"), where
            assert past not in text, where
    imported = _ended(client, upload(client, FILE))
    for where, text in _said(client, scope_for(), imported).items():
        for conditional, past in _pairs(where):
            assert past in text, where
            assert conditional not in text, where


def test_a_blank_country_of_a_preview_would_take_the_default():
    params = {"country": "US"}
    assert messages.issue_text(4, "Country Code", "country_defaulted", params) == (
        "Country Code is blank; US was used.")
    assert messages.issue_text(4, "Country Code", "country_defaulted", params, preview=True) == (
        "Country Code is blank; US would be used.")
    stored = messages.issue_text(4, "Country Code", "country_defaulted", {"variant": "stored_row"},
                                 preview=True)
    assert stored == "Line 4: the Country Code is blank; the account's default country would be used."


def test_a_preview_keeps_the_variant_of_its_sentence():
    params = {"lines": "2, 3", "more": messages.count(5), "variant": "more"}
    assert messages.issue_text(9, None, "duplicate_in_file", params, preview=True) == (
        "Line 9 is the same contact as lines 2, 3 and 5 more: the rows would be merged into one "
        "contact (later non-blank values win, segments are combined).")
    # A code without a conditional sentence says the same in a preview.
    assert messages.issue_text(9, "Email", "required", {}, preview=True) == (
        messages.issue_text(9, "Email", "required", {}))


@pytest.mark.parametrize("code", sorted(code for code in ROW_MESSAGES if not code.endswith(".preview")))
def test_every_row_sentence_in_the_past_tense_has_a_conditional_one(code):
    entry = ROW_MESSAGES[code]
    texts = (entry,) if isinstance(entry, str) else (entry.text, entry.plural)
    conditional = ROW_MESSAGES.get(f"{code}.preview")
    if not any(PAST_TENSE.search(text) for text in texts):
        assert conditional is None
        return
    assert conditional is not None
    conditional_texts = (conditional,) if isinstance(conditional, str) else (conditional.text, conditional.plural)
    assert [sorted(re.findall(r"%\(\w+\)s", text)) for text in conditional_texts] == [
        sorted(re.findall(r"%\(\w+\)s", text)) for text in texts]
    assert all("would" in text for text in conditional_texts)


@pytest.mark.parametrize("locale", TRANSLATED_LOCALES)
def test_the_conditional_sentences_are_translated(locale):
    words = messages.words_for(locale)
    params = {"variant": "stored_row"}
    past = messages.issue_text(3, None, "duplicate_in_file", params, words)
    conditional = messages.issue_text(3, None, "duplicate_in_file", params, words, preview=True)
    assert past != conditional and "would" not in conditional


def test_a_preview_speaks_in_the_conditional_in_the_readers_language(client):
    preview = _ended(client, upload(client, FILE, action="preview"))
    german = {"Accept-Language": "de"}
    page = client.get(f"/segments/imports/{preview}", headers=german).get_data(as_text=True)
    report = client.get(f"/segments/imports/{preview}/report.csv", headers=german).get_data(as_text=True)
    for text in (page, report):
        assert "Die Zeilen würden zu einem Kontakt zusammengeführt" in text
        assert "Die Zeilen wurden zu einem Kontakt zusammengeführt" not in text
    assert "daher würde der Kontakt ihm nicht hinzugefügt" in report
