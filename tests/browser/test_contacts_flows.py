"""The contacts page in a real browser, as a consultant, manager or admin uses it: create a
segment with contacts, bulk-add across pages, filter, search, rename, delete with confirmation,
and what happens on bad input or without permission."""

import re

from playwright.sync_api import expect

from .conftest import shot, sign_in


def open_dropdown(page):
    """Open the segment drop-down ("All contacts")."""
    if not page.locator("#segment-dropdown").get_attribute("open") is not None:
        page.click("#segment-dropdown summary")
    expect(page.locator("#segment-search")).to_be_focused()


def search_segments(page, text, expected):
    """Type ``text`` in the drop-down's search box and wait until it lists ``expected``."""
    open_dropdown(page)
    page.fill("#segment-search", text)
    expect(page.locator("#segment-list .seg-dropdown__name")).to_have_text(expected)


def segment_item(page, name):
    """The drop-down row of segment ``name``."""
    return page.locator("#segment-list .seg-dropdown__item", has=page.locator(
        ".seg-dropdown__name", has_text=re.compile(f"^{re.escape(name)}$")))


def create_segment(page, name, tick=0):
    """Tick the first ``tick`` contacts, then "Create Segment" in its dialog."""
    for box in page.locator(".contact-check").all()[:tick]:
        box.check()
    page.click("#create-segment-button")
    expect(page.locator("#create-dialog")).to_be_visible()
    page.fill("#create-name", name)
    page.locator("#create-dialog button[type=submit]").click()


def test_phone_sized_screen(browser, server):
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = context.new_page()
    sign_in(page, server.url, "manager")
    expect(page.locator("#bulk-menu summary")).to_be_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page scrolls sideways ({width}px)"
    shot(page, "contacts-phone", docs=True)
    page.click("#segment-dropdown summary")
    shot(page, "segment-dropdown-phone")
    context.close()


def test_create_segment_with_contacts(page, server):
    sign_in(page, server.url, "consultant")
    shot(page, "contacts", docs=True)
    names = [page.locator("tbody th label").nth(i).inner_text() for i in range(3)]
    for box in page.locator(".contact-check").all()[:3]:
        box.check()
    page.click("#create-segment-button")
    expect(page.locator("#create-dialog-count")).to_have_text("The 3 contacts you ticked will be put in it.")
    page.fill("#create-name", "Test Drive May")
    shot(page, "create-segment", docs=True)
    page.locator("#create-dialog button[type=submit]").click()
    expect(page.locator(".seg-message--success")).to_have_text('Segment "Test Drive May" created with 3 contacts.')
    expect(page.locator(".seg-dropdown__current")).to_have_text("Test Drive May")
    expect(page.locator("tbody tr")).to_have_count(3)
    assert [page.locator("tbody th label").nth(i).inner_text() for i in range(3)] == names
    expect(page.locator("tbody tr").first.locator(".seg-chip", has_text="Test Drive May")).to_be_visible()


