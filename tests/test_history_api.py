"""The history endpoints of the JSON API through the demo host's real stack, on SQLite and
PostgreSQL: a contact's history, a segment's activity, deleted segments and restoring one, an
import's undo (plan, asking for it, status); 403, 404, 409 and CSRF; answers as documented in the
OpenAPI document."""

import io
from datetime import timedelta

import flask
import pytest
import sqlalchemy as sa

from contact_segments import memberships, segments
from contact_segments.actor import Actor
from contact_segments.demo.models import db
from contact_segments.history.models import Change, DeletedSegment
from contact_segments.imports import service
from contact_segments.imports.models import Import
from contact_segments.jobs import wait_for_background_imports
from contact_segments.models import Contact

from test_api import assert_error, client, login  # noqa: F401 (fixtures)

API = "/api/segments"
HEADER = "Country Code,First Name,Last Name,Email,Segments\n"


@pytest.fixture
def imported(manager):
    """VIP exists; an import adds Ann to it and creates Bob."""
    segments.create(manager, "VIP")
    imp = service.create_import(manager, io.BytesIO(
        (HEADER + "US,Ann,Lee,ann@example.com,VIP\nUS,Bob,Ray,bob@example.com,\n").encode()), "customers.csv")
    service.start(manager, imp.id, wait=True)
    db.session.expire_all()
    return db.session.get(Import, imp.id)


@pytest.fixture
def spec(client):
    return client.get(f"{API}/openapi.json").get_json()


def documented_keys(spec, path, method, status):
    """The properties of the answer the OpenAPI document gives for ``method path`` ``status``."""
    ref = spec["paths"][f"{API}{path}"][method]["responses"][status]["content"]["application/json"]["schema"]["$ref"]
    return set(spec["components"]["schemas"][ref.rsplit("/", 1)[1]]["properties"])


def item_keys(spec, name):
    return set(spec["components"]["schemas"][name]["properties"])


# ---------------------------------------------------------------- history and activity


def test_a_contacts_history(login, account, manager, make_contacts, spec):
    ids = make_contacts(account[0], 2)
    vip = segments.create(manager, "VIP", contact_ids=ids)
    memberships.remove_contacts(manager, vip.id, contact_ids=[ids[0]])
    client = login(account[1]["consultant"])

    body = client.get(f"{API}/contacts/{ids[0]}/history").get_json()
    assert set(body) == documented_keys(spec, "/contacts/{contact_id}/history", "get", "200") == {"items"}
    assert [(item["event"], item["segment_name"], item["actor"]["name"], item["actor"]["via"])
            for item in body["items"]] == [("removed", "VIP", "Morgan Manager", "page"),
                                           ("added", "VIP", "Morgan Manager", "page")]
    assert set(body["items"][0]) == item_keys(spec, "ContactHistoryEntry")
    assert len(client.get(f"{API}/contacts/{ids[0]}/history?limit=1").get_json()["items"]) == 1
    assert_error(client.get(f"{API}/contacts/{ids[0]}/history?limit=0"), 422, "invalid_input", "limit")


def test_a_segments_activity_in_pages(login, account, manager, make_contacts, spec):
    ids = make_contacts(account[0], 3)
    vip = segments.create(manager, "VIP", contact_ids=ids[:1])
    memberships.add_contacts(manager, vip.id, contact_ids=ids[1:])
    segments.rename(manager, vip.id, "Gold")
    client = login(account[1]["consultant"])

    first = client.get(f"{API}/{vip.id}/activity?limit=2").get_json()
    assert set(first) == documented_keys(spec, "/{segment_id}/activity", "get", "200")
    assert [item["action"] for item in first["items"]] == ["segment_renamed", "members_added"]
    assert set(first["items"][0]) == item_keys(spec, "ActivityEntry")
    second = client.get(f"{API}/{vip.id}/activity?limit=2&before={first['next_before']}").get_json()
    assert [item["action"] for item in second["items"]] == ["segment_created"]
    assert second["next_before"] is None
    everything = client.get(f"{API}/{vip.id}/activity").get_json()
    assert len(everything["items"]) == 3 and everything["next_before"] is None


def test_history_of_unknown_or_foreign_ids_is_404(login, account, make_account, make_contacts, manager, state):
    other = make_account("Other")
    foreign_contact = make_contacts(other[0], 1)[0]
    foreign_scope = state.scope(Actor(account_id=other[0], user_id=other[1]["admin"], role="admin"))
    foreign_segment = segments.create(foreign_scope, "Theirs")
    client = login(account[1]["admin"])
    assert_error(client.get(f"{API}/contacts/{foreign_contact}/history"), 404, "not_found")
    assert_error(client.get(f"{API}/contacts/99999999/history"), 404, "not_found")
    assert_error(client.get(f"{API}/contacts/99999999999999999999/history"), 404)
    assert_error(client.get(f"{API}/{foreign_segment.id}/activity"), 404, "not_found")
    assert_error(client.get(f"{API}/99999999999999999999/activity"), 404)
    assert_error(client.get(f"{API}/{foreign_segment.id}/activity?before=0"), 422, "invalid_input")


