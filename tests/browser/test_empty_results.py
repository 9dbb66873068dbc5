"""A search or a segment with no contact: the page says what found nothing and offers the way
back (clear the search, search all contacts, show all contacts), and offers no "Select all 0
matching contacts" and no Bulk actions to act on nothing."""

import pytest
from playwright.sync_api import expect

from .conftest import shot, sign_in
from .localized import LANGUAGES, WIDTHS, add_dealership, sideways_scroll
from .test_contacts_flows import open_dropdown, segment_item

ACCOUNT = "Quiet Motors"
SEARCH = "zzqx"

TEXTS = {
    "en": {"no_match": "No contact matches “zzqx”.",
           "no_match_in": "No contact in “Short list” matches “zzqx”.",
           "empty_segment": "The segment “Nobody Yet” has no contacts yet.",
           "clear": "Clear the search", "everywhere": "Search all contacts", "all": "Show all contacts"},
    "pt_BR": {"no_match": "Nenhum contato corresponde a “zzqx”.",
              "no_match_in": "Nenhum contato em “Short list” corresponde a “zzqx”.",
              "empty_segment": "O segmento “Nobody Yet” ainda não tem contatos.",
              "clear": "Limpar a busca", "everywhere": "Buscar em todos os contatos",
              "all": "Mostrar todos os contatos"},
}


@pytest.fixture(scope="module")
def quiet(server):
    """A dealership with five contacts, a segment of two and an empty segment."""
    add_dealership(server, ACCOUNT, 5, segment_members={"Short list": 2, "Nobody Yet": 0})
    return ACCOUNT


def search(page, text):
    page.fill("#contact-search", text)
    with page.expect_navigation():
        page.press("#contact-search", "Enter")


def expect_nothing_to_act_on(page):
    expect(page.locator("#select-all-matching")).to_have_count(0)
    expect(page.locator("#bulk-menu")).to_have_count(0)
    expect(page.locator(".seg-table")).to_have_count(0)


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("language", LANGUAGES)
def test_an_empty_search_says_so_and_offers_the_way_back(open_page, server, quiet, language, width):
    text = TEXTS[language]
    page = open_page(language, width)
    sign_in(page, server.url, "manager", account=quiet)
    search(page, SEARCH)
    empty = page.locator("#empty-results")
    expect(empty).to_contain_text(text["no_match"])
    expect_nothing_to_act_on(page)
    assert sideways_scroll(page) <= 0
    shot(page, f"empty-search-{language}-{width}")
    with page.expect_navigation():
        empty.get_by_role("link", name=text["clear"]).click()
    expect(page.locator("#contact-search")).to_have_value("")
    expect(page.locator("tbody tr")).to_have_count(5)
    expect(page.locator("#select-all-matching")).to_have_count(1)

    # A search inside a segment: clear the search (still in the segment), or search everywhere.
    open_dropdown(page)
    segment_item(page, "Short list").locator("a").first.click()
    expect(page.locator("tbody tr")).to_have_count(2)
    search(page, SEARCH)
    expect(empty).to_contain_text(text["no_match_in"])
    expect_nothing_to_act_on(page)
    with page.expect_navigation():
        empty.get_by_role("link", name=text["everywhere"]).click()
    expect(page.locator(".seg-dropdown__current")).not_to_have_text("Short list")
    expect(page.locator("#contact-search")).to_have_value(SEARCH)
    expect(empty).to_contain_text(text["no_match"])
    page.go_back()
    with page.expect_navigation():
        empty.get_by_role("link", name=text["clear"]).click()
    expect(page.locator(".seg-dropdown__current")).to_have_text("Short list")
    expect(page.locator("tbody tr")).to_have_count(2)


@pytest.mark.parametrize("language", LANGUAGES)
def test_an_empty_segment_says_so_and_offers_the_way_back(open_page, server, quiet, language):
    text = TEXTS[language]
    page = open_page(language)
    sign_in(page, server.url, "manager", account=quiet)
    open_dropdown(page)
    segment_item(page, "Nobody Yet").locator("a").first.click()
    empty = page.locator("#empty-results")
    expect(empty).to_contain_text(text["empty_segment"])
    expect_nothing_to_act_on(page)
    with page.expect_navigation():
        empty.get_by_role("link", name=text["all"]).click()
    expect(page.locator("tbody tr")).to_have_count(5)
