"""The JSON API, through the demo host's real stack (Flask-WTF, sessions, SQLite and PostgreSQL):
every endpoint, every error status, the OpenAPI document, CSRF, and isolation from the host."""

import flask
import pytest
import sqlalchemy as sa
from flask_smorest import Api, Blueprint
from flask_sqlalchemy import SQLAlchemy
from contact_segments import Segments, segments
from contact_segments.demo.models import db
from contact_segments.hooks.events import MembersAdded, SegmentDeleted
from contact_segments.hooks.markers import hookimpl
from contact_segments.models import Membership, Segment

from api_client import api_client

API = "/api/segments"


@pytest.fixture
def client(app):
    """A client that sends its session's CSRF token to the API, as a real one does (the tests
    of CSRF itself use a plain test client)."""
    return api_client(app)


@pytest.fixture
def login(client):
    """Sign the test client in as a demo user (the demo host reads ``session["user_id"]``)."""

    def sign_in(user_id):
        with client.session_transaction() as session:
            session["user_id"] = user_id
        flask.g.pop("demo_user", None)  # the demo caches the user per app context
        return client

    return sign_in


@pytest.fixture
def admin(login, account):
    return login(account[1]["admin"])


def segment_count(account_id):
    return db.session.execute(
        sa.select(sa.func.count()).select_from(Segment).where(Segment.account_id == account_id)
    ).scalar_one()


def member_ids(segment_id):
    db.session.expire_all()
    return sorted(db.session.execute(
        sa.select(Membership.contact_id).where(Membership.segment_id == segment_id)).scalars())


def assert_error(response, status, code=None, field=None):
    """An error answer: the status, a JSON body with code and a non-empty message, no traceback."""
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.is_json
    body = response.get_json()
    assert body["message"] and "Traceback" not in body["message"]
    if code:
        assert body["code"] == code
    if field:
        assert body["field"] == field
    return body


# ---------------------------------------------------------------- segments


def test_list_segments_paginated_with_counts_and_search(admin, scope_for, account, make_contacts):
    ids = make_contacts(account[0], 4)
    for name in ("São Paulo", "Sao Bernardo", "Rio", "North"):
        segments.create(scope_for(), name, contact_ids=ids[:2] if name == "Rio" else ())
    first = admin.get(f"{API}?per_page=3").get_json()
    assert (first["total"], first["pages"], first["page"], first["per_page"]) == (4, 2, 1, 3)
    assert [item["name"] for item in first["items"]] == ["North", "Rio", "Sao Bernardo"]
    assert first["items"][1]["member_count"] == 2
    second = admin.get(f"{API}?per_page=3&page=2").get_json()
    assert [item["name"] for item in second["items"]] == ["São Paulo"]
    found = admin.get(f"{API}?search=SAO").get_json()
    assert sorted(item["name"] for item in found["items"]) == ["Sao Bernardo", "São Paulo"]


def test_list_segments_bad_paging_is_422(admin):
    assert_error(admin.get(f"{API}?page=0"), 422, "invalid_input", "page")
    body = assert_error(admin.get(f"{API}?per_page=100000"), 422, "invalid_input", "per_page")
    assert "500" in body["message"]


def test_create_with_contact_ids(admin, account, make_contacts, recorder):
    ids = make_contacts(account[0], 3)
    response = admin.post(API, json={"name": "  Downtown Store ", "contact_ids": ids[:2]})
    assert response.status_code == 201
    body = response.get_json()
    assert (body["name"], body["member_count"]) == ("Downtown Store", 2)
    assert member_ids(body["id"]) == ids[:2]
    assert admin.get(f"{API}/{body['id']}").get_json() == body


