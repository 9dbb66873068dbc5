"""The import pages through Flask's test client (JavaScript "off"): upload and import, preview,
progress JSON, report, history, and every refused file kept on the page with a clear message.
Also: every language's catalog is complete, keeps the placeholders of each message, and matches
the strings in the code."""

import io
import pathlib
import re
import subprocess
import sys
import time

import pytest
from flask import g
from markupsafe import escape
import sqlalchemy as sa
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from werkzeug.datastructures import LanguageAccept
from werkzeug.http import parse_accept_header

from contact_segments import segments
from contact_segments.blueprints.ui_i18n import (
    SUPPORTED_LOCALES, gettext, locale_for_accept_language, ngettext, number, refresh_locale,
)
from contact_segments.blueprints.ui_row_issues import issue_text
from contact_segments.demo.models import db
from contact_segments.hooks.markers import hookimpl
from contact_segments.imports.models import Import
from contact_segments.imports.notices import QUEUED_MESSAGE
from contact_segments.models import Contact

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
ROOT = pathlib.Path(__file__).resolve().parents[1]
CATALOGS = ROOT / "plugin" / "translations"
TRANSLATED_LOCALES = [locale for locale in SUPPORTED_LOCALES if locale != "en"]
PLACEHOLDER = re.compile(r"%\([a-z_]+\)[sd]")
HEADER = "Country Code,First Name,Last Name,Mobile Number,Email,Segments\n"


@pytest.fixture
def app_config():
    return {"SEGMENTS_IMPORT_MAX_FILE_BYTES": 4096}


@pytest.fixture
def client(app, account):
    """A test client signed in as the account's consultant, with a CSRF token."""
    client = app.test_client()
    with client.session_transaction() as session:
        session["user_id"] = account[1]["consultant"]
    client.csrf = TOKEN.search(client.get("/segments/contacts/new").get_data(as_text=True)).group(1)
    return client


def upload(client, content, name="contacts.csv", action="import", replace=False, **extra):
    data = {"csrf_token": client.csrf, "action": action, "file": (io.BytesIO(content), name), **extra}
    if replace:
        data["replace"] = "1"
    return client.post("/segments/imports", data=data, content_type="multipart/form-data")


def wait_until_ended(client, import_id):
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        status = client.get(f"/segments/imports/{import_id}/status.json").get_json()
        if status["ended"]:
            return status
        time.sleep(0.05)
    raise AssertionError(f"import {import_id} did not end: {status}")


def contact_count(account_id):
    return db.session.execute(sa.select(sa.func.count()).select_from(Contact).where(
        Contact.account_id == account_id)).scalar_one()


def test_create_contact_page_has_the_example_and_the_upload_form(client):
    html = client.get("/segments/contacts/new").get_data(as_text=True)
    for part in ('id="example-link"', 'href="/segments/import/example.csv"', 'type="file"',
                 'name="replace"', "Replace existing segment data", 'value="preview"', "Import Contacts",
                 'enctype="multipart/form-data"'):
        assert part in html


def _page_once_told(client, url, timeout=30):
    """The page at ``url`` once it shows the finished import's notice (sent right after the
    commit that ends the import)."""
    deadline = time.monotonic() + timeout
    while True:
        html = client.get(url).get_data(as_text=True)
        if "is ready:" in html or time.monotonic() > deadline:
            return html
        time.sleep(0.05)


def test_import_then_progress_report_history_and_members(client, account, scope_for):
    north = segments.create(scope_for(), "North")
    response = upload(client, (HEADER + "US,Ann,Lee,4155552671,ann@example.com,North; Nowhere\n"
                               "US,Bad,Row,,,North\n").encode())
    assert response.status_code == 302
    import_id = int(response.location.rstrip("/").rsplit("/", 1)[1])
    status = wait_until_ended(client, import_id)
    assert (status["status"], status["created"], status["failed"]) == ("finished", 1, 1)
    assert status["progress_value"] == status["progress_max"]
    html = _page_once_told(client, response.location)
    assert "Nowhere" in html and 'id="report-link"' in html
    # One notice per import: the finished one took the place of "You will be notified ...".
    assert QUEUED_MESSAGE not in html and "is ready: 1 created, 0 updated, 0 unchanged, 1 failed" in html
    report = client.get(f"/segments/imports/{import_id}/report.csv")
    assert report.status_code == 200 and "attachment" in report.headers["Content-Disposition"]
    assert len(report.get_data(as_text=True).strip().splitlines()) == 3
    history = client.get("/segments/imports").get_data(as_text=True)
    assert "contacts.csv" in history and "Finished" in history
    assert segments.get(scope_for(), north.id).member_count == 1


