"""The plugin's pages through Flask's test client, with JavaScript "off" (plain forms):
contacts list, keyset pages, filter and search, create / bulk-assign / rename / delete, bad input,
permissions, CSRF, escaping, notifications and translations. Runs on SQLite and PostgreSQL.
"""

import re

import pytest
import sqlalchemy as sa

from contact_segments import segments
from contact_segments.audience import SegmentSummary
from contact_segments.hooks.events import Notice
from contact_segments.hooks.markers import hookimpl
from contact_segments.models import Membership, Notification, Segment
from contact_segments.demo.models import db

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def app_config():
    return {"SEGMENTS_PAGE_SIZE": 10}


@pytest.fixture
def client_as(app, account):
    """Factory: a test client signed in as ``role`` of the account (demo host session)."""

    def make(role="manager", user_id=None):
        client = app.test_client()
        with client.session_transaction() as session:
            session["user_id"] = user_id or account[1][role]
        return client

    return make


def token(client, url="/segments/"):
    """A CSRF token from a page, as a browser would have it."""
    return TOKEN.search(client.get(url).get_data(as_text=True)).group(1)


def members(segment_id):
    return set(db.session.execute(
        sa.select(Membership.contact_id).where(Membership.segment_id == segment_id)).scalars())


def segment_names(account_id):
    return sorted(db.session.execute(
        sa.select(Segment.name).where(Segment.account_id == account_id)).scalars())


def test_contacts_page_lists_contacts_with_their_segments(client_as, account, make_contacts, scope_for):
    ids = make_contacts(account[0], 3)
    segments.create(scope_for(), "North Region", contact_ids=ids[:2])
    html = client_as().get("/segments/").get_data(as_text=True)
    assert "All contacts" in html
    assert html.count('<span class="seg-chip">North Region</span>') == 2
    assert "First2 Last2" in html and "No segments" in html
    assert "3 contacts" in html


def test_home_redirects_to_the_contacts_page(client_as):
    response = client_as().get("/")
    assert response.status_code == 302 and response.location.endswith("/segments/")


def test_keyset_pages_cover_every_contact_once(client_as, account, make_contacts):
    ids = make_contacts(account[0], 25)
    client = client_as()
    seen, url = [], "/segments/"
    while url:
        html = client.get(url).get_data(as_text=True)
        seen += [int(value) for value in re.findall(r'name="contact_ids" value="(\d+)"', html)]
        found = re.search(r'href="([^"]+)" rel="next"', html)
        url = found.group(1).replace("&amp;", "&") if found else None
        if url:
            assert "after=" in url and "offset" not in url
    assert seen == ids


def test_filter_by_segment_and_search(app, client_as, account, make_contacts, scope_for):
    ids = make_contacts(account[0], 12)
    north = segments.create(scope_for(), "North", contact_ids=ids[:4])
    client = client_as()
    html = client.get(f"/segments/?segment={north.id}").get_data(as_text=True)
    assert sorted(int(v) for v in re.findall(r'name="contact_ids" value="(\d+)"', html)) == ids[:4]
    assert '<span class="seg-dropdown__current" title="North">North</span>' in html
    html = client.get("/segments/?q=First11").get_data(as_text=True)
    assert re.findall(r'name="contact_ids" value="(\d+)"', html) == [str(ids[11])]
    assert 'data-total="1"' in html and "1 contact" in html
    # Matches on one page are counted from the page; more than a page, by the database.
    html = client.get("/segments/?q=First1").get_data(as_text=True)
    assert 'data-total="3"' in html and "3 contacts" in html
    app.config["SEGMENTS_PAGE_SIZE"] = 2
    html = client.get("/segments/?q=First1").get_data(as_text=True)
    assert len(re.findall(r'name="contact_ids"', html)) == 2 and 'data-total="3"' in html


def test_segment_dropdown_search_json_and_without_javascript(client_as, scope_for):
    for name in ("North Region", "South Region", "SUV Owners"):
        segments.create(scope_for(), name)
    client = client_as()
    data = client.get("/segments/segments.json?q=region").get_json()
    assert [item["name"] for item in data["items"]] == ["North Region", "South Region"]
    assert data["items"][0]["delete_confirmation"].startswith('Delete the segment "North Region"? 0 contacts')
    html = client.get("/segments/?seg_q=suv").get_data(as_text=True)
    assert "SUV Owners" in html and "North Region" not in html and "<details" in html