def test_create_with_filter_selects_every_matching_contact(admin, scope_for, account, make_contacts):
    ids = make_contacts(account[0], 30)
    source = segments.create(scope_for(), "Source", contact_ids=ids[:20])
    response = admin.post(API, json={"name": "Copy", "filter": {"segment_ids": [source.id], "search": "First1"}})
    assert response.status_code == 201
    # First1, First10..First19 are among the first 20 contacts
    assert response.get_json()["member_count"] == 11


def test_duplicate_name_is_409_and_changes_nothing(admin, account):
    assert admin.post(API, json={"name": "Café"}).status_code == 201
    body = assert_error(admin.post(API, json={"name": " CAFE\u0301 "}), 409, "name_taken", "name")
    assert "already exists" in body["message"]
    assert segment_count(account[0]) == 1


@pytest.mark.parametrize("payload, code", [
    ({"name": ""}, "name_required"),
    ({"name": "   "}, "name_required"),
    ({"name": "x" * 101}, "name_too_long"),
    ({"name": "a\nb"}, "name_invalid"),
    ({"name": 5}, "invalid_input"),
    ({}, "invalid_input"),
    ({"name": "ok", "colour": "red"}, "invalid_input"),
    ({"name": "ok", "contact_ids": ["a", 0]}, "invalid_input"),
    ({"name": "ok", "filter": {"segment_ids": "x"}}, "invalid_input"),
])
def test_bad_create_input_is_422_and_changes_nothing(admin, account, payload, code):
    body = assert_error(admin.post(API, json=payload), 422, code)
    assert body.get("field") in {"name", "colour", "contact_ids", "filter"}
    assert segment_count(account[0]) == 0


def test_validation_message_names_each_bad_item(admin):
    body = assert_error(admin.post(API, json={"name": "ok", "contact_ids": [1, "a", -2]}), 422, field="contact_ids")
    assert "contact_ids[1]: Not a valid integer." in body["message"]
    assert "contact_ids[2]: Ids are whole numbers from 1 up." in body["message"]


def test_malformed_json_is_400_and_form_body_gets_a_hint(admin, account):
    body = assert_error(admin.post(API, data="{name:", content_type="application/json"), 400, "invalid_json")
    assert "not valid JSON" in body["message"]
    body = assert_error(admin.post(API, data={"name": "Form"}), 422, "invalid_input", "name")
    assert "Content-Type: application/json" in body["message"]
    assert segment_count(account[0]) == 0


def test_get_foreign_unknown_and_out_of_range_ids_are_404(admin, scope_for, make_account):
    other_account, _ = make_account("Other Dealer")
    foreign = segments.create(scope_for(account_id=other_account), "Theirs")
    assert_error(admin.get(f"{API}/{foreign.id}"), 404, "not_found")
    assert_error(admin.get(f"{API}/987654"), 404, "not_found")
    assert_error(admin.get(f"{API}/{2**64}"), 404, "not_found")
    assert_error(admin.get(f"{API}/abc"), 404, "unknown_endpoint")
    assert_error(admin.put(f"{API}/{foreign.id}", json={}), 405, "method_not_allowed")


def test_rename_by_manager(login, account, scope_for):
    segment = segments.create(scope_for(), "North")
    response = login(account[1]["manager"]).patch(f"{API}/{segment.id}", json={"name": "North Region"})
    assert response.status_code == 200
    assert response.get_json() == {"id": segment.id, "name": "North Region", "member_count": 0}


def test_consultant_cannot_rename_or_delete(login, account, scope_for):
    segment = segments.create(scope_for(), "North")
    consultant = login(account[1]["consultant"])
    body = assert_error(consultant.patch(f"{API}/{segment.id}", json={"name": "South"}), 403, "forbidden")
    assert "consultant" in body["message"]
    assert_error(consultant.delete(f"{API}/{segment.id}"), 403, "forbidden")
    db.session.expire_all()
    assert segments.get(scope_for(), segment.id).name == "North"