def test_preview_changes_nothing_and_offers_the_import(client, account):
    response = upload(client, (HEADER + "US,Ann,Lee,4155552671,ann@example.com,\n").encode(),
                      action="preview")
    assert response.status_code == 302 and "source=" in response.location
    preview_id = int(re.search(r"/imports/(\d+)", response.location).group(1))
    wait_until_ended(client, preview_id)
    html = client.get(response.location).get_data(as_text=True)
    assert "A preview changes nothing." in html and 'id="import-after-preview"' in html
    assert contact_count(account[0]) == 0
    source_id = int(re.search(r"source=(\d+)", response.location).group(1))
    started = client.post(f"/segments/imports/{source_id}/start", data={"csrf_token": client.csrf})
    assert started.status_code == 302
    wait_until_ended(client, source_id)
    assert contact_count(account[0]) == 1


@pytest.mark.parametrize("name, content, expected", [
    ("photo.csv", b"\x89PNG\r\n\x1a\n" + bytes(range(256)), "This is not a CSV or Excel (.xlsx) file."),
    ("empty.csv", b"", "The file is empty"),
    ("big.csv", (HEADER + "US,A,B,,a@example.com,\n" * 300).encode(), "larger than the limit of 0.004 MB"),
], ids=["wrong-type", "empty", "too-large"])
def test_refused_files_keep_the_form_and_change_nothing(client, account, name, content, expected):
    response = upload(client, content, name=name, replace=True)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert expected in html
    assert re.search(r'name="replace" value="1" id="replace" checked', html)  # the option is kept
    assert contact_count(account[0]) == 0


def test_no_file_chosen(client):
    response = client.post("/segments/imports", data={"csrf_token": client.csrf, "action": "import"},
                           content_type="multipart/form-data")
    assert response.status_code == 422
    assert "Choose a file first" in response.get_data(as_text=True)


def test_stale_csrf_on_upload_changes_nothing(client, account):
    response = client.post("/segments/imports", data={
        "csrf_token": "old", "action": "import", "replace": "1",
        "file": (io.BytesIO((HEADER + "US,A,B,,a@example.com,\n").encode()), "a.csv")},
        content_type="multipart/form-data")
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "This form had expired" in html
    assert 'id="replace" checked' in html
    assert contact_count(account[0]) == 0
    assert "No imports yet." in client.get("/segments/imports").get_data(as_text=True)


class NoImports:
    """A host policy: nobody may import."""

    @hookimpl
    def segments_authorize(self, actor, action, target):
        return False if action == "import" else None


def test_role_without_import_permission(client, account, state):
    state.pm.register(NoImports(), name="no-imports")
    try:
        response = upload(client, (HEADER + "US,A,B,,a@example.com,\n").encode())
        assert response.status_code == 403
        assert "Your role (consultant) may not import contacts." in response.get_data(as_text=True)
        assert 'id="import-form"' not in client.get("/segments/contacts/new").get_data(as_text=True)
    finally:
        state.pm.unregister(name="no-imports")
    assert contact_count(account[0]) == 0


def forget_signed_in_user():
    """The tests share one app context: forget the user and CSRF token cached on ``g``."""
    for key in ("demo_user", "csrf_token"):
        g.pop(key, None)


def test_other_accounts_imports_are_not_found(client, make_account, app):
    other_id, users = make_account("Other Dealer")
    forget_signed_in_user()
    other = app.test_client()
    with other.session_transaction() as session:
        session["user_id"] = users["admin"]
    other.csrf = TOKEN.search(other.get("/segments/contacts/new").get_data(as_text=True)).group(1)
    response = upload(other, (HEADER + "US,A,B,,a@example.com,\n").encode())
    import_id = int(response.location.rstrip("/").rsplit("/", 1)[1])
    wait_until_ended(other, import_id)
    forget_signed_in_user()
    assert client.get(f"/segments/imports/{import_id}").status_code == 404
    assert client.get(f"/segments/imports/{import_id}/status.json").status_code == 404
    assert client.get(f"/segments/imports/{import_id}/report.csv").status_code == 404


