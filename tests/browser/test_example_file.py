"""The Example file on the Create Contact page is a visible button and comes in the page's
language: translated headers, the delimiter that language's Excel expects (a Brazilian Excel
opens a comma-separated file in one column), a sample row of that country, the account's own
segment names, and it imports back as it is."""

import csv
import io
import re

import openpyxl
import pytest
from playwright.sync_api import expect

from .conftest import shot, sign_in
from .localized import LANGUAGES, WIDTHS, add_dealership, sideways_scroll
from .test_import_flows import watch_progress

ACCOUNT = "Example Motors"
OWN_SEGMENTS = ("Loja Norte", "Plano Ouro")

EXPECTED = {
    "en": {"header": ["Country Code", "First Name", "Last Name", "Mobile Number", "Email",
                      "Account Number", "Organization", "External ID", "Segments"],
           "delimiter": ",", "country": "US", "button": "Example", "sheets": ["Contacts", "Instructions"]},
    "pt_BR": {"header": ["Código do país", "Nome", "Sobrenome", "Número de celular", "E-mail",
                         "Número da conta", "Organização", "ID externo", "Segmentos"],
              "delimiter": ";", "country": "BR", "button": "Exemplo", "sheets": ["Contatos", "Instruções"]},
}


@pytest.fixture(scope="module")
def example_account(server):
    """A dealership with two segments of its own."""
    add_dealership(server, ACCOUNT, 3, segment_members=dict.fromkeys(OWN_SEGMENTS, 1))
    return ACCOUNT


def open_create_contact(page, server, account):
    sign_in(page, server.url, "consultant", account=account)
    page.goto(f"{server.url}/segments/contacts/new")
    button = page.locator("#example-link")
    button.scroll_into_view_if_needed()
    return button


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("language", LANGUAGES)
def test_the_example_is_a_button_in_the_pages_language(open_page, server, example_account, language, width):
    expected = EXPECTED[language]
    page = open_page(language, width)
    button = open_create_contact(page, server, example_account)
    expect(button).to_be_visible()
    expect(button).to_have_class(re.compile(r"\bseg-button\b"))
    expect(button).to_contain_text(expected["button"])
    expect(page.locator("#example-xlsx-link")).to_have_class(re.compile(r"\bseg-button\b"))
    assert sideways_scroll(page) <= 0
    shot(page, f"example-button-{language}-{width}")

    with page.expect_download() as download:
        button.click()
    text = open(download.value.path(), encoding="utf-8-sig", newline="").read()
    assert text.splitlines()[0] == expected["delimiter"].join(expected["header"])
    header, row = list(csv.reader(io.StringIO(text), delimiter=expected["delimiter"]))
    assert row[0] == expected["country"]
    assert row[-1] == "; ".join(OWN_SEGMENTS)  # the account's own segments

    with page.expect_download() as download:
        page.click("#example-xlsx-link")
    with open(download.value.path(), "rb") as handle:  # the path has no .xlsx extension
        workbook = openpyxl.load_workbook(io.BytesIO(handle.read()))
    assert workbook.sheetnames == expected["sheets"]
    contacts = workbook.worksheets[0]
    assert [cell.value for cell in contacts[1]] == expected["header"]
    assert contacts["A2"].value == expected["country"]


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_example_imports_back_as_it_is(open_page, server, example_account, language):
    page = open_page(language)
    button = open_create_contact(page, server, example_account)
    with page.expect_download() as download:
        button.click()
    with open(download.value.path(), "rb") as handle:
        page.set_input_files("#import-file", files=[{
            "name": download.value.suggested_filename, "mimeType": "text/csv", "buffer": handle.read()}])
    page.click("#preview-button")
    watch_progress(page)
    expect(page.locator("#count-created")).to_have_text("1")
    expect(page.locator("#count-failed")).to_have_text("0")
    expect(page.locator("#unknown-segments")).to_have_count(0)