def test_bulk_add_all_matching_across_pages_then_remove(page, server):
    sign_in(page, server.url, "manager")
    create_segment(page, "Everyone Bulk")
    page.click("#segment-dropdown summary")
    page.locator("#segment-list a", has_text="All contacts").click()
    expect(page.locator("#next-page")).to_be_visible()  # more than one page
    page.check("#select-page")
    expect(page.locator("#bulk-summary")).to_have_text("50 contacts selected on this page.")
    page.check("#select-all-matching")
    expect(page.locator("#bulk-summary")).to_have_text("All 120 matching contacts are selected.")
    page.click("#bulk-menu summary")
    page.click("[data-bulk-op=add]")
    dialog = page.locator("#bulk-dialog")
    expect(dialog).to_be_visible()
    page.fill("#bulk-segment-search", "everyone")
    expect(dialog.locator("#bulk-picker-list label")).to_have_count(1)
    dialog.locator("label", has_text="Everyone Bulk").click()
    shot(page, "bulk-add", docs=True)
    page.click("#bulk-dialog-submit")
    expect(page.locator(".seg-message--success")).to_have_text('120 contacts added to "Everyone Bulk".')
    open_dropdown(page)
    expect(segment_item(page, "Everyone Bulk").locator(".seg-count")).to_have_text("120 contacts")
    # Remove two of them again, picking the segment in the pop-up with the keyboard.
    page.keyboard.press("Escape")
    for box in page.locator(".contact-check").all()[:2]:
        box.check()
    page.click("#bulk-menu summary")
    page.click("[data-bulk-op=remove]")
    page.fill("#bulk-segment-search", "Everyone Bulk")
    expect(page.locator("#bulk-picker-list label")).to_have_text(["Everyone Bulk120 contacts"])
    page.locator("#bulk-picker-list input").first.check()
    page.keyboard.press("Escape")  # closes the dialog: nothing happens ...
    expect(page.locator("#bulk-dialog")).to_be_hidden()
    expect(page.locator("#bulk-menu summary")).to_be_focused()  # ... and focus returns
    page.click("#bulk-menu summary")
    page.click("[data-bulk-op=remove]")
    page.fill("#bulk-segment-search", "Everyone Bulk")
    expect(page.locator("#bulk-picker-list label")).to_have_text(["Everyone Bulk120 contacts"])
    page.locator("#bulk-picker-list input").first.check()
    page.click("#bulk-dialog-submit")
    expect(page.locator(".seg-message--success")).to_have_text('2 contacts removed from "Everyone Bulk".')


def test_filter_and_search_segments(page, server):
    sign_in(page, server.url, "consultant")
    open_dropdown(page)
    page.fill("#segment-search", "regi")
    expect(page.locator("#segment-list .seg-dropdown__name")).to_have_text(["North Region", "South Region"])
    shot(page, "segment-dropdown", docs=True)
    segment_item(page, "North Region").locator("a").first.click()
    expect(page.locator(".seg-dropdown__current")).to_have_text("North Region")
    rows = page.locator("tbody tr")
    for index in range(rows.count()):
        expect(rows.nth(index).locator(".seg-chip", has_text="North Region")).to_be_visible()
    # Search inside the filtered view.
    first_name = rows.first.locator("th label").inner_text().split()[0]
    page.fill("#contact-search", first_name)
    page.press("#contact-search", "Enter")
    expect(page.locator(".seg-dropdown__current")).to_have_text("North Region")
    for index in range(page.locator("tbody tr").count()):
        expect(page.locator("tbody tr").nth(index).locator("th")).to_contain_text(first_name)
    shot(page, "filtered-search")


def test_delete_with_confirmation_and_focus_return(page, server):
    sign_in(page, server.url, "manager")
    create_segment(page, "Delete Me Soon", tick=4)
    search_segments(page, "delete me", ["Delete Me Soon"])
    trash = segment_item(page, "Delete Me Soon").locator("[data-delete]")
    trash.click()
    expect(page.locator("#delete-dialog-text")).to_have_text(
        'Delete the segment "Delete Me Soon"? 4 contacts will lose this segment. Contacts are not deleted. '
        'It can be restored from “Recently deleted” for 30 days.')
    shot(page, "delete-confirmation", docs=True)
    page.locator("#delete-dialog button", has_text="Cancel").click()
    expect(trash).to_be_focused()
    trash.click()
    page.locator("#delete-dialog button[type=submit]").click()
    expect(page.locator(".seg-message--success")).to_have_text(
        'Segment "Delete Me Soon" deleted; 4 contacts lost it. It can be restored from “Recently deleted” for 30 days.')
    expect(page.locator(".seg-chip", has_text="Delete Me Soon")).to_have_count(0)
    open_dropdown(page)
    page.fill("#segment-search", "delete me")
    expect(page.locator("#segment-list .seg-dropdown__empty")).to_be_visible()