def test_user_content_is_escaped(client_as, account, make_contacts, scope_for):
    ids = make_contacts(account[0], 1)
    segments.create(scope_for(), "<script>alert(1)</script>", contact_ids=ids)
    html = client_as().get("/segments/").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_create_segment_with_picked_contacts(client_as, account, make_contacts):
    ids = make_contacts(account[0], 5)
    client = client_as("consultant")
    response = client.post("/segments/new", data={
        "csrf_token": token(client), "name": "VIP", "contact_ids": [ids[0], ids[3]]})
    assert response.status_code == 302
    [segment] = db.session.execute(sa.select(Segment)).scalars().all()
    assert members(segment.id) == {ids[0], ids[3]}
    html = client.get(response.location).get_data(as_text=True)
    assert 'Segment "VIP" created with 2 contacts.'.replace('"', "&#34;") in html


def test_create_segment_with_all_matching_a_search(client_as, account, make_contacts):
    ids = make_contacts(account[0], 15)
    client = client_as()
    client.post("/segments/new", data={"csrf_token": token(client), "name": "Ones", "q": "First1",
                                       "all_matching": "1"})
    [segment] = db.session.execute(sa.select(Segment)).scalars().all()
    assert members(segment.id) == {ids[1]} | set(ids[10:15])


@pytest.mark.parametrize("name, expected", [
    ("", "Give the segment a name"), ("   ", "Give the segment a name"),
    ("north", "already exists. Choose another name."), ("x" * 101, "too long"),
    ("North; South", 'cannot contain ";"')])
def test_bad_segment_names_keep_input_and_change_nothing(client_as, account, make_contacts, scope_for,
                                                         name, expected):
    ids = make_contacts(account[0], 3)
    segments.create(scope_for(), "North")
    client = client_as()
    response = client.post("/segments/new", data={
        "csrf_token": token(client), "name": name, "contact_ids": [ids[1]]})
    html = response.get_data(as_text=True)
    assert response.status_code in (409, 422)
    assert expected in html.replace("&#34;", '"')
    assert f'value="{name}"' in html
    assert re.search(rf'value="{ids[1]}" checked', html)
    assert segment_names(account[0]) == ["North"]


def test_bulk_add_all_matching_across_pages(client_as, account, make_contacts, scope_for):
    ids = make_contacts(account[0], 25)
    target = segments.create(scope_for(), "Everyone")
    client = client_as("consultant")
    response = client.post("/segments/bulk", data={
        "csrf_token": token(client), "op": "add", "all_matching": "1", "segment_id": target.id})
    assert response.status_code == 302
    assert members(target.id) == set(ids)
    assert db.session.get(Segment, target.id).member_count == 25


def test_bulk_without_javascript_asks_for_the_segment_then_applies(client_as, account, make_contacts,
                                                                   scope_for):
    ids = make_contacts(account[0], 4)
    target = segments.create(scope_for(), "Picked", contact_ids=ids)
    client = client_as()
    csrf = token(client)
    page = client.post("/segments/bulk", data={"csrf_token": csrf, "op": "remove",
                                               "contact_ids": ids[:2]})
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Remove from segment" in html and "2 contacts selected." in html
    assert f'name="contact_ids" value="{ids[0]}"' in html
    again = client.post("/segments/bulk", data={"csrf_token": csrf, "op": "remove", "picking": "1",
                                                "contact_ids": ids[:2]})
    assert again.status_code == 422 and "Choose a segment." in again.get_data(as_text=True)
    done = client.post("/segments/bulk", data={"csrf_token": csrf, "op": "remove", "picking": "1",
                                               "contact_ids": ids[:2], "segment_id": target.id})
    assert done.status_code == 302
    assert members(target.id) == set(ids[2:])


def test_bulk_with_nothing_ticked_says_so(client_as, scope_for):
    target = segments.create(scope_for(), "Empty")
    client = client_as()
    response = client.post("/segments/bulk", data={"csrf_token": token(client), "op": "add",
                                                   "segment_id": target.id}, follow_redirects=True)
    assert "Tick at least one contact first" in response.get_data(as_text=True)


def test_rename_and_duplicate_rename(client_as, scope_for):
    north = segments.create(scope_for(), "North")
    segments.create(scope_for(), "South")
    client = client_as("manager")
    csrf = token(client)
    refused = client.post(f"/segments/{north.id}/rename", data={"csrf_token": csrf, "name": "SOUTH"})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 409 and 'value="SOUTH"' in html and "already exists" in html
    done = client.post(f"/segments/{north.id}/rename", data={"csrf_token": csrf, "name": "North Region"})
    assert done.status_code == 302
    assert segment_names(north.account_id) == ["North Region", "South"]