def test_rename_errors(admin, scope_for, make_account):
    north = segments.create(scope_for(), "North")
    segments.create(scope_for(), "South")
    assert_error(admin.patch(f"{API}/{north.id}", json={"name": "south"}), 409, "name_taken")
    assert_error(admin.patch(f"{API}/{north.id}", json={"name": ""}), 422, "name_required")
    other_account, _ = make_account("Other Dealer")
    foreign = segments.create(scope_for(account_id=other_account), "Theirs")
    assert_error(admin.patch(f"{API}/{foreign.id}", json={"name": "Mine"}), 404, "not_found")
    db.session.expire_all()
    assert segments.get(scope_for(account_id=other_account), foreign.id).name == "Theirs"


def test_delete_says_how_many_contacts_lost_it(login, account, scope_for, make_contacts, recorder, make_account):
    ids = make_contacts(account[0], 5)
    segment = segments.create(scope_for(), "Gold", contact_ids=ids[:4])
    manager = login(account[1]["manager"])
    response = manager.delete(f"{API}/{segment.id}")
    assert response.status_code == 200
    assert response.get_json() == {"id": segment.id, "name": "Gold", "contacts_removed": 4}
    assert recorder.of(SegmentDeleted)[0].member_count == 4
    assert_error(manager.delete(f"{API}/{segment.id}"), 404, "not_found")
    other_account, _ = make_account("Other Dealer")
    foreign = segments.create(scope_for(account_id=other_account), "Theirs")
    assert_error(manager.delete(f"{API}/{foreign.id}"), 404, "not_found")
    assert segment_count(other_account) == 1


# ---------------------------------------------------------------- members


def test_add_members_by_ids_and_by_filter(admin, account, scope_for, make_contacts, recorder):
    ids = make_contacts(account[0], 12)
    segment = segments.create(scope_for(), "VIP")
    response = admin.post(f"{API}/{segment.id}/members", json={"contact_ids": ids[:3]})
    assert response.get_json() == {"added": 3, "segment": {"id": segment.id, "name": "VIP", "member_count": 3}}
    # select-all across pages: every contact of the account whose name matches
    response = admin.post(f"{API}/{segment.id}/members", json={"filter": {"search": "first1"}})
    # First1, First10, First11 match; First1 is already in the segment
    assert response.get_json()["added"] == 2
    response = admin.post(f"{API}/{segment.id}/members", json={"filter": {}})
    assert response.get_json() == {"added": 7, "segment": {"id": segment.id, "name": "VIP", "member_count": 12}}
    assert member_ids(segment.id) == ids
    assert [event.count for event in recorder.of(MembersAdded)] == [3, 2, 7]


def test_member_changes_with_bad_selection_change_nothing(admin, account, scope_for, make_contacts, make_account):
    ids = make_contacts(account[0], 3)
    segment = segments.create(scope_for(), "VIP", contact_ids=ids[:1])
    other_account, _ = make_account("Other Dealer")
    foreign_contacts = make_contacts(other_account, 2)
    foreign_segment = segments.create(scope_for(account_id=other_account), "Theirs", contact_ids=foreign_contacts)
    url = f"{API}/{segment.id}/members"
    body = assert_error(admin.post(url, json={"contact_ids": [ids[1], foreign_contacts[0]]}), 404,
                        "not_found", "contact_ids")
    assert str(foreign_contacts[0]) in body["message"]
    assert_error(admin.post(url, json={"filter": {"segment_ids": [foreign_segment.id]}}), 404, "not_found")
    assert_error(admin.post(url, json={}), 422, "invalid_input", "contact_ids")
    assert_error(admin.post(url, json={"contact_ids": [ids[1]], "filter": {}}), 422, "invalid_input", "filter")
    assert_error(admin.post(f"{API}/{foreign_segment.id}/members", json={"contact_ids": [ids[1]]}), 404)
    assert_error(admin.post(f"{url}/remove", json={"contact_ids": [foreign_contacts[0]]}), 404)
    assert member_ids(segment.id) == ids[:1]
    assert member_ids(foreign_segment.id) == foreign_contacts