# ---------------------------------------------------------------- deleted segments


def test_deleted_segments_listed_and_restored(login, account, manager, make_contacts, spec):
    ids = make_contacts(account[0], 2)
    vip = segments.create(manager, "VIP", contact_ids=ids)
    segments.delete(manager, vip.id)
    client = login(account[1]["manager"])

    body = client.get(f"{API}/deleted").get_json()
    assert set(body) == documented_keys(spec, "/deleted", "get", "200")
    item, = body["items"]
    assert (item["id"], item["name"], item["member_count"], item["deleted_by"]) == (vip.id, "VIP", 2, "Morgan Manager")
    assert set(item) == item_keys(spec, "DeletedSegment")

    segments.create(manager, "VIP")
    taken = assert_error(client.post(f"{API}/deleted/{vip.id}/restore", json={}), 409, "name_taken")
    assert "VIP" in taken["message"]
    response = client.post(f"{API}/deleted/{vip.id}/restore", json={"name": "VIP (old)"})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json() == {"id": vip.id, "name": "VIP (old)", "member_count": 2, "skipped": 0}
    assert set(response.get_json()) == documented_keys(spec, "/deleted/{segment_id}/restore", "post", "200")
    assert client.get(f"{API}/deleted").get_json() == {"items": []}
    assert_error(client.post(f"{API}/deleted/{vip.id}/restore"), 404, "deleted_segment_not_found")


def test_restore_without_a_body_keeps_the_name(login, account, manager, make_contacts):
    vip = segments.create(manager, "VIP", contact_ids=make_contacts(account[0], 1))
    segments.delete(manager, vip.id)
    response = login(account[1]["admin"]).post(f"{API}/deleted/{vip.id}/restore")
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json()["name"] == "VIP"


def test_restore_refusals(login, account, make_account, manager, make_contacts, state):
    vip = segments.create(manager, "VIP", contact_ids=make_contacts(account[0], 1))
    segments.delete(manager, vip.id)
    other = make_account("Other")
    theirs = segments.create(state.scope(Actor(account_id=other[0], user_id=other[1]["admin"], role="admin")), "X")
    segments.delete(state.scope(Actor(account_id=other[0], user_id=other[1]["admin"], role="admin")), theirs.id)

    consultant = login(account[1]["consultant"])
    assert_error(consultant.post(f"{API}/deleted/{vip.id}/restore", json={}), 403, "forbidden")
    admin = login(account[1]["admin"])
    assert_error(admin.post(f"{API}/deleted/{theirs.id}/restore", json={}), 404, "deleted_segment_not_found")
    assert_error(admin.post(f"{API}/deleted/{vip.id}/restore", json={"name": ""}), 422, "name_required")
    assert_error(admin.post(f"{API}/deleted/{vip.id}/restore", json={"nom": "x"}), 422, "invalid_input")
    db.session.execute(sa.update(DeletedSegment).values(deleted_at=DeletedSegment.deleted_at - timedelta(days=31)))
    db.session.commit()
    assert admin.get(f"{API}/deleted").get_json() == {"items": []}
    assert_error(admin.post(f"{API}/deleted/{vip.id}/restore", json={}), 404, "deleted_segment_not_found")


# ---------------------------------------------------------------- undoing an import


def test_undo_plan_then_undo_then_status(app, login, account, imported, spec):
    client = login(account[1]["manager"])
    assert client.get(f"{API}/imports/{imported.id}/undo/status").get_json() == {
        "import_id": imported.id, "status": None}
    plan = client.get(f"{API}/imports/{imported.id}/undo")
    assert plan.status_code == 200, plan.get_data(as_text=True)
    assert plan.get_json() == {"import_id": imported.id, "filename": "customers.csv", "memberships_to_remove": 1,
                               "memberships_to_restore": 0, "contacts_to_restore": 0, "contacts_to_delete": 2}
    assert set(plan.get_json()) == documented_keys(spec, "/imports/{import_id}/undo", "get", "200")

    started = client.post(f"{API}/imports/{imported.id}/undo")
    assert started.status_code == 202, started.get_data(as_text=True)
    body = started.get_json()
    assert (body["import_id"], body["status"]) == (imported.id, "queued") and isinstance(body["change_id"], int)
    assert set(body) == documented_keys(spec, "/imports/{import_id}/undo", "post", "202")
    assert wait_for_background_imports(app, timeout=60)
    db.session.expire_all()  # the test's app context keeps what it read across its requests

    status = client.get(f"{API}/imports/{imported.id}/undo/status").get_json()
    assert (status["status"], status["change_id"]) == ("finished", body["change_id"])
    assert status["summary"] == {"memberships_removed": 1, "memberships_restored": 0, "contacts_restored": 0,
                                 "contacts_deleted": 2, "conflicts": 0}
    assert set(status) == documented_keys(spec, "/imports/{import_id}/undo/status", "get", "200")
    db.session.expire_all()
    assert db.session.execute(sa.select(sa.func.count()).select_from(Contact)).scalar_one() == 0
    change = db.session.get(Change, body["change_id"])
    assert change.via == "api" and change.user_id == account[1]["manager"]
    assert_error(client.get(f"{API}/imports/{imported.id}/undo"), 409, "undo_done")
    assert_error(client.post(f"{API}/imports/{imported.id}/undo"), 409, "undo_done")


