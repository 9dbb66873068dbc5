"""The notification stack in a real browser, in English and Brazilian Portuguese, on a desktop
window (1,280 px) and a phone (390 px): after a preview and several imports the user sees one
notice per import (its queued notice is replaced by the finished one), at most three with
"+N more" and "Dismiss all", never over the top bar or the page's toolbar, worded in the page's
language from their first appearance; success notices hide by themselves, failures stay.

The notices are built by the plugin's own notice builders and stored through its default
``segments_notify`` hook, the way an import stores them.
"""

import time
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from contact_segments.demo.models import Account, User, db
from contact_segments.imports import notices
from contact_segments.imports.models import FINISHED, REFUSED
from contact_segments.models import Notification

from .conftest import shot, sign_in

#: Import ids far above the ones the shared demo server's imports get.
FIRST_IMPORT_ID = 9_100_000
#: What must never be covered: the host's top bar and the contacts page's header and toolbar.
NEVER_COVERED = ["header.demo-topbar", "#demo-user", ".seg-header", ".seg-toolbar", "#contact-search",
                 "#bulk-menu > summary"]
WORDS = {
    "en": {"ready": "is ready:", "more": "+2 more", "refused": "was refused", "queued": "You will be notified"},
    "pt_BR": {"ready": "está pronta:", "more": "+2 mais", "refused": "foi recusada", "queued": "Você será notificado"},
}


def fake_import(user, number, status=None, dry_run=False):
    """An import-shaped record of ``user`` that the notice builders accept."""
    return SimpleNamespace(
        id=FIRST_IMPORT_ID + number, account_id=user.account_id, user_id=user.id, dry_run=dry_run,
        filename=f"contacts-{number}.csv", status=status, created=3, updated=1, unchanged=0,
        failed=0, memberships_added=3, memberships_removed=0, error_code="file_empty",
        error_params=None, error_message="The file is empty.")


def store(server, notice):
    """Store ``notice`` through the plugin's ``segments_notify`` hook, as an import does."""
    with server.app.app_context():
        server.app.extensions["segments"].pm.hook.segments_notify(notice=notice)


def manager(server):
    """The manager of Downtown Motors (the demo user these checks sign in as)."""
    with server.app.app_context():
        user = db.session.execute(sa.select(User).join(Account).where(
            Account.name == "Downtown Motors", User.role == "manager")).scalar_one()
        db.session.expunge(user)
        return user


def forget_notices(server, user):
    """Mark every notification of ``user`` read (the demo server is shared by the browser tests)."""
    with server.app.app_context():
        session = server.app.extensions["segments"].db.session
        session.execute(sa.update(Notification).where(Notification.user_id == user.id)
                        .values(read_at=sa.func.now()))
        session.commit()


def queue_and_finish(server, user, number, status=FINISHED, dry_run=False):
    """Store the queued notice of import ``number``, then its finished notice."""
    store(server, notices.queued_notice(fake_import(user, number, dry_run=dry_run)))
    store(server, notices.ended_notice(server.app.config, fake_import(user, number, status, dry_run)))


def boxes_overlap(a, b):
    return not (a["x"] + a["width"] <= b["x"] or b["x"] + b["width"] <= a["x"]
                or a["y"] + a["height"] <= b["y"] or b["y"] + b["height"] <= a["y"])


def assert_nothing_covered(page):
    """No visible notice (nor the "+N more" bar) overlaps the top bar or the toolbar, and a click
    on "Bulk actions" reaches it."""
    covers = page.locator(".seg-notifications .seg-toast:visible, .seg-notifications__more:visible")
    for index in range(covers.count()):
        notice_box = covers.nth(index).bounding_box()
        for selector in NEVER_COVERED:
            box = page.locator(selector).first.bounding_box()
            assert box and not boxes_overlap(notice_box, box), f"a notice covers {selector}"
    page.locator("#bulk-menu > summary").scroll_into_view_if_needed()
    assert page.evaluate("""() => {
        const summary = document.querySelector('#bulk-menu > summary');
        const r = summary.getBoundingClientRect();
        return summary.contains(document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2));
    }""")


