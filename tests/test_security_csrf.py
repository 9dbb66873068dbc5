"""Cross-site request forgery: the plugin protects every state-changing route of its own, pages
and JSON API, whatever the host has configured (no CSRFProtect at all, a CSRFProtect that checks
nothing by default, Flask-WTF switched off); a host opts the API out only with
``SEGMENTS_API_CSRF_EXEMPT``.

The host here is a minimal Flask app written from the README: the plugin's own database and
contact table, the signed-in user in ``g.segments_actor``, a session cookie.
"""

import io
import re

import pytest
import sqlalchemy as sa
from flask import Flask, g, session
from flask_wtf import CSRFProtect

from contact_segments import Actor, Segments, migrate
from contact_segments.imports.models import Import
from contact_segments.models import Contact, Segment

API = "/api/segments"
PAGE_TOKEN = re.compile(r'data-csrf="([^"]+)"')
CSV = b"Country Code,First Name,Last Name,Mobile Number\nUS,Ana,Silva,4155552671\n"


def host_app(tmp_path, csrf=None, **config):
    """A host without any CSRF setup of its own (``csrf="default-off"``: a CSRFProtect that
    checks nothing unless asked; ``csrf="disabled"``: Flask-WTF switched off)."""
    app = Flask("csrf_host")
    app.config.update(SECRET_KEY="host-secret", SEGMENTS_REDIS_URL="",
                      SEGMENTS_DATABASE_URL=f"sqlite:///{tmp_path / 'host.sqlite'}", **config)
    if csrf == "default-off":
        app.config["WTF_CSRF_CHECK_DEFAULT"] = False
        CSRFProtect(app)
    elif csrf == "disabled":
        app.config["WTF_CSRF_ENABLED"] = False
        CSRFProtect(app)

    @app.before_request
    def signed_in_user():
        if "uid" in session:
            g.segments_actor = Actor(account_id=1, user_id=session["uid"], role="admin")

    Segments(app)
    state = app.extensions["segments"]
    with app.app_context():
        migrate.upgrade(state.db.engine)
        state.db.session.execute(sa.insert(Contact), [
            {"account_id": 1, "country_code": "US", "first_name": "Ana", "last_name": "Silva",
             "mobile": "+14155552671"}])
        state.db.session.commit()
    return app


def signed_in(app):
    """A browser of the signed-in user: it holds only the session cookie."""
    client = app.test_client()
    with client.session_transaction() as cookie_session:
        cookie_session["uid"] = 7
    return client


def count(app, model):
    with app.app_context():
        db = app.extensions["segments"].db
        return db.session.execute(sa.select(sa.func.count()).select_from(model)).scalar_one()


def api_token(client):
    """The token a script asks for after signing in."""
    response = client.get(f"{API}/csrf-token")
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()["csrf_token"]


def refused(response):
    assert response.status_code == 400, response.get_data(as_text=True)
    assert response.get_json()["code"] == "csrf_failed"
    assert "X-CSRFToken" in response.get_json()["message"]


HOSTS = [None, "default-off", "disabled"]


@pytest.mark.parametrize("csrf", HOSTS)
def test_api_writes_with_only_the_session_cookie_are_refused(tmp_path, csrf):
    app = host_app(tmp_path, csrf)
    client = signed_in(app)
    token = api_token(client)
    created = client.post(API, json={"name": "Kept"}, headers={"X-CSRFToken": token}).get_json()

    refused(client.post(API, json={"name": "Forged"}))
    refused(client.patch(f"{API}/{created['id']}", json={"name": "Renamed"}))
    refused(client.delete(f"{API}/{created['id']}"))
    refused(client.post(f"{API}/{created['id']}/members", json={"contact_ids": [1]}))
    refused(client.post(f"{API}/{created['id']}/members/remove", json={"contact_ids": [1]}))
    with app.app_context():
        segment = app.extensions["segments"].db.session.get(Segment, created["id"])
        assert (segment.name, segment.member_count) == ("Kept", 0)
    assert count(app, Segment) == 1

    # What a plain cross-site <form> can send: multipart, or no body at all, and no header.
    refused(client.post(f"{API}/imports", data={"file": (io.BytesIO(CSV), "c.csv")},
                        content_type="multipart/form-data", headers={"Origin": "https://evil.example"}))
    assert count(app, Import) == 0
    uploaded = client.post(f"{API}/imports", data={"file": (io.BytesIO(CSV), "c.csv")},
                           content_type="multipart/form-data", headers={"X-CSRFToken": token})
    assert uploaded.status_code == 201, uploaded.get_json()
    import_id = uploaded.get_json()["id"]
    for action in ("start", "dry-run", "resume"):
        refused(client.post(f"{API}/imports/{import_id}/{action}"))
    assert client.get(f"{API}/imports/{import_id}").get_json()["status"] == "uploaded"
    assert count(app, Import) == 1