def test_delete_confirmation_states_the_count_then_deletes(client_as, account, make_contacts, scope_for):
    ids = make_contacts(account[0], 6)
    north = segments.create(scope_for(), "North", contact_ids=ids[:5])
    client = client_as("admin")
    html = client.get(f"/segments/{north.id}/delete").get_data(as_text=True)
    assert "5 contacts will lose this segment" in html
    response = client.post(f"/segments/{north.id}/delete", data={"csrf_token": token(client)},
                           follow_redirects=True)
    assert ("5 contacts lost it. It can be restored from “Recently deleted” for 30 days."
            in response.get_data(as_text=True))
    assert "It can be restored from “Recently deleted” for 30 days." in html
    # No contact is in it any more; its memberships are kept apart for restoring.
    assert segment_names(account[0]) == []
    assert "North" in client.get("/segments/deleted").get_data(as_text=True)
    gone = client.post(f"/segments/{north.id}/delete", data={"csrf_token": token(client)})
    assert gone.status_code == 404
    assert "This segment no longer exists: someone may have just deleted it." in gone.get_data(as_text=True)


def test_consultant_may_not_delete_and_sees_no_trash(client_as, account, make_contacts, scope_for):
    ids = make_contacts(account[0], 2)
    north = segments.create(scope_for(), "North", contact_ids=ids)
    client = client_as("consultant")
    assert "data-delete=" not in client.get("/segments/").get_data(as_text=True)
    response = client.post(f"/segments/{north.id}/delete", data={"csrf_token": token(client)})
    html = response.get_data(as_text=True)
    assert response.status_code == 403
    assert "Your role (consultant) may not delete segments. Ask a manager or an admin" in html
    assert segment_names(account[0]) == ["North"] and members(north.id) == set(ids)


def test_stale_csrf_token_keeps_input_and_changes_nothing(client_as, account, make_contacts):
    ids = make_contacts(account[0], 2)
    client = client_as()
    response = client.post("/segments/new", data={"csrf_token": "stale", "name": "Typed name",
                                                   "contact_ids": [ids[1]]})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "This form had expired" in html and 'value="Typed name"' in html
    assert re.search(rf'value="{ids[1]}" checked', html)
    assert TOKEN.search(html)  # a fresh token, so submitting again works
    assert segment_names(account[0]) == []


def test_other_accounts_segments_are_invisible(client_as, make_account, scope_for):
    other_id, _ = make_account("Other Dealer")
    theirs = segments.create(scope_for(account_id=other_id), "Theirs")
    client = client_as("admin")
    assert "Theirs" not in client.get("/segments/").get_data(as_text=True)
    response = client.post(f"/segments/{theirs.id}/delete", data={"csrf_token": token(client)})
    assert response.status_code == 404
    assert segment_names(other_id) == ["Theirs"]
    assert client.get(f"/segments/?segment={theirs.id}").status_code == 200


def test_nobody_signed_in_gets_a_clear_page(app):
    response = app.test_client().get("/segments/")
    assert response.status_code == 401
    assert "Sign in to use customer segments." in response.get_data(as_text=True)


def test_notifications_show_poll_and_dismiss(client_as, account, state):
    state.pm.hook.segments_notify(notice=Notice(
        account_id=account[0], user_id=account[1]["manager"], kind="import_queued",
        message="You will be notified when your bulk import is ready"))
    state.pm.hook.segments_notify(notice=Notice(
        account_id=account[0], user_id=account[1]["admin"], kind="import_queued", message="Not yours"))
    client = client_as("manager")
    html = client.get("/segments/").get_data(as_text=True)
    assert "You will be notified when your bulk import is ready" in html and "Not yours" not in html
    [item] = client.get("/segments/notifications.json").get_json()["items"]
    assert client.get(f"/segments/notifications.json?after={item['id']}").get_json()["items"] == []
    client.post(item["read_url"], headers={"X-CSRFToken": token(client), "Accept": "application/json"})
    assert client.get("/segments/notifications.json").get_json()["items"] == []


def _unread_of(user_id):
    rows = db.session.execute(sa.select(Notification.kind, Notification.import_id).where(
        Notification.user_id == user_id, Notification.read_at.is_(None)).order_by(Notification.id)).all()
    return [tuple(row) for row in rows]


def _notify(state, account, role, kind, import_id, level="info"):
    state.pm.hook.segments_notify(notice=Notice(
        account_id=account[0], user_id=account[1][role], kind=kind, level=level,
        message=f"{kind} of {import_id}", import_id=import_id))


