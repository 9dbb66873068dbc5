"""The history pages through Flask's test client (JavaScript "off"): a contact's history, a
segment's activity, "Recently deleted" with Restore (a taken name asks for another), undoing an
import from its page; permissions, CSRF and ids that are not the account's. On SQLite and
PostgreSQL."""

import io
import re
from html import unescape
import time

import pytest
import sqlalchemy as sa

from api_client import SignedInClient
from contact_segments import segments
from contact_segments.blueprints import ui_history
from contact_segments.demo.models import db
from contact_segments.history import undo
from contact_segments.imports.models import Import
from contact_segments.models import Contact, Membership, Segment

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
HEADER = "Country Code,First Name,Last Name,Mobile Number,Email,Segments\n"


@pytest.fixture
def client_as(app, account):
    """Factory: a test client signed in as ``role`` of the account, with its CSRF token."""

    def make(role="manager", user_id=None):
        client = SignedInClient(app, app.response_class, use_cookies=True)
        with client.session_transaction() as session:
            session["user_id"] = user_id or account[1][role]
        client.csrf = TOKEN.search(client.get("/segments/").get_data(as_text=True)).group(1)
        return client

    return make


def page(client, url, status=200):
    response = client.get(url)
    assert response.status_code == status, re.sub(r"(?s).*<main", "", response.get_data(as_text=True))[:1500]
    return response.get_data(as_text=True)