def test_import_pages_in_brazilian_portuguese(client):
    html = client.get("/segments/contacts/new", headers={"Accept-Language": "pt-BR"}).get_data(as_text=True)
    for text in ("Criar contato", "Exemplo", "Escolher arquivo", "Substituir dados de segmento existentes",
                 "Importar contatos", "Pré-visualizar"):
        assert text in html


def _catalog(locale, kind="po"):
    with open(CATALOGS / locale / "LC_MESSAGES" / f"messages.{kind}", "rb") as handle:
        return read_po(handle) if kind == "po" else read_mo(handle)


def _ids(catalog):
    return {m.id if isinstance(m.id, str) else m.id[0] for m in catalog if m.id}


def test_every_page_language_has_a_catalog():
    assert sorted(path.name for path in CATALOGS.iterdir() if path.is_dir()) == sorted(TRANSLATED_LOCALES)


@pytest.mark.parametrize("locale", TRANSLATED_LOCALES)
def test_catalog_is_complete_and_compiled(locale):
    po, mo = _catalog(locale), _catalog(locale, "mo")
    untranslated = [m.id for m in po if m.id and not (all(m.string) if isinstance(m.string, tuple) else m.string)]
    assert untranslated == []
    assert _ids(po) == _ids(mo)
    assert not [m.id for m in po if m.fuzzy and m.id]


@pytest.mark.parametrize("locale", TRANSLATED_LOCALES)
def test_translations_keep_the_placeholders(locale):
    """A translation that loses or renames a %(name)s would show a raw placeholder or fail."""
    wrong = []
    for message in _catalog(locale):
        if not message.id:
            continue
        if isinstance(message.id, tuple):
            singular, plural = (set(PLACEHOLDER.findall(text)) for text in message.id)
            for form in message.string:  # %(num)s may stay implicit in a singular form only
                if not plural - {"%(num)s"} <= set(PLACEHOLDER.findall(form)) <= singular | plural:
                    wrong.append((message.id[0], form))
        elif set(PLACEHOLDER.findall(message.string)) != set(PLACEHOLDER.findall(message.id)):
            wrong.append((message.id, message.string))
    assert wrong == []


@pytest.mark.parametrize("locale", TRANSLATED_LOCALES)
def test_catalog_holds_every_string_of_the_pages(locale, extracted_strings):
    translated = _ids(_catalog(locale))
    assert sorted(extracted_strings - translated) == [], "run the pybabel commands in babel.cfg"
    assert QUEUED_MESSAGE in translated


@pytest.fixture(scope="module")
def extracted_strings(tmp_path_factory):
    """The strings of the pages, extracted from the code as babel.cfg says."""
    pot = tmp_path_factory.mktemp("pot") / "messages.pot"
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "babel.cfg",
                    "-k", "_", "-k", "gettext", "-k", "ngettext:1,2", "-k", "plural_forms:1,2", "-k", "N_", "-k", "segments_gettext",
                    "-o", str(pot), "."],
                   cwd=ROOT, check=True, capture_output=True)
    with open(pot, "rb") as handle:
        return _ids(read_po(handle))


@pytest.mark.parametrize("accept_language, locale", [
    ("de-AT,de;q=0.9,en;q=0.5", "de"), ("en;q=0.5,es-MX", "es"), ("ja,pl;q=0.3", "pl"),
    ("en-US,en;q=0.9,de;q=0.5", "en"), ("de;q=0,fr;q=0.1", "fr"), ("pt-PT", "pt_BR"), ("zh", "en"),
    ("", "en"),
])
def test_the_first_language_of_the_browser_with_a_catalog_wins(accept_language, locale):
    assert locale_for_accept_language(parse_accept_header(accept_language, LanguageAccept)) == locale


@pytest.mark.parametrize("accept_language, written", [
    ("en-US", "1,048,576"), ("de", "1.048.576"), ("pt-BR", "1.048.576"), ("fr", "1\u202f048\u202f576"),
])
def test_counts_are_written_the_languages_way(app, accept_language, written):
    with app.test_request_context(headers={"Accept-Language": accept_language}):
        refresh_locale()
        assert number(1_048_576) == written


