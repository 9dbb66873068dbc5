"""Every change remembered, every mistake undoable, in a real browser: a deleted segment is
restored from "Recently deleted" with its members (and under a new name when its own is taken
meanwhile); an import is undone from its page after a confirmation that states what it will do;
a contact's history says who added it to which segment, how and when."""

import re
import uuid

from playwright.sync_api import expect

from .conftest import shot, sign_in
from .test_import_flows import watch_progress

HEADER = "Country Code,First Name,Last Name,Mobile Number,Email,Segments\n"


def unique(prefix):
    return f"{prefix} {uuid.uuid4().hex[:6]}"


def create_segment(page, name, tick=0):
    """Tick the first ``tick`` contacts, then "Create Segment" in its dialog; return its id."""
    for box in page.locator(".contact-check").all()[:tick]:
        box.check()
    page.click("#create-segment-button")
    page.fill("#create-name", name)
    page.locator("#create-dialog button[type=submit]").click()
    expect(page.locator(".seg-dropdown__current")).to_have_text(name)
    return int(re.search(r"segment=(\d+)", page.url).group(1))


def delete_segment(page, name):
    """Delete segment ``name`` from the drop-down, after its confirmation."""
    page.click("#segment-dropdown summary")
    page.fill("#segment-search", name)
    item = page.locator("#segment-list .seg-dropdown__item", has_text=name)
    expect(item).to_have_count(1)
    item.locator("[data-delete]").click()
    expect(page.locator("#delete-dialog-text")).to_contain_text("It can be restored from “Recently deleted” for 30 days.")
    page.locator("#delete-dialog button[type=submit]").click()
    expect(page.locator(".seg-message--success")).to_contain_text(f'Segment "{name}" deleted')


def import_file(page, base, name, text):
    """Import ``text`` as file ``name`` from "Create Contact"; wait for the result."""
    page.goto(f"{base}/segments/contacts/new")
    page.set_input_files("#import-file", files=[{"name": name, "mimeType": "text/csv", "buffer": text.encode()}])
    page.click("#import-button")
    watch_progress(page)
    expect(page.locator("#import-status")).to_have_text("Finished")


def test_delete_then_restore_from_recently_deleted(page, server):
    base = server.url
    sign_in(page, base, "manager")
    name = unique("Restore Me")
    segment_id = create_segment(page, name, tick=3)
    delete_segment(page, name)

    page.click("#recently-deleted-link")
    row = page.locator(f'tr[data-deleted-id="{segment_id}"]')
    expect(row).to_contain_text(name)
    expect(row).to_contain_text("Morgan Manager")
    expect(row.locator("td").first).to_have_text("3")
    shot(page, "recently-deleted", docs=True)
    row.locator("button", has_text="Restore").click()
    expect(page.locator(".seg-message--success")).to_have_text(f"Restored “{name}” with 3 members.")
    expect(page.locator(".seg-dropdown__current")).to_have_text(name)
    expect(page.locator("tbody tr")).to_have_count(3)

    # Deleted again, and its name taken meanwhile: the restore asks for another name.
    delete_segment(page, name)
    create_segment(page, name)
    page.click("#recently-deleted-link")
    page.locator(f'tr[data-deleted-id="{segment_id}"] button', has_text="Restore").click()
    expect(page.locator("#restore-error")).to_have_text(f'A segment named "{name}" already exists. Choose another name.')
    shot(page, "restore-name-taken", docs=True)
    page.fill("#restore-name", f"{name} (old)")
    page.click("#restore-submit")
    expect(page.locator(".seg-message--success")).to_have_text(f"Restored “{name} (old)” with 3 members.")
    expect(page.locator("tbody tr")).to_have_count(3)

    # A consultant sees the list without Restore buttons, and why.
    sign_in(page, base, "consultant")
    page.goto(f"{base}/segments/deleted")
    expect(page.locator("#restore-permission-note")).to_have_text("Only managers and admins can restore segments.")
    expect(page.locator("[data-restore]")).to_have_count(0)


def test_undo_an_import_from_its_page(page, server):
    base = server.url
    tag = uuid.uuid4().hex[:6]
    sign_in(page, base, "manager")
    rows = "".join(f"US,Undo{tag}{n},Person,,undo{tag}.{n}@example.com,North Region\n" for n in range(4))
    import_file(page, base, f"undo-{tag}.csv", HEADER + rows)
    expect(page.locator("#count-created")).to_have_text("4")

    page.click("#undo-link")
    expect(page.locator("#undo-plan")).to_have_text(
        "This removes 4 segment memberships, puts back 0, gives 0 contacts their earlier values and deletes "
        "4 contacts created by this import. Changes made since by others are kept.")
    shot(page, "import-undo-confirmation", docs=True)
    page.click("#undo-confirm")
    expect(page.locator("#undo-status")).to_have_text("Import undone", timeout=60_000)
    expect(page.locator("#undo-deleted")).to_have_text("4")
    expect(page.locator("#undo-removed")).to_have_text("4")
    expect(page.locator("#undo-link")).to_have_count(0)
    shot(page, "import-undone", docs=True)

    page.goto(f"{base}/segments/?q=undo{tag}")
    expect(page.locator("tbody tr")).to_have_count(0)

    # A consultant does not see the button on an import's page.
    sign_in(page, base, "consultant")
    import_file(page, base, f"undo-b-{tag}.csv", HEADER + f"US,Undo{tag}x,Person,,undo{tag}.x@example.com,\n")
    expect(page.locator("#undo-link")).to_have_count(0)


def test_a_contacts_history_shows_the_import_and_the_manual_add(page, server):
    base = server.url
    tag = uuid.uuid4().hex[:6]
    sign_in(page, base, "manager")
    import_file(page, base, f"history-{tag}.csv", HEADER + f"US,Hist{tag},Person,,hist{tag}@example.com,South Region\n")

    # Added by hand to another segment, with Bulk actions → Add to segment.
    page.goto(f"{base}/segments/?q=hist{tag}")
    expect(page.locator("tbody tr")).to_have_count(1)
    page.locator(".contact-check").first.check()
    page.click("#bulk-menu summary")
    page.click("[data-bulk-op=add]")
    page.fill("#bulk-segment-search", "SUV Owners")
    expect(page.locator("#bulk-picker-list label")).to_have_count(1)
    page.locator("#bulk-picker-list input").first.check()
    page.click("#bulk-dialog-submit")
    expect(page.locator(".seg-message--success")).to_be_visible()

    page.goto(f"{base}/segments/?q=hist{tag}")
    page.locator("tbody tr .seg-history-link").click()
    expect(page.locator("h1")).to_have_text(f"History of Hist{tag} Person")
    lines = page.locator("#contact-history li")
    expect(lines).to_have_count(2)
    expect(lines.nth(0)).to_contain_text("Added to “SUV Owners” by Morgan Manager (Downtown Motors)")
    expect(lines.nth(0)).to_contain_text("on the dashboard")
    expect(lines.nth(1)).to_contain_text("Added to “South Region” by Morgan Manager (Downtown Motors)")
    expect(lines.nth(1)).to_contain_text(f"import of “history-{tag}.csv”")
    shot(page, "contact-history", docs=True)

    # The segment's activity lists the manual add with who and how.
    lines.nth(0).locator(".seg-history__more").click()
    expect(page.locator("h1")).to_have_text("Activity of “SUV Owners”")
    newest = page.locator("#segment-activity tbody tr").first
    expect(newest).to_contain_text("1 contact added")
    expect(newest).to_contain_text("Morgan Manager (Downtown Motors)")
    shot(page, "segment-activity", docs=True)
