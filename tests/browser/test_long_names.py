"""Long segment names on the contacts page: a 100-character name without a space stays inside
the window (table, drop-down, picker, the current filter) on a desktop and on a phone, and the
full name is there on hover and on focus; the name fields state their limit and refuse a longer
name with a message instead of cutting it."""

import pytest
from playwright.sync_api import expect

from .conftest import shot, sign_in
from .localized import LANGUAGES, WIDTHS, add_dealership, overflow, sideways_scroll
from .test_contacts_flows import open_dropdown, segment_item

ACCOUNT = "Longname Motors"
LONG_NAME = "Superlongsegmentname" + "X" * 80
assert len(LONG_NAME) == 100

TEXTS = {
    "en": {"limit": "Up to 100 characters.",
           "too_long": "The segment name is too long: use at most 100 characters."},
    "pt_BR": {"limit": "Até 100 caracteres.",
              "too_long": "O nome do segmento é longo demais: use no máximo 100 caracteres."},
}


@pytest.fixture(scope="module")
def long_names(server):
    """A dealership whose first contacts are in a segment with a 100-character unbroken name."""
    add_dealership(server, ACCOUNT, 60, segment_members={LONG_NAME: 3, "Short": 2})
    return ACCOUNT


def assert_inside(page, locator, width):
    """``locator``'s element is inside the window and shows all of its content."""
    box = locator.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width + 0.5, box
    assert overflow(locator) <= 0


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("language", LANGUAGES)
def test_a_long_name_stays_inside_the_window(open_page, server, long_names, language, width):
    page = open_page(language, width)
    sign_in(page, server.url, "manager", account=long_names)
    assert sideways_scroll(page) <= 0
    assert_inside(page, page.locator(".seg-table"), width)
    chip = page.locator("tbody .seg-chip", has_text=LONG_NAME).first
    expect(chip).to_be_visible()
    assert_inside(page, chip, width)

    open_dropdown(page)
    panel = page.locator(".seg-dropdown__panel")
    assert_inside(page, panel, width)
    item = segment_item(page, LONG_NAME)
    name = item.locator(".seg-dropdown__name")
    expect(name).to_have_attribute("title", LONG_NAME)  # the full name on hover
    link = item.locator("a").first
    link.focus()
    assert overflow(name) <= 0  # ... and on focus, in full
    assert_inside(page, item.locator("[data-delete]"), width)  # the controls stay reachable
    shot(page, f"long-name-dropdown-{language}-{width}")

    link.click()
    current = page.locator(".seg-dropdown__current")
    expect(current).to_have_attribute("title", LONG_NAME)
    assert_inside(page, page.locator("#segment-dropdown summary"), width)
    assert sideways_scroll(page) <= 0

    page.locator(".contact-check").first.check()
    page.click("#bulk-menu summary")
    page.click("[data-bulk-op=add]")
    page.fill("#bulk-segment-search", "superlong")
    option = page.locator("#bulk-picker-list label", has_text=LONG_NAME)
    expect(option).to_be_visible()
    assert_inside(page, page.locator("#bulk-dialog"), width)
    assert overflow(page.locator("#bulk-picker")) <= 0
    shot(page, f"long-name-picker-{language}-{width}")


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_name_limit_is_stated_and_a_longer_name_refused(open_page, server, long_names, language):
    text = TEXTS[language]
    page = open_page(language)
    sign_in(page, server.url, "manager", account=long_names)
    page.locator(".contact-check").first.check()
    page.click("#create-segment-button")
    expect(page.locator("#create-name-limit")).to_have_text(text["limit"])
    typed = f"Toolongname{language}".ljust(120, "Y")  # one per run: each language creates it
    page.fill("#create-name", typed)
    expect(page.locator("#create-name")).to_have_value(typed)  # not cut to 100
    error = page.locator("#create-error")
    expect(error).to_have_text(text["too_long"])
    expect(page.locator("#create-name")).to_have_attribute("aria-invalid", "true")
    url = page.url
    page.locator("#create-dialog button[type=submit]").click()
    expect(error).to_have_text(text["too_long"])
    expect(page.locator("#create-dialog")).to_be_visible()
    assert page.url == url
    expect(page.locator("#create-name")).to_have_value(typed)
    # Shortened, it is accepted.
    page.fill("#create-name", typed[:100])
    expect(error).to_be_hidden()
    page.locator("#create-dialog button[type=submit]").click()
    expect(page.locator(".seg-dropdown__current")).to_have_text(typed[:100])

    # The rename dialog says the same.
    open_dropdown(page)
    segment_item(page, typed[:100]).locator("[data-rename]").click()
    expect(page.locator("#rename-name-limit")).to_have_text(text["limit"])
    page.fill("#rename-name", typed)
    expect(page.locator("#rename-name")).to_have_value(typed)
    expect(page.locator("#rename-error")).to_have_text(text["too_long"])
    page.locator("#rename-dialog button[type=submit]").click()
    expect(page.locator("#rename-dialog")).to_be_visible()
    expect(page.locator("#rename-error")).to_have_text(text["too_long"])