@pytest.mark.parametrize("accept_language, locale, written", [
    ("en-US", "en", "1,500"), ("de", "de", "1.500"), ("pt-BR", "pt_BR", "1.500"), ("pl", "pl", "1\xa0500"),
])
def test_counts_inside_sentences_are_written_the_languages_way(app, accept_language, locale, written):
    with app.test_request_context(headers={"Accept-Language": accept_language}):
        refresh_locale()
        many = ngettext("%(num)s contact", "%(num)s contacts", 1500)
        more_than = gettext("More than %(num)s contacts", num=1500)
        one = ngettext("%(num)s contact", "%(num)s contacts", 1)
    if locale == "en":
        assert (many, more_than, one) == ("1,500 contacts", "More than 1,500 contacts", "1 contact")
        return
    catalog = _catalog(locale)
    assert more_than == catalog.get("More than %(num)s contacts").string % {"num": written}
    assert written in many and many != one and "1500" not in many


@pytest.mark.parametrize("locale, accept_language", [
    ("fr", "fr-CA,fr;q=0.9"), ("de", "de-AT"), ("es", "es-MX,en;q=0.5"), ("it", "it"), ("pl", "pl-PL"),
    ("pt_BR", "pt-PT"),
])
def test_the_browser_language_chooses_the_catalog(client, locale, accept_language):
    html = client.get("/segments/", headers={"Accept-Language": accept_language}).get_data(as_text=True)
    all_contacts = _catalog(locale).get("All contacts").string
    assert all_contacts != "All contacts" and all_contacts in html
    assert f'<html lang="{locale.replace("_", "-")}"' in html


def test_row_errors_are_translated_in_brazilian_portuguese(client):
    response = upload(client, (HEADER + "+55,Ann,Lee,4155552671,ann@example.com,\n"
                               "US,Bo,Ng,,,\n").encode())
    import_id = int(response.location.rstrip("/").rsplit("/", 1)[1])
    assert wait_until_ended(client, import_id)["failed"] == 2
    pt = client.get(response.location, headers={"Accept-Language": "pt-BR"}).get_data(as_text=True)
    assert ("Linha 2: a coluna Código do país não traz um código de país ISO de duas letras." in pt)
    assert "A linha 3 não tem Número de celular nem E-mail" in pt
    assert "is not a two-letter ISO country code" not in pt
    english = client.get(response.location, headers={"Accept-Language": "en-US"}).get_data(as_text=True)
    assert "Country Code &#34;+55&#34; is not a two-letter ISO country code" in english
    assert "(here probably BR)" in english and "Line 3 has neither a Mobile Number nor an Email" in english


@pytest.mark.parametrize("locale", TRANSLATED_LOCALES)
def test_shared_form_buttons_are_translated_too(client, locale):
    """The form macros (segments/_forms.html) are imported with the page's context, so their
    buttons use the plugin's catalog like the rest of the page."""
    page = client.get("/segments/new", headers={"Accept-Language": locale.replace("_", "-")})
    text = page.get_data(as_text=True)
    assert f">{escape(_catalog(locale).get('Cancel').string)}</a>" in text and ">Cancel</a>" not in text


@pytest.mark.parametrize("locale", TRANSLATED_LOCALES)
def test_row_errors_are_shown_in_every_page_language(client, locale):
    """The import page words each row problem in the reader's language, naming the columns as
    that language does (as its catalog says)."""
    response = upload(client, (HEADER + "US,Bo,Ng,,,\n").encode())
    import_id = int(response.location.rstrip("/").rsplit("/", 1)[1])
    assert wait_until_ended(client, import_id)["failed"] == 1
    catalog = _catalog(locale)

    def translated(msgid, **values):
        return catalog.get(msgid).string % values

    expected = translated("Line %(line)s has neither a %(mobile)s nor an %(email)s: fill in at least one.",
                          line=2, mobile=translated("Mobile Number"), email=translated("Email"))
    page = client.get(response.location, headers={"Accept-Language": locale.replace("_", "-")})
    assert str(escape(expected)) in page.get_data(as_text=True)


@pytest.mark.parametrize("code, message, expected", [
    ("invalid_mobile", "Mobile Number \"12\" is not valid.", "a coluna Número de celular não traz um número"),
    ("no_such_code", "Something the engine says.", "Something the engine says."),
])
def test_issue_text_falls_back_to_the_engine_message_for_unknown_codes(app, code, message, expected):
    with app.test_request_context("/", headers={"Accept-Language": "pt-BR"}):
        refresh_locale()
        text = issue_text({"line": 7, "column": "Mobile Number", "code": code, "message": message})
    assert expected in text