def test_remove_members_by_ids_and_by_filter(admin, account, scope_for, make_contacts):
    ids = make_contacts(account[0], 6)
    segment = segments.create(scope_for(), "VIP", contact_ids=ids)
    other = segments.create(scope_for(), "Other", contact_ids=ids[4:])
    response = admin.post(f"{API}/{segment.id}/members/remove", json={"contact_ids": ids[:2]})
    assert response.get_json() == {"removed": 2, "segment": {"id": segment.id, "name": "VIP", "member_count": 4}}
    response = admin.post(f"{API}/{segment.id}/members/remove", json={"filter": {"segment_ids": [other.id]}})
    assert response.get_json()["removed"] == 2
    assert member_ids(segment.id) == ids[2:4]


def test_list_members_keyset_pages(admin, account, scope_for, make_contacts):
    ids = make_contacts(account[0], 7)
    segment = segments.create(scope_for(), "VIP", contact_ids=ids[1:])
    seen, after = [], None
    while True:
        query = f"?limit=4&after_id={after}" if after else "?limit=4"
        page = admin.get(f"{API}/{segment.id}/members{query}").get_json()
        seen += [contact["id"] for contact in page["items"]]
        after = page["next_after_id"]
        if after is None:
            break
    assert seen == ids[1:]
    first = admin.get(f"{API}/{segment.id}/members?limit=1").get_json()["items"][0]
    assert first["first_name"] == "First1" and first["mobile"].startswith("+1415")
    assert set(first) >= {"id", "first_name", "last_name", "mobile", "email", "country_code"}
    assert admin.get(f"{API}/{segment.id}/members?search=first3").get_json()["items"][0]["id"] == ids[3]
    assert_error(admin.get(f"{API}/{segment.id}/members?limit=0"), 422, field="limit")
    assert_error(admin.get(f"{API}/{segment.id}/members?after_id=x"), 422, field="after_id")


# ---------------------------------------------------------------- contacts and audience


def test_contacts_filtered_by_segments_keyset_and_count(admin, account, scope_for, make_contacts, make_account):
    ids = make_contacts(account[0], 10)
    north = segments.create(scope_for(), "North", contact_ids=ids[:3])
    south = segments.create(scope_for(), "South", contact_ids=ids[2:5])
    page = admin.get(f"{API}/contacts?segment_id={north.id}&segment_id={south.id}&limit=3").get_json()
    assert [c["id"] for c in page["items"]] == ids[:3] and page["next_after_id"] == ids[2]
    rest = admin.get(f"{API}/contacts?segment_id={north.id}&segment_id={south.id}&after_id={ids[2]}").get_json()
    assert [c["id"] for c in rest["items"]] == ids[3:5] and rest["next_after_id"] is None
    assert len(admin.get(f"{API}/contacts").get_json()["items"]) == 10
    count = admin.get(f"{API}/contacts/count?segment_id={north.id}&segment_id={south.id}").get_json()
    assert count == {"count": 5}
    assert admin.get(f"{API}/contacts/count?search=First9").get_json() == {"count": 1}
    other_account, _ = make_account("Other Dealer")
    foreign = segments.create(scope_for(account_id=other_account), "Theirs")
    assert_error(admin.get(f"{API}/contacts?segment_id={foreign.id}"), 404, "not_found")


def test_a_contacts_segments(admin, account, scope_for, make_contacts, make_account):
    ids = make_contacts(account[0], 2)
    segments.create(scope_for(), "South", contact_ids=ids[:1])
    segments.create(scope_for(), "North", contact_ids=ids)
    body = admin.get(f"{API}/contacts/{ids[0]}/segments").get_json()
    assert [item["name"] for item in body["items"]] == ["North", "South"]
    assert admin.get(f"{API}/contacts/{ids[1]}/segments").get_json()["items"][0]["member_count"] == 2
    other_account, _ = make_account("Other Dealer")
    [foreign_contact] = make_contacts(other_account, 1)
    assert_error(admin.get(f"{API}/contacts/{foreign_contact}/segments"), 404, "not_found", "contact_id")