def import_file(client, text, name="customers.csv"):
    """Upload and import ``text`` from the page; return the ended import."""
    response = client.post("/segments/imports", data={
        "csrf_token": client.csrf, "action": "import", "file": (io.BytesIO(text.encode()), name)},
        content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    import_id = int(response.location.rstrip("/").split("/")[-1])
    deadline = time.monotonic() + 30
    while not client.get(f"/segments/imports/{import_id}/status.json").get_json()["ended"]:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    db.session.expire_all()
    return db.session.get(Import, import_id)


def contact_id(email):
    db.session.expire_all()
    return db.session.execute(sa.select(Contact.id).where(Contact.email == email)).scalar_one_or_none()


def members(segment_id):
    db.session.expire_all()
    return set(db.session.execute(sa.select(Membership.contact_id).where(Membership.segment_id == segment_id)).scalars())


def segment_id(account_id, name):
    db.session.expire_all()
    return db.session.execute(sa.select(Segment.id).where(
        Segment.account_id == account_id, Segment.name == name)).scalar_one_or_none()


def test_a_contacts_history_shows_the_import_and_the_manual_add_with_who(client_as, account):
    manager = client_as("manager")
    assert manager.post("/segments/new", data={"csrf_token": manager.csrf, "name": "VIP"}).status_code == 302
    assert manager.post("/segments/new", data={"csrf_token": manager.csrf, "name": "North"}).status_code == 302
    import_file(manager, HEADER + "US,Ann,Lee,,ann@example.com,VIP\n")
    ann = contact_id("ann@example.com")
    north = segment_id(account[0], "North")
    response = manager.post("/segments/bulk", data={
        "csrf_token": manager.csrf, "op": "add", "segment_id": north, "contact_ids": ann})
    assert response.status_code == 302 and members(north) == {ann}

    contacts = page(manager, "/segments/")
    assert f'href="/segments/contacts/{ann}/history"' in contacts
    html = page(manager, f"/segments/contacts/{ann}/history")
    assert "History of Ann Lee" in html
    lines = re.findall(r'<li class="seg-history__item[^"]*">(.*?)</li>', html, re.S)
    assert "Added to “North” by manager of Downtown Motors" in lines[0] and "on the dashboard" in lines[0]
    assert "Added to “VIP” by manager of Downtown Motors" in lines[1] and "import of “customers.csv”" in lines[1]

    # The host's contact panel shows the newest changes with a link to the whole history.
    panel = page(manager, f"/contacts/{ann}")
    assert "Added to “North” by manager of Downtown Motors" in panel
    assert f'href="/segments/contacts/{ann}/history"' in panel and "Full history" in panel


def test_unknown_or_foreign_contacts_and_segments_are_404_pages(client_as, make_account, make_contacts, scope_for):
    other_account, _ = make_account("Elsewhere")
    foreign_contact = make_contacts(other_account, 1)[0]
    foreign_segment = segments.create(scope_for("admin", account_id=other_account), "Theirs")
    client = client_as("consultant")
    for url in (f"/segments/contacts/{foreign_contact}/history", "/segments/contacts/999999/history",
                f"/segments/{foreign_segment.id}/activity", "/segments/999999/activity"):
        html = page(client, url, status=404)
        assert "Not found" in html
    assert "There is no such contact in this account." in page(client, "/segments/contacts/999999/history", 404)
    manager = client_as("manager")
    assert "Not found" in page(manager, "/segments/imports/999999/undo", status=404)
    response = manager.post("/segments/deleted/999999/restore", data={"csrf_token": manager.csrf})
    assert response.status_code == 404 and "cannot be restored" in response.get_data(as_text=True)
    response = manager.post("/segments/imports/999999/undo", data={"csrf_token": manager.csrf})
    assert response.status_code == 404


def test_a_segments_activity_lists_its_changes_newest_first_in_pages(client_as, account, make_contacts, monkeypatch):
    ids = make_contacts(account[0], 3)
    manager = client_as("manager")
    manager.post("/segments/new", data={"csrf_token": manager.csrf, "name": "Vip", "contact_ids": ids[:2]})
    vip = segment_id(account[0], "Vip")
    manager.post(f"/segments/{vip}/rename", data={"csrf_token": manager.csrf, "name": "VIP"})
    manager.post("/segments/bulk", data={"csrf_token": manager.csrf, "op": "remove", "segment_id": vip,
                                         "contact_ids": ids[0]})
    contacts = page(manager, f"/segments/?segment={vip}")
    assert f'href="/segments/{vip}/activity"' in contacts

    html = page(client_as("consultant"), f"/segments/{vip}/activity")
    assert "Activity of “VIP”" in html
    rows = re.findall(r'<tr data-action="([a-z_]+)">(.*?)</tr>', html, re.S)
    assert [action for action, _ in rows] == ["members_removed", "segment_renamed", "segment_created"]
    assert "1 contact removed" in rows[0][1] and "manager of Downtown Motors" in rows[0][1]
    assert "Renamed from “Vip” to “VIP”" in rows[1][1] and "on the dashboard" in rows[1][1]
    assert "Created with 2 contacts" in rows[2][1]

    monkeypatch.setattr(ui_history, "ACTIVITY_PAGE_SIZE", 2)
    first = page(manager, f"/segments/{vip}/activity")
    older = re.search(r'href="([^"]+)" rel="next" id="activity-older"', first).group(1).replace("&amp;", "&")
    second = page(manager, older)
    assert re.findall(r'<tr data-action="([a-z_]+)">', second) == ["segment_created"]
    assert 'id="activity-older"' not in second and 'id="activity-newest"' in second


def test_delete_then_restore_from_recently_deleted(client_as, account, make_contacts):
    ids = make_contacts(account[0], 2)
    manager = client_as("manager")
    manager.post("/segments/new", data={"csrf_token": manager.csrf, "name": "VIP", "contact_ids": ids})
    vip = segment_id(account[0], "VIP")
    confirmation = page(manager, f"/segments/{vip}/delete")
    assert "2 contacts will lose this segment" in confirmation
    assert "It can be restored from “Recently deleted” for 30 days." in confirmation
    assert manager.post(f"/segments/{vip}/delete", data={"csrf_token": manager.csrf}).status_code == 302
    assert segment_id(account[0], "VIP") is None

    assert 'id="recently-deleted-link"' in page(manager, "/segments/")
    listed = page(manager, "/segments/deleted")
    assert f'data-deleted-id="{vip}"' in listed and "manager of Downtown Motors" in listed
    assert f'data-restore="{vip}"' in listed

    # A consultant sees the list without the button, and cannot restore.
    consultant = client_as("consultant")
    seen = page(consultant, "/segments/deleted")
    assert f'data-deleted-id="{vip}"' in seen and "data-restore" not in seen
    assert "Only managers and admins can restore segments." in seen
    refused = consultant.post(f"/segments/deleted/{vip}/restore", data={"csrf_token": consultant.csrf})
    assert refused.status_code == 403
    assert "Your role (consultant) may not restore deleted segments." in refused.get_data(as_text=True)
    # Without the CSRF token nothing happens either.
    assert manager.post(f"/segments/deleted/{vip}/restore").status_code == 400
    assert segment_id(account[0], "VIP") is None

    restored = manager.post(f"/segments/deleted/{vip}/restore", data={"csrf_token": manager.csrf})
    assert restored.status_code == 302 and restored.location.endswith(f"/segments/?segment={vip}")
    assert "Restored “VIP” with 2 members." in page(manager, restored.location)
    assert members(vip) == set(ids)
    assert f'data-deleted-id="{vip}"' not in page(manager, "/segments/deleted")


def test_a_restore_says_how_many_members_were_skipped(client_as, account, make_contacts, state):
    ids = make_contacts(account[0], 3)
    manager = client_as("manager")
    manager.post("/segments/new", data={"csrf_token": manager.csrf, "name": "VIP", "contact_ids": ids})
    vip = segment_id(account[0], "VIP")
    manager.post(f"/segments/{vip}/delete", data={"csrf_token": manager.csrf})
    state.forget_contacts(account[0], [ids[2]])  # the host deleted one of its contacts since
    assert client_as("consultant").get(f"/segments/deleted/{vip}/restore").status_code == 403
    assert 'id="restore-form"' in page(manager, f"/segments/deleted/{vip}/restore")
    restored = manager.post(f"/segments/deleted/{vip}/restore", data={"csrf_token": manager.csrf},
                            follow_redirects=True)
    assert "Restored “VIP” with 2 members. (1 contact deleted since was skipped.)" in restored.get_data(as_text=True)
    assert members(vip) == set(ids[:2])


def test_a_restore_whose_name_is_taken_asks_for_another(client_as, account, make_contacts):
    ids = make_contacts(account[0], 1)
    manager = client_as("manager")
    manager.post("/segments/new", data={"csrf_token": manager.csrf, "name": "VIP", "contact_ids": ids})
    vip = segment_id(account[0], "VIP")
    manager.post(f"/segments/{vip}/delete", data={"csrf_token": manager.csrf})
    manager.post("/segments/new", data={"csrf_token": manager.csrf, "name": "vip"})

    taken = manager.post(f"/segments/deleted/{vip}/restore", data={"csrf_token": manager.csrf})
    html = unescape(taken.get_data(as_text=True))
    assert taken.status_code == 409 and 'id="restore-form"' in html
    assert 'A segment named "vip" already exists. Choose another name.' in html
    again = manager.post(f"/segments/deleted/{vip}/restore", data={"csrf_token": manager.csrf, "name": "VIP 2024"})
    assert again.status_code == 302
    assert segment_id(account[0], "VIP 2024") == vip and members(vip) == set(ids)


def test_undo_an_import_from_its_page(client_as, account, app):
    manager = client_as("manager")
    manager.post("/segments/new", data={"csrf_token": manager.csrf, "name": "VIP"})
    imp = import_file(manager, HEADER + "US,Cy,Fox,,cy@example.com,VIP\nUS,Di,Orr,,di@example.com,VIP\n")
    assert contact_id("cy@example.com") and contact_id("di@example.com")

    consultant = client_as("consultant")
    assert 'id="undo-link"' not in page(consultant, f"/segments/imports/{imp.id}")
    assert consultant.get(f"/segments/imports/{imp.id}/undo").status_code == 403
    refused = consultant.post(f"/segments/imports/{imp.id}/undo", data={"csrf_token": consultant.csrf})
    assert refused.status_code == 403 and "may not undo imports" in refused.get_data(as_text=True)
    assert manager.post(f"/segments/imports/{imp.id}/undo").status_code == 400  # no CSRF token
    assert undo.status(app.extensions["segments"].scope(
        _actor(account, "manager")), imp.id)["status"] is None

    detail = page(manager, f"/segments/imports/{imp.id}")
    assert f'href="/segments/imports/{imp.id}/undo" id="undo-link"' in detail
    confirmation = page(manager, f"/segments/imports/{imp.id}/undo")
    assert ("This removes 2 segment memberships, puts back 0, gives 0 contacts their earlier values and "
            "deletes 2 contacts created by this import. Changes made since by others are kept.") in confirmation

    response = manager.post(f"/segments/imports/{imp.id}/undo", data={"csrf_token": manager.csrf})
    assert response.status_code == 302 and response.location.endswith(f"/segments/imports/{imp.id}")
    deadline = time.monotonic() + 30
    while 'id="undo-status" data-status="finished"' not in (html := page(manager, f"/segments/imports/{imp.id}")):
        assert time.monotonic() < deadline and 'id="undo-status" data-status="failed"' not in html
        time.sleep(0.1)
    assert "Import undone" in html and 'id="undo-link"' not in html
    assert re.search(r'id="undo-deleted">2<', html) and re.search(r'id="undo-removed">2<', html)
    assert contact_id("cy@example.com") is None and contact_id("di@example.com") is None
    assert f'data-undone="{imp.id}"' in page(manager, "/segments/imports")  # the history says so

    # Asking again is refused with the reason, on the import's page.
    again = manager.get(f"/segments/imports/{imp.id}/undo")
    assert again.status_code == 302
    assert f"Import {imp.id} was already undone." in page(manager, again.location)


def test_a_preview_cannot_be_undone(client_as):
    manager = client_as("manager")
    response = manager.post("/segments/imports", data={
        "csrf_token": manager.csrf, "action": "preview",
        "file": (io.BytesIO((HEADER + "US,Cy,Fox,,cy@example.com,\n").encode()), "p.csv")},
        content_type="multipart/form-data")
    preview_id = int(response.location.split("?")[0].rstrip("/").split("/")[-1])
    assert 'id="undo-link"' not in page(manager, f"/segments/imports/{preview_id}")
    refused = manager.post(f"/segments/imports/{preview_id}/undo", data={"csrf_token": manager.csrf})
    assert refused.status_code == 302
    assert "was a preview: it changed nothing" in page(manager, refused.location)


def _actor(account, role):
    from contact_segments.actor import Actor

    return Actor(account_id=account[0], user_id=account[1][role], role=role)