def test_rename_and_duplicate_name(page, server):
    sign_in(page, server.url, "admin")
    create_segment(page, "Rename Source", tick=1)
    search_segments(page, "rename source", ["Rename Source"])
    segment_item(page, "Rename Source").locator("[data-rename]").click()
    expect(page.locator("#rename-name")).to_have_value("Rename Source")
    page.fill("#rename-name", "north region")
    page.locator("#rename-dialog button[type=submit]").click()
    expect(page.locator("#rename-error")).to_contain_text('A segment named "North Region" already exists.')
    expect(page.locator("#rename-name")).to_have_value("north region")  # what was typed is kept
    page.fill("#rename-name", "Renamed Target")
    page.locator("#rename-dialog button[type=submit]").click()
    expect(page.locator(".seg-message--success")).to_have_text('Segment "Rename Source" renamed to "Renamed Target".')
    expect(page.locator(".seg-dropdown__current")).to_have_text("Renamed Target")


def test_empty_and_duplicate_segment_names_are_refused(page, server):
    sign_in(page, server.url, "consultant")
    create_segment(page, "   ", tick=2)  # spaces pass the browser's "required" check
    expect(page.locator("#create-error")).to_have_text("Give the segment a name (1 to 100 characters).")
    expect(page.locator("input[name=contact_ids]:checked")).to_have_count(2)
    page.fill("#create-name", "SUV owners")
    page.locator("#create-dialog button[type=submit]").click()
    expect(page.locator("#create-error")).to_have_text('A segment named "SUV Owners" already exists. Choose another name.')
    expect(page.locator("#create-name")).to_have_value("SUV owners")
    expect(page.locator("input[name=contact_ids]:checked")).to_have_count(2)


def test_segment_name_is_shown_as_text(page, server):
    sign_in(page, server.url, "consultant")
    create_segment(page, "<script>alert(1)</script>", tick=1)
    expect(page.locator(".seg-dropdown__current")).to_have_text("<script>alert(1)</script>")
    expect(page.locator("tbody .seg-chip", has_text="<script>alert(1)</script>")).to_be_visible()
    open_dropdown(page)
    search_segments(page, "script", ["<script>alert(1)</script>"])  # the JSON-built list escapes it too
    shot(page, "escaped-name")


def test_deleting_a_segment_someone_just_deleted(page, server, browser):
    sign_in(page, server.url, "manager")
    create_segment(page, "Deleted Twice", tick=2)
    search_segments(page, "deleted twice", ["Deleted Twice"])
    segment_item(page, "Deleted Twice").locator("[data-delete]").click()
    other = page.context.new_page()  # the same user in another tab deletes it first
    other.goto(page.url)
    segment_id = re.search(r"segment=(\d+)", page.url).group(1)
    other.goto(f"{server.url}/segments/{segment_id}/delete")
    other.click("button[type=submit]:has-text('Delete')")
    page.locator("#delete-dialog button[type=submit]").click()
    expect(page.locator(".seg-message--error")).to_have_text(
        "This segment no longer exists: someone may have just deleted it. The list below is up to date.")
    other.close()


def test_role_without_permission_gets_a_clear_message(page, server):
    sign_in(page, server.url, "manager")
    create_segment(page, "Kept Segment", tick=3)
    search_segments(page, "kept segment", ["Kept Segment"])
    segment_item(page, "Kept Segment").locator("[data-delete]").click()
    # Meanwhile the same browser session becomes a consultant (who may not delete).
    other = page.context.new_page()
    sign_in(other, server.url, "consultant")
    other.close()
    page.locator("#delete-dialog button[type=submit]").click()
    expect(page.locator(".seg-message--error")).to_have_text(
        "Your role (consultant) may not delete segments. Ask a manager or an admin of your account.")
    expect(page.locator("#delete-page-text")).to_contain_text("3 contacts will lose this segment")
    shot(page, "permission-denied")