@pytest.mark.parametrize("csrf", HOSTS)
def test_api_writes_with_the_session_token_work(tmp_path, csrf):
    app = host_app(tmp_path, csrf)
    client = signed_in(app)
    headers = {"X-CSRFToken": api_token(client)}
    created = client.post(API, json={"name": "North"}, headers=headers)
    assert created.status_code == 201
    segment_id = created.get_json()["id"]
    assert client.post(f"{API}/{segment_id}/members", json={"contact_ids": [1]},
                       headers=headers).get_json()["added"] == 1
    assert client.patch(f"{API}/{segment_id}", json={"name": "South"}, headers=headers).status_code == 200
    assert client.delete(f"{API}/{segment_id}", headers=headers).get_json()["contacts_removed"] == 1
    # The token of a plugin page (what the host's own page script reads) works as well.
    page_token = PAGE_TOKEN.search(client.get("/segments/").get_data(as_text=True)).group(1)
    assert client.post(API, json={"name": "From page"}, headers={"X-CSRFToken": page_token}).status_code == 201


def test_a_token_of_another_session_or_a_forged_one_is_refused(tmp_path):
    app = host_app(tmp_path)
    victim, attacker = signed_in(app), signed_in(app)
    attackers_token = api_token(attacker)
    api_token(victim)
    refused(victim.post(API, json={"name": "X"}, headers={"X-CSRFToken": attackers_token}))
    refused(victim.post(API, json={"name": "X"}, headers={"X-CSRFToken": "forged"}))
    assert count(app, Segment) == 0


def test_a_request_the_browser_marks_cross_site_is_refused_even_with_a_token(tmp_path):
    app = host_app(tmp_path)
    client = signed_in(app)
    token = api_token(client)
    response = client.post(API, json={"name": "X"},
                           headers={"X-CSRFToken": token, "Sec-Fetch-Site": "cross-site"})
    assert response.status_code == 400 and response.get_json()["code"] == "csrf_failed"
    assert "another site" in response.get_json()["message"]
    for same in ("same-origin", "same-site", "none"):
        assert client.post(API, json={"name": f"X {same}"},
                           headers={"X-CSRFToken": token, "Sec-Fetch-Site": same}).status_code == 201


@pytest.mark.parametrize("csrf", HOSTS)
def test_page_forms_need_the_token_too(tmp_path, csrf):
    app = host_app(tmp_path, csrf)
    client = signed_in(app)
    assert client.post("/segments/new", data={"name": "Forged"}).status_code == 400
    response = client.post("/segments/imports", data={"file": (io.BytesIO(CSV), "c.csv"), "action": "import"},
                           content_type="multipart/form-data")
    assert response.status_code == 400
    assert count(app, Segment) == 0 and count(app, Import) == 0
    token = PAGE_TOKEN.search(client.get("/segments/").get_data(as_text=True)).group(1)
    assert client.post("/segments/new", data={"name": "Real", "csrf_token": token}).status_code == 302
    assert count(app, Segment) == 1


def test_page_forms_refuse_a_cross_site_post_with_a_token(tmp_path):
    app = host_app(tmp_path)
    client = signed_in(app)
    token = PAGE_TOKEN.search(client.get("/segments/").get_data(as_text=True)).group(1)
    response = client.post("/segments/new", data={"name": "X", "csrf_token": token},
                           headers={"Sec-Fetch-Site": "cross-site"})
    assert response.status_code == 400 and count(app, Segment) == 0


@pytest.mark.parametrize("csrf", HOSTS)
def test_the_host_may_opt_the_api_out_but_the_pages_stay_protected(tmp_path, csrf):
    app = host_app(tmp_path, csrf, SEGMENTS_API_CSRF_EXEMPT=True)
    client = signed_in(app)
    assert client.post(API, json={"name": "Token client"}).status_code == 201
    assert client.post("/segments/new", data={"name": "Forged"}).status_code == 400
    assert count(app, Segment) == 1


def test_reading_needs_no_token(tmp_path):
    app = host_app(tmp_path)
    client = signed_in(app)
    assert client.get(API).status_code == 200
    assert client.get("/segments/").status_code == 200
    assert client.head(API).status_code == 200