@pytest.mark.parametrize("width", [1280, 390])
@pytest.mark.parametrize("language", ["en", "pt_BR"])
def test_notices_are_grouped_limited_and_never_cover_the_toolbar(open_page, server, language, width):
    words = WORDS[language]
    user = manager(server)
    forget_notices(server, user)
    queue_and_finish(server, user, 1, dry_run=True)   # a preview
    queue_and_finish(server, user, 2)                  # an import that finished
    queue_and_finish(server, user, 3, status=REFUSED)  # an import that was refused
    store(server, notices.queued_notice(fake_import(user, 4)))
    store(server, notices.queued_notice(fake_import(user, 5)))

    page = open_page(language, width)
    sign_in(page, server.url, "manager")
    tray = page.locator("#segments-notifications")
    # Success notices must not hide while the stack is checked: the delay is the page's.
    page.evaluate("document.getElementById('segments-notifications').dataset.hideAfterMs = '600000'")

    # One notice per import: five imports, the queued notices of the three finished ones gone;
    # at most three shown, the rest counted.
    toasts = tray.locator(".seg-toast")
    expect(toasts).to_have_count(5)
    expect(tray.locator(".seg-toast:visible")).to_have_count(3)
    ids = [toasts.nth(i).get_attribute("data-import-id") for i in range(5)]
    assert len(set(ids)) == 5, ids
    expect(tray.locator(".seg-notifications__more")).to_contain_text(words["more"])
    expect(tray.locator(".seg-toast", has_text=words["ready"])).to_have_count(1)
    expect(tray.locator(".seg-toast", has_text=words["queued"])).to_have_count(2)
    expect(tray.locator(".seg-toast", has_text=words["refused"])).to_have_count(1)
    assert_nothing_covered(page)
    shot(page, f"notifications-{language}-{width}", docs=(language, width) == ("en", 1280))

    # Dismissing one never brings back the queued notice of its import.
    tray.locator(".seg-toast:visible").first.locator("button").click()
    expect(toasts).to_have_count(4)
    page.reload()
    page.evaluate("document.getElementById('segments-notifications').dataset.hideAfterMs = '600000'")
    expect(toasts).to_have_count(4)
    assert len({toasts.nth(i).get_attribute("data-import-id") for i in range(4)}) == 4

    # "Dismiss all" clears them for good.
    tray.locator(".seg-notifications__dismiss-all button").click()
    expect(toasts).to_have_count(0)
    page.reload()
    expect(toasts).to_have_count(0)

    # A notice that arrives by polling: the queued one, then the finished one replaces it, worded
    # in the page's language from its first appearance; a success hides by itself (the page's
    # delay), a failure stays until dismissed.
    page.evaluate("document.getElementById('segments-notifications').dataset.hideAfterMs = '600000'")
    store(server, notices.queued_notice(fake_import(user, 6)))
    expect(tray.locator(".seg-toast", has_text=words["queued"])).to_have_count(1)
    store(server, notices.ended_notice(server.app.config, fake_import(user, 6, FINISHED)))
    finished = tray.locator(f'.seg-toast[data-import-id="{FIRST_IMPORT_ID + 6}"]')
    expect(finished).to_contain_text(words["ready"])   # first seen already in the page's language
    expect(tray.locator(".seg-toast", has_text=words["queued"])).to_have_count(0)
    page.evaluate("document.getElementById('segments-notifications').dataset.hideAfterMs = '300'")
    expect(finished).to_have_count(0)                   # hidden by itself after the delay
    store(server, notices.ended_notice(server.app.config, fake_import(user, 7, REFUSED)))
    failure = tray.locator(f'.seg-toast[data-import-id="{FIRST_IMPORT_ID + 7}"]')
    expect(failure).to_contain_text(words["refused"])
    deadline = time.monotonic() + 1.5                   # several hide delays: it stays
    while time.monotonic() < deadline:
        assert failure.count() == 1
        page.wait_for_timeout(100)
    assert_nothing_covered(page)
    failure.locator("button").click()
    expect(failure).to_have_count(0)
