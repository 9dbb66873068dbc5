"""What a security review expects of the plugin's responses: ``X-Content-Type-Options: nosniff``,
a frame policy and a Content-Security-Policy on pages, API answers, static files and error
pages (the host's own pages and headers are left alone); the demo host's session cookie is
``SameSite=Lax``; a wrong method on an API path answers 405 with ``Allow``, not 404."""

import re
from pathlib import Path

import flask
import pytest

from contact_segments import Segments
from contact_segments.config import DEFAULTS

API = "/api/segments"
ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = sorted([*(ROOT / "blueprints" / "templates").rglob("*.html"),
                    *(ROOT / "plugin" / "demo" / "templates").rglob("*.html")])
JINJA_TAG = re.compile(r"{%.*?%}|{#.*?#}", re.S)  # template code, not markup
INLINE = re.compile(r"<script(?![^>]*\ssrc=)[^>]*>|<style[\s>]|\sstyle\s*=\s*[\"']|\son[a-z]+\s*=\s*[\"']", re.I)


@pytest.fixture
def manager(app, account):
    client = app.test_client()
    with client.session_transaction() as session:
        session["user_id"] = account[1]["manager"]
    return client


def assert_hardened(response, policy=DEFAULTS["SEGMENTS_CONTENT_SECURITY_POLICY"]):
    headers = response.headers
    assert headers.get("X-Content-Type-Options") == "nosniff", dict(headers)
    assert headers.get("X-Frame-Options") == "SAMEORIGIN"
    assert headers.get("Content-Security-Policy") == policy


def test_the_default_policy_allows_only_the_sites_own_files():
    policy = dict(part.strip().split(" ", 1) for part in DEFAULTS["SEGMENTS_CONTENT_SECURITY_POLICY"].split(";"))
    assert policy["script-src"] == "'self'" and policy["style-src"] == "'self'"
    assert policy["object-src"] == "'none'" and policy["frame-ancestors"] == "'self'"
    assert "unsafe-inline" not in DEFAULTS["SEGMENTS_CONTENT_SECURITY_POLICY"]


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda path: path.name)
def test_no_template_has_inline_script_style_or_handler(template):
    """What the policy would block: the browser tests walk the main pages, this covers them all."""
    assert INLINE.findall(JINJA_TAG.sub("", template.read_text(encoding="utf-8"))) == []


def test_the_inline_check_sees_what_the_policy_blocks():
    for blocked in ('<script>go()</script>', '<style>p{}</style>', '<p style="color:red">',
                    '<select onchange="this.form.submit()">', "<a onclick='x()'>"):
        assert INLINE.search(blocked), blocked
    for allowed in ('<script src="/s.js" defer></script>', '{% macro actions(text, style="primary") %}',
                    '<link rel="stylesheet" href="/s.css">'):
        assert not INLINE.search(JINJA_TAG.sub("", allowed)), allowed


def test_pages_api_static_files_and_errors_are_hardened(app, manager, scope_for):
    for url in ("/segments/", "/segments/new", "/segments/contacts/new", "/segments/imports",
                "/segments/notifications.json", "/segments/static/segments/segments.js",
                "/segments/static/segments/segments.css", "/segments/imports/999999",
                API, f"{API}/openapi.json", f"{API}/999999", f"{API}/no-such-endpoint"):
        assert_hardened(manager.get(url))
    assert_hardened(app.test_client().get("/segments/"))  # 401 page of nobody signed in
    assert_hardened(manager.post("/segments/new", data={"name": "x"}))  # 400: no CSRF token


def test_the_hosts_own_pages_are_left_alone(manager):
    response = manager.get("/outbox")
    assert response.status_code == 200
    assert "Content-Security-Policy" not in response.headers


@pytest.mark.parametrize("app_config", [{"SEGMENTS_CONTENT_SECURITY_POLICY": "default-src 'self' cdn.example"}])
def test_the_host_chooses_the_policy(manager):
    assert_hardened(manager.get("/segments/"), policy="default-src 'self' cdn.example")


@pytest.mark.parametrize("app_config", [{"SEGMENTS_CONTENT_SECURITY_POLICY": ""}])
def test_an_empty_policy_sends_none(manager):
    response = manager.get("/segments/")
    assert "Content-Security-Policy" not in response.headers
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_headers_the_host_set_itself_win(tmp_path):
    host = flask.Flask("host")
    host.config.update(SECRET_KEY="x", SEGMENTS_DATABASE_URL=f"sqlite:///{tmp_path / 'h.sqlite'}")

    @host.after_request
    def host_headers(response):
        response.headers["Content-Security-Policy"] = "default-src 'self' host.example"
        response.headers["X-Frame-Options"] = "DENY"
        return response

    Segments(host)
    response = host.test_client().get(API)
    assert response.headers["Content-Security-Policy"] == "default-src 'self' host.example"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_the_demo_session_cookie_is_same_site_lax(app, manager, account):
    page = manager.get("/segments/")  # stores a CSRF token in the session: the cookie is set
    cookies = page.headers.getlist("Set-Cookie")
    assert any(cookie.startswith("session=") and "SameSite=Lax" in cookie for cookie in cookies), cookies
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"


@pytest.mark.parametrize("method, path, allowed", [
    ("PUT", "/{segment}", {"GET", "PATCH", "DELETE"}),
    ("POST", "/{segment}", {"GET", "PATCH", "DELETE"}),
    ("DELETE", "", {"GET", "POST"}),
    ("PUT", "", {"GET", "POST"}),
    ("PATCH", "/{segment}/members", {"GET", "POST"}),
    ("GET", "/{segment}/members/remove", {"POST"}),
    ("DELETE", "/contacts", {"GET"}),
    ("POST", "/audience/count", {"GET"}),
    ("GET", "/imports/1/start", {"POST"}),
    ("DELETE", "/imports/1", {"GET"}),
])
def test_a_wrong_method_on_an_api_path_is_405(manager, scope_for, method, path, allowed):
    from contact_segments import segments

    segment = segments.create(scope_for(), "North")
    response = manager.open(API + path.format(segment=segment.id), method=method)
    assert response.status_code == 405, response.get_data(as_text=True)
    body = response.get_json()
    assert body["code"] == "method_not_allowed"
    assert method in body["message"] and all(name in body["message"] for name in allowed)
    assert set(response.headers["Allow"].replace(" ", "").split(",")) >= allowed
    assert_hardened(response)


def test_an_unknown_api_path_is_still_404(manager):
    for method in ("GET", "POST", "PUT", "DELETE"):
        response = manager.open(f"{API}/no/such/thing", method=method)
        assert response.status_code == 404 and response.get_json()["code"] == "unknown_endpoint"
