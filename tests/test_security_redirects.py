"""Open redirects: a ``next`` target is followed only when it is a path on this site; anything a
browser could read as another site (``//host``, ``/\\t/host``, ``/\\host``, ``https:``,
``javascript:``) goes to the page's default instead. Checked on the plugin's notification
dismissal and on the demo host's user switcher."""

import re

import pytest

from contact_segments.blueprints.redirects import local_target
from contact_segments.hooks.events import Notice

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')

HOSTILE = [
    "//evil.example/", "/\t/evil.example/", "/\n/evil.example", "/\r\n/evil.example",
    "/\\evil.example", "\\\\evil.example", "/\\/evil.example", " //evil.example", "\t//evil.example",
    "https://evil.example/", "HTTP://evil.example", "javascript:alert(1)", "JaVaScRiPt:alert(1)",
    "data:text/html,<script>alert(1)</script>", "evil.example", "///evil.example",
    "/\x00/evil.example", "/\u2028//evil.example",
]


@pytest.mark.parametrize("target", HOSTILE)
def test_hostile_targets_fall_back(target):
    assert local_target(target, "/home") == "/home"


@pytest.mark.parametrize("target", ["/segments/", "/segments/?q=a%20b&segment=3", "/", "/outbox#top",
                                    "/segments/imports/4", "/%0d%0a"])
def test_paths_of_this_site_are_kept(target):
    assert local_target(target, "/home") == target


def test_missing_target_falls_back():
    assert local_target(None, "/home") == "/home" and local_target("", "/home") == "/home"


@pytest.fixture
def manager(app, account):
    client = app.test_client()
    with client.session_transaction() as session:
        session["user_id"] = account[1]["manager"]
    return client


def _notification(state, account):
    state.pm.hook.segments_notify(notice=Notice(
        account_id=account[0], user_id=account[1]["manager"], kind="import_queued",
        message="You will be notified when your bulk import is ready"))


def _location(response):
    assert response.status_code in (302, 303), response.get_data(as_text=True)
    return response.headers["Location"]


@pytest.mark.parametrize("target", ["/\t/evil.example/", "//evil.example/", "/\\evil.example",
                                    "https://evil.example/", "javascript:alert(1)"])
def test_dismissing_a_notification_never_leaves_the_site(manager, state, account, target):
    _notification(state, account)
    token = TOKEN.search(manager.get("/segments/").get_data(as_text=True)).group(1)
    [item] = manager.get("/segments/notifications.json").get_json()["items"]
    location = _location(manager.post(item["read_url"], data={"csrf_token": token, "next": target}))
    assert location == "/segments/"


def test_dismissing_a_notification_returns_to_the_page(manager, state, account):
    _notification(state, account)
    token = TOKEN.search(manager.get("/segments/").get_data(as_text=True)).group(1)
    [item] = manager.get("/segments/notifications.json").get_json()["items"]
    response = manager.post(item["read_url"], data={"csrf_token": token, "next": "/segments/?q=Ana"})
    assert _location(response) == "/segments/?q=Ana"


@pytest.mark.parametrize("target", ["https://evil.example/", "javascript:alert(1)", "//evil.example",
                                    "/\t/evil.example/", "/\\evil.example"])
def test_the_demo_user_switcher_never_leaves_the_site(manager, account, target):
    token = TOKEN.search(manager.get("/segments/").get_data(as_text=True)).group(1)
    response = manager.post("/switch-user", data={"csrf_token": token, "user_id": account[1]["admin"],
                                                  "next": target})
    assert _location(response) == "/"


def test_the_demo_user_switcher_returns_to_the_page(manager, account):
    token = TOKEN.search(manager.get("/segments/").get_data(as_text=True)).group(1)
    response = manager.post("/switch-user", data={"csrf_token": token, "user_id": account[1]["admin"],
                                                  "next": "/segments/imports"})
    assert _location(response) == "/segments/imports"