def test_audience_count(admin, account, scope_for, make_contacts, make_account):
    with_mobile = make_contacts(account[0], 4)
    email_only = make_contacts(account[0], 2, with_mobile=False, start=100)
    a = segments.create(scope_for(), "A", contact_ids=with_mobile[:3] + email_only)
    b = segments.create(scope_for(), "B", contact_ids=with_mobile[2:])
    c = segments.create(scope_for(), "C", contact_ids=with_mobile[:1])
    url = f"{API}/audience/count?include={a.id}&include={b.id}&exclude={c.id}"
    assert admin.get(url + "&channel=sms").get_json() == {"count": 3}
    assert admin.get(url + "&channel=email").get_json() == {"count": 5}
    assert_error(admin.get(url + "&channel=fax"), 422, "invalid_input", "channel")
    assert_error(admin.get(f"{API}/audience/count?channel=sms"), 422, "invalid_input", "include")
    other_account, _ = make_account("Other Dealer")
    foreign = segments.create(scope_for(account_id=other_account), "Theirs")
    assert_error(admin.get(f"{API}/audience/count?include={foreign.id}&channel=sms"), 404, "not_found")


# ---------------------------------------------------------------- who, CSRF, failures


def test_no_actor_is_401(client):
    # No account and no user exist: the demo host's hook reports nobody.
    assert_error(client.get(API), 401, "not_authenticated")
    assert_error(client.post(API, json={"name": "X"}), 401, "not_authenticated")


@pytest.fixture
def browser_of_admin(app, account):
    """A plain test client signed in as the admin: it sends only what a test sets."""
    plain = app.test_client()
    with plain.session_transaction() as session:
        session["user_id"] = account[1]["admin"]
    flask.g.pop("demo_user", None)
    return plain


@pytest.mark.parametrize("app_config", [{}, {"WTF_CSRF_ENABLED": False}])
def test_csrf_token_is_required_for_changes(browser_of_admin, account):
    body = assert_error(browser_of_admin.post(API, json={"name": "X"}), 400, "csrf_failed")
    assert "X-CSRFToken" in body["message"] and f"{API}/csrf-token" in body["message"]
    assert segment_count(account[0]) == 0
    assert browser_of_admin.get(API).status_code == 200  # reading needs no token
    token = browser_of_admin.get(f"{API}/csrf-token").get_json()["csrf_token"]
    response = browser_of_admin.post(API, json={"name": "X"}, headers={"X-CSRFToken": token})
    assert response.status_code == 201
    assert_error(browser_of_admin.post(API, json={"name": "Y"}, headers={"X-CSRFToken": "forged"}),
                 400, "csrf_failed")
    assert segment_count(account[0]) == 1


@pytest.mark.parametrize("app_config", [{"SEGMENTS_API_CSRF_EXEMPT": True}])
def test_csrf_exempt_option(browser_of_admin):
    assert browser_of_admin.post(API, json={"name": "X"}).status_code == 201
    assert browser_of_admin.post("/switch-user", data={"user_id": 1}).status_code == 400  # the host stays protected
    assert browser_of_admin.post("/segments/new", data={"name": "Y"}).status_code == 400  # so do the pages


class BrokenHostHook:
    @hookimpl
    def segments_before_delete(self, actor, segment_id, name, member_count):
        raise RuntimeError("host bug: scheduler unreachable at 10.0.0.7")


