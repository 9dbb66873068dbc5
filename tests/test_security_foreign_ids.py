"""Another account's ids on the plugin's pages answer 404 with a page saying what was not found
(never a redirect that hints the id exists), and change nothing. A segment, import or
notification of another account looks exactly like one that does not exist."""

import io
import re

import pytest
import sqlalchemy as sa

from contact_segments import segments
from contact_segments.demo.models import db
from contact_segments.hooks.events import Notice
from contact_segments.imports import service
from contact_segments.imports.models import Import
from contact_segments.models import Notification, Segment

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
CSV = b"Country Code,First Name,Last Name,Mobile Number\nUS,Ana,Silva,4155552671\n"


@pytest.fixture
def admin(app, account):
    client = app.test_client()
    with client.session_transaction() as session:
        session["user_id"] = account[1]["admin"]
    client.csrf = TOKEN.search(client.get("/segments/").get_data(as_text=True)).group(1)
    return client


@pytest.fixture
def theirs(make_account, scope_for, state):
    """Another account's segment, import and notification."""
    other_id, other_users = make_account("Other Dealer")
    scope = scope_for(account_id=other_id, user_id=other_users["admin"])
    segment = segments.create(scope, "Theirs")
    imp = service.create_import(scope, io.BytesIO(CSV), "theirs.csv")
    state.pm.hook.segments_notify(notice=Notice(
        account_id=other_id, user_id=other_users["admin"], kind="import_queued", message="Theirs"))
    notification_id = db.session.execute(
        sa.select(Notification.id).where(Notification.account_id == other_id)).scalar_one()
    return {"segment": segment.id, "import": imp.id, "notification": notification_id}


def not_found(response, text):
    body = response.get_data(as_text=True)
    assert response.status_code == 404, (response.status_code, response.headers.get("Location"), body[:300])
    assert text in body
    return body


def test_another_accounts_segment_pages_are_404(admin, theirs):
    segment_id = theirs["segment"]
    for path in (f"/segments/{segment_id}/rename", f"/segments/{segment_id}/delete"):
        not_found(admin.get(path), "This segment no longer exists")
        not_found(admin.post(path, data={"csrf_token": admin.csrf, "name": "Mine now"}),
                  "This segment no longer exists")
    db.session.expire_all()
    assert db.session.get(Segment, segment_id).name == "Theirs"


def test_another_accounts_import_pages_are_404(admin, theirs):
    import_id = theirs["import"]
    for path in (f"/segments/imports/{import_id}", f"/segments/imports/{import_id}/report.csv"):
        not_found(admin.get(path), "There is no such import in this account.")
    for action in ("start", "resume"):
        not_found(admin.post(f"/segments/imports/{import_id}/{action}", data={"csrf_token": admin.csrf}),
                  "There is no such import in this account.")
    assert admin.get(f"/segments/imports/{import_id}/status.json").status_code == 404
    db.session.expire_all()
    assert db.session.get(Import, import_id).status == "uploaded"  # untouched


def test_another_accounts_notification_is_404(admin, theirs):
    read_url = f"/segments/notifications/{theirs['notification']}/read"
    not_found(admin.post(read_url, data={"csrf_token": admin.csrf, "next": "/segments/"}),
              "This notification does not exist.")
    response = admin.post(read_url, headers={"X-CSRFToken": admin.csrf, "Accept": "application/json"})
    assert response.status_code == 404 and response.get_json()["code"] == "not_found"
    db.session.expire_all()
    assert db.session.get(Notification, theirs["notification"]).read_at is None


def test_a_segment_deleted_meanwhile_is_404_with_a_way_back(admin, scope_for):
    segment = segments.create(scope_for(), "Gone soon")
    segments.delete(scope_for(), segment.id)
    body = not_found(admin.post(f"/segments/{segment.id}/delete", data={"csrf_token": admin.csrf}),
                     "This segment no longer exists: someone may have just deleted it.")
    assert 'href="/segments/"' in body