def test_refusal_reason_is_translated_in_brazilian_portuguese(client, account):
    content = b"Name,Phone\nAnn,4155552671\n"
    english = upload(client, content).get_data(as_text=True)
    assert "The file has no column" in english
    portuguese = client.post("/segments/imports", data={
        "csrf_token": client.csrf, "action": "import", "file": (io.BytesIO(content), "contacts.csv")},
        content_type="multipart/form-data", headers={"Accept-Language": "pt-BR"})
    assert portuguese.status_code == 422
    assert "Falta uma coluna obrigatória" in portuguese.get_data(as_text=True)
    assert contact_count(account[0]) == 0


def test_warnings_are_listed_on_the_result_page(client):
    """Rows imported with a warning (here: the same contact twice) are listed under the counts,
    translated, next to the note that the rows were imported."""
    response = upload(client, (HEADER + "US,Ann,Lee,,ann@example.com,Nowhere\n"
                               "US,Ann,Lee-Smith,,ANN@example.com,\n").encode())
    import_id = int(response.location.rstrip("/").rsplit("/", 1)[1])
    status = wait_until_ended(client, import_id)
    assert (status["created"], status["updated"], status["failed"]) == (1, 1, 0)
    english = client.get(response.location).get_data(as_text=True)
    assert 'id="import-warnings"' in english and "First warning</h3>" in english
    assert "Line 3 is the same contact as line 2" in english
    assert "Rows with a warning were imported" in english and 'id="import-errors"' not in english
    # The unknown segment name is in its own list, not repeated as a row warning.
    assert english.count("Nowhere") == 1 and 'id="unknown-segments"' in english
    pt = client.get(response.location, headers={"Accept-Language": "pt-BR"}).get_data(as_text=True)
    assert "Primeiro aviso</h3>" in pt and "As linhas com aviso foram importadas" in pt


def test_the_result_page_lists_the_first_errors_and_counts_them_all(client):
    # A few errors per row (country, names, no mobile or email): over a thousand in a small file.
    response = upload(client, (HEADER + "XX,,,,,\n" * 300).encode())
    import_id = int(response.location.rstrip("/").rsplit("/", 1)[1])
    assert wait_until_ended(client, import_id)["failed"] == 300
    errors = db.session.get(Import, import_id).errors_total
    assert errors >= 1000
    english = client.get(response.location).get_data(as_text=True)
    table = english.split('id="import-errors"')[1].split("</table>")[0]
    assert f"First errors ({errors:,})</h3>" in english and table.count("<tr>") == 1 + 10  # head + 10
    german = client.get(response.location, headers={"Accept-Language": "de"}).get_data(as_text=True)
    assert f"({errors:,})</h3>".replace(",", ".") in german


def test_an_unknown_segment_on_many_rows_lists_its_first_lines(client):
    rows = "".join(f"US,Ann,Lee{i},,ann{i}@example.com,Nowhere\n" for i in range(12))
    response = upload(client, (HEADER + rows).encode())
    import_id = int(response.location.rstrip("/").rsplit("/", 1)[1])
    assert wait_until_ended(client, import_id)["created"] == 12
    html = client.get(response.location).get_data(as_text=True)
    listed = html.split('id="unknown-segments"')[1].split("</ul>")[0]
    assert "lines 2, 3, 4, 5, 6, 7, 8, 9, 10, 11…" in listed and "12" not in listed


def test_the_report_downloaded_from_the_pages_speaks_the_users_language(client):
    response = upload(client, (HEADER + "US,Bo,Ng,,,\n").encode())
    import_id = int(response.location.rstrip("/").rsplit("/", 1)[1])
    assert wait_until_ended(client, import_id)["failed"] == 1
    url = f"/segments/imports/{import_id}/report.csv"
    pt = client.get(url, headers={"Accept-Language": "pt-BR"}).get_data(as_text=True)
    english = client.get(url, headers={"Accept-Language": "en-US"}).get_data(as_text=True)
    assert "A linha 2 não tem Número de celular nem E-mail" in pt
    assert "Line 2 has neither a Mobile Number nor an Email" in english
    assert "missing_contact_point" in pt and "missing_contact_point" in english  # codes stay