def test_unexpected_error_is_a_json_500_without_details(admin, state, scope_for, account):
    segment = segments.create(scope_for(), "North")
    state.pm.register(BrokenHostHook(), name="broken-host")
    try:
        body = assert_error(admin.delete(f"{API}/{segment.id}"), 500, "internal_error")
    finally:
        state.pm.unregister(name="broken-host")
    assert "10.0.0.7" not in body["message"] and "RuntimeError" not in body["message"]
    assert segment_count(account[0]) == 1


def test_host_error_pages_are_not_taken_over(client):
    response = client.get("/no-such-host-page")
    assert response.status_code == 404 and not response.is_json


# ---------------------------------------------------------------- OpenAPI


def test_openapi_document_lists_every_endpoint(client):
    response = client.get(f"{API}/openapi.json")
    assert response.status_code == 200
    spec = response.get_json()
    assert spec["info"]["title"] == "Customer segments API" and spec["openapi"] == "3.0.3"
    operations = {(path, method) for path, item in spec["paths"].items()
                  for method in item if method != "parameters"}
    assert operations >= {  # (the import engine adds its own under /imports)
        (API, "get"), (API, "post"),
        (f"{API}/{{segment_id}}", "get"), (f"{API}/{{segment_id}}", "patch"), (f"{API}/{{segment_id}}", "delete"),
        (f"{API}/{{segment_id}}/members", "get"), (f"{API}/{{segment_id}}/members", "post"),
        (f"{API}/{{segment_id}}/members/remove", "post"),
        (f"{API}/contacts", "get"), (f"{API}/contacts/count", "get"),
        (f"{API}/contacts/{{contact_id}}/segments", "get"), (f"{API}/audience/count", "get"),
        (f"{API}/csrf-token", "get"),
    }
    assert "Error" in spec["components"]["schemas"]
    assert "csrfToken" in spec["components"]["securitySchemes"]


def test_plugin_api_coexists_with_a_hosts_own_flask_smorest_api(tmp_path):
    """A host with its own flask-smorest Api keeps its settings, document and error handling."""
    host = flask.Flask("host")
    host.config.update(API_TITLE="Host API", API_VERSION="2", OPENAPI_VERSION="3.0.3",
                       OPENAPI_URL_PREFIX="/host-api", SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'h.db'}")
    host_db = SQLAlchemy(host)
    host_api = Api(host)
    host_blp = Blueprint("orders", "orders")

    @host_blp.route("/orders")
    def orders():
        return {"orders": []}

    host_api.register_blueprint(host_blp)
    Segments(host, db=host_db)
    client = host.test_client()
    host_spec = client.get("/host-api/openapi.json").get_json()
    plugin_spec = client.get(f"{API}/openapi.json").get_json()
    assert host_spec["info"]["title"] == "Host API" and list(host_spec["paths"]) == ["/orders"]
    assert plugin_spec["info"]["title"] == "Customer segments API"
    assert all(path.startswith((API, "/segments/")) for path in plugin_spec["paths"])  # its own only
    # the host's own Api still turns its 404s into its JSON, and the plugin's API answers 401
    assert client.get("/no-such-page").get_json()["status"] == "Not Found"
    assert client.get(API).get_json()["code"] == "not_authenticated"



@pytest.mark.parametrize("app_config", [{"SEGMENTS_API_URL_PREFIX": "/crm/api/segs"}])
def test_api_and_document_follow_the_configured_prefix(app, admin):
    assert admin.get("/crm/api/segs").get_json()["total"] == 0
    spec = admin.get("/crm/api/segs/openapi.json").get_json()
    assert "/crm/api/segs/{segment_id}" in spec["paths"]
    assert app.config["SEGMENTS_OPENAPI_URL_PREFIX"] is None  # the host's config is left as set


@pytest.mark.parametrize("app_config", [{"SEGMENTS_OPENAPI_URL_PREFIX": False}])
def test_openapi_document_can_be_turned_off(admin):
    assert admin.get(API).status_code == 200
    assert_error(admin.get(f"{API}/openapi.json"), 404, "unknown_endpoint")