def test_undo_refusals(login, account, make_account, manager, imported):
    consultant = login(account[1]["consultant"])
    assert_error(consultant.get(f"{API}/imports/{imported.id}/undo"), 403, "forbidden")
    assert_error(consultant.post(f"{API}/imports/{imported.id}/undo"), 403, "forbidden")
    assert consultant.get(f"{API}/imports/{imported.id}/undo/status").status_code == 200

    other = make_account("Other")
    foreign = login(other[1]["admin"])
    for path in (f"/imports/{imported.id}/undo", f"/imports/{imported.id}/undo/status"):
        assert_error(foreign.get(f"{API}{path}"), 404, "import_not_found")
    assert_error(foreign.post(f"{API}/imports/{imported.id}/undo"), 404, "import_not_found")
    assert_error(foreign.get(f"{API}/imports/99999999999999999999/undo"), 404)

    client = login(account[1]["manager"])
    preview = service.create_import(manager, io.BytesIO(
        (HEADER + "US,Eve,Moe,eve@example.com,VIP\n").encode()), "preview.csv", dry_run=True)
    service.start(manager, preview.id, wait=True)
    assert_error(client.get(f"{API}/imports/{preview.id}/undo"), 409, "undo_dry_run")
    uploaded = service.create_import(manager, io.BytesIO(
        (HEADER + "US,Eve,Moe,eve@example.com,VIP\n").encode()), "later.csv")
    assert_error(client.get(f"{API}/imports/{uploaded.id}/undo"), 409, "undo_not_finished")
    db.session.execute(sa.update(Import).where(Import.id == imported.id).values(
        finished_at=imported.finished_at - timedelta(days=31)))
    db.session.commit()
    assert_error(client.get(f"{API}/imports/{imported.id}/undo"), 409, "undo_too_old")
    assert_error(client.post(f"{API}/imports/{imported.id}/undo"), 409, "undo_too_old")


def test_an_undo_redis_refused_is_503_and_can_be_asked_again(app, login, account, imported, monkeypatch):
    client = login(account[1]["manager"])
    monkeypatch.setitem(app.config, "SEGMENTS_REDIS_URL", "redis://127.0.0.1:1/0")
    assert_error(client.post(f"{API}/imports/{imported.id}/undo"), 503, "queue_unavailable")
    assert client.get(f"{API}/imports/{imported.id}/undo/status").get_json()["status"] == "failed"
    monkeypatch.setitem(app.config, "SEGMENTS_REDIS_URL", "")
    assert client.post(f"{API}/imports/{imported.id}/undo").status_code == 202
    assert wait_for_background_imports(app, timeout=60)
    db.session.expire_all()  # the test's app context keeps what it read across its requests
    assert client.get(f"{API}/imports/{imported.id}/undo/status").get_json()["status"] == "finished"


# ---------------------------------------------------------------- CSRF


def test_the_new_posts_need_the_csrf_header(app, account, manager, make_contacts, imported):
    vip = segments.create(manager, "Gone", contact_ids=make_contacts(account[0], 1))
    segments.delete(manager, vip.id)
    plain = app.test_client()
    with plain.session_transaction() as session:
        session["user_id"] = account[1]["manager"]
    flask.g.pop("demo_user", None)
    for path in (f"/deleted/{vip.id}/restore", f"/imports/{imported.id}/undo"):
        response = plain.post(f"{API}{path}", json={})
        assert_error(response, 400, "csrf_failed")
    db.session.expire_all()
    assert db.session.get(DeletedSegment, vip.id) is not None
    assert db.session.get(Import, imported.id).undo_change_id is None


def test_the_openapi_document_lists_the_history_endpoints(spec):
    operations = {(path, method) for path, item in spec["paths"].items() for method in item if method != "parameters"}
    assert operations >= {
        (f"{API}/contacts/{{contact_id}}/history", "get"), (f"{API}/{{segment_id}}/activity", "get"),
        (f"{API}/deleted", "get"), (f"{API}/deleted/{{segment_id}}/restore", "post"),
        (f"{API}/imports/{{import_id}}/undo", "get"), (f"{API}/imports/{{import_id}}/undo", "post"),
        (f"{API}/imports/{{import_id}}/undo/status", "get"),
    }
