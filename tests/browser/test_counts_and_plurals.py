"""Every count on the contacts page agrees with its number and is written the page language's
way, in the sentences the server writes and in those the script writes as boxes are ticked:
"1 contact selected", never "1 selected" or "The 1 contacts"; "1,234" in English, "1.234" in
Brazilian Portuguese; "more than 1,000", never "1000+"."""

import pytest
from playwright.sync_api import expect

from contact_segments.blueprints import ui_contacts

from .conftest import sign_in
from .localized import LANGUAGES, add_dealership

BIG_ACCOUNT = "Counting Motors"
CONTACTS = 1234

TEXTS = {
    "en": {
        "total": "1,234 contacts",
        "one_ticked": "1 contact selected on this page.",
        "two_ticked": "2 contacts selected on this page.",
        "create_one": "The contact you ticked will be put in it.",
        "create_two": "The 2 contacts you ticked will be put in it.",
        "select_all": "Select all 1,234 matching contacts",
        "all_selected": "All 1,234 matching contacts are selected.",
        "create_all": "All 1,234 matching contacts will be put in it.",
        "select_capped": "Select all matching contacts (more than 1,000)",
        "capped_selected": "All matching contacts (more than 1,000) are selected.",
        "create_capped": "All matching contacts (more than 1,000) will be put in it.",
    },
    "pt_BR": {
        "total": "1.234 contatos",
        "one_ticked": "1 contato selecionado nesta página.",
        "two_ticked": "2 contatos selecionados nesta página.",
        "create_one": "O contato que você marcou será colocado nele.",
        "create_two": "Os 2 contatos que você marcou serão colocados nele.",
        "select_all": "Selecionar todos os 1.234 contatos encontrados",
        "all_selected": "Todos os 1.234 contatos encontrados estão selecionados.",
        "create_all": "Todos os 1.234 contatos encontrados serão colocados nele.",
        "select_capped": "Selecionar todos os contatos encontrados (mais de 1.000)",
        "capped_selected": "Todos os contatos encontrados (mais de 1.000) estão selecionados.",
        "create_capped": "Todos os contatos encontrados (mais de 1.000) serão colocados nele.",
    },
}


@pytest.fixture(scope="module")
def big_account(server):
    """A dealership with 1,234 contacts: enough for thousands separators."""
    add_dealership(server, BIG_ACCOUNT, CONTACTS)
    return BIG_ACCOUNT


def create_dialog_says(page, text):
    """Open "Create Segment", check what it says it will put in the segment, close it again."""
    page.click("#create-segment-button")
    expect(page.locator("#create-dialog-count")).to_have_text(text)
    page.locator("#create-dialog [data-close-dialog]").click()
    expect(page.locator("#create-dialog")).to_be_hidden()


@pytest.mark.parametrize("language", LANGUAGES)
def test_ticked_counts_agree_with_their_number(open_page, server, big_account, language):
    text = TEXTS[language]
    page = open_page(language)
    sign_in(page, server.url, "manager", account=big_account)
    summary = page.locator("#bulk-summary")
    expect(summary).to_have_text(text["total"])
    expect(page.locator("#select-all-matching-label")).to_have_text(text["select_all"])
    boxes = page.locator(".contact-check")
    boxes.nth(0).check()
    expect(summary).to_have_text(text["one_ticked"])
    create_dialog_says(page, text["create_one"])
    boxes.nth(1).check()
    expect(summary).to_have_text(text["two_ticked"])
    create_dialog_says(page, text["create_two"])
    page.click("#bulk-menu summary")
    page.click("[data-bulk-op=add]")
    expect(page.locator("#bulk-dialog-count")).to_have_text(text["two_ticked"])
    page.locator("#bulk-dialog [data-close-dialog]").click()
    page.check("#select-all-matching")
    expect(summary).to_have_text(text["all_selected"])
    create_dialog_says(page, text["create_all"])


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_count_that_stops_early_says_more_than(open_page, server, big_account, language, monkeypatch):
    monkeypatch.setattr(ui_contacts, "COUNT_CAP", 1000)  # the page counts up to 1,000 only
    text = TEXTS[language]
    page = open_page(language)
    sign_in(page, server.url, "manager", account=big_account)
    expect(page.locator("#select-all-matching-label")).to_have_text(text["select_capped"])
    page.check("#select-all-matching")
    expect(page.locator("#bulk-summary")).to_have_text(text["capped_selected"])
    create_dialog_says(page, text["create_capped"])