def test_a_finished_notice_replaces_the_queued_one_of_its_import(client_as, account, state):
    _notify(state, account, "manager", "import_queued", 1)
    _notify(state, account, "manager", "import_queued", 2)
    _notify(state, account, "admin", "import_queued", 1)
    _notify(state, account, "manager", "import_finished", 1, "success")
    manager = client_as("manager")
    items = manager.get("/segments/notifications.json").get_json()["items"]
    assert [(item["kind"], item["import_id"]) for item in items] == [("import_queued", 2), ("import_finished", 1)]
    assert _unread_of(account[1]["admin"]) == [("import_queued", 1)]  # another user's stays


def test_dismiss_all_is_csrf_checked_and_only_touches_the_users_own(client_as, account, state):
    for import_id in (1, 2, 3, 4):
        _notify(state, account, "manager", "import_queued", import_id)
    _notify(state, account, "admin", "import_queued", 9)
    manager = client_as("manager")
    html = manager.get("/segments/").get_data(as_text=True)
    assert "+1 more" in html and "Dismiss all" in html  # three shown, the fourth counted
    assert manager.post("/segments/notifications/read", headers={"Accept": "application/json"}).status_code == 400
    assert len(manager.get("/segments/notifications.json").get_json()["items"]) == 4
    answer = manager.post("/segments/notifications/read",
                          headers={"X-CSRFToken": token(manager), "Accept": "application/json"})
    assert answer.get_json() == {"ok": True, "read": 4}
    assert manager.get("/segments/notifications.json").get_json()["items"] == []
    assert _unread_of(account[1]["admin"]) == [("import_queued", 9)]
    _notify(state, account, "manager", "import_queued", 5)
    answer = manager.post("/segments/notifications/read",  # the form, without JavaScript
                          data={"csrf_token": token(manager), "next": "/segments/?q=x"})
    assert answer.status_code == 302 and answer.location.endswith("/segments/?q=x")
    assert _unread_of(account[1]["manager"]) == []


class HostNotifier:
    """A host that routes the plugin's notifications to its own system."""

    def __init__(self):
        self.notices = []

    @hookimpl
    def segments_notify(self, notice):
        self.notices.append(notice)
        return True


def test_host_can_route_notifications_elsewhere(client_as, account, state):
    host = HostNotifier()
    state.pm.register(host, name="host-notifier")
    try:
        state.pm.hook.segments_notify(notice=Notice(
            account_id=account[0], user_id=account[1]["manager"], kind="import_queued", message="Hi"))
    finally:
        state.pm.unregister(name="host-notifier")
    assert [notice.message for notice in host.notices] == ["Hi"]
    assert db.session.execute(sa.select(sa.func.count()).select_from(Notification)).scalar_one() == 0


def test_pages_in_brazilian_portuguese(client_as, account, make_contacts, scope_for):
    ids = make_contacts(account[0], 2)
    segments.create(scope_for(), "Norte", contact_ids=ids)
    html = client_as().get("/segments/", headers={"Accept-Language": "pt-BR,pt;q=0.9"}).get_data(as_text=True)
    assert "Todos os contatos" in html and "Ações em massa" in html and "Criar segmento" in html
    assert '<html lang="pt-BR">' in html
    assert "2 contatos" in html and "Selecionar todos os 2 contatos encontrados" in html
    english = client_as().get("/segments/", headers={"Accept-Language": "en-US"}).get_data(as_text=True)
    assert "All contacts" in english


def test_example_files_download(client_as):
    client = client_as("consultant")
    csv_file = client.get("/segments/import/example.csv")
    assert csv_file.status_code == 200 and "attachment" in csv_file.headers["Content-Disposition"]
    assert csv_file.data.decode("utf-8-sig").startswith("Country Code,First Name,Last Name")
    xlsx = client.get("/segments/import/example.xlsx")
    assert xlsx.data[:2] == b"PK"


@pytest.mark.parametrize("app_config", [{"SEGMENTS_LOCALE": "pt_BR"}])
def test_host_setting_chooses_the_language(client_as):
    html = client_as().get("/segments/", headers={"Accept-Language": "en-US"}).get_data(as_text=True)
    assert "Todos os contatos" in html


def test_host_implementation_of_contact_segments_is_asked(client_as, account, make_contacts, state):
    make_contacts(account[0], 2)

    class HostSegments:
        @hookimpl
        def segments_contact_segments(self, account_id, contact_id):
            return [SegmentSummary(id=0, name=f"From host {contact_id}", member_count=1)]

    state.pm.register(HostSegments(), name="host-segments")
    try:
        html = client_as().get("/segments/").get_data(as_text=True)
    finally:
        state.pm.unregister(name="host-segments")
    assert html.count("From host ") == 2
