"""The ``app`` fixture hands a built app to a later test only if the test that used it left it
as it was built (``app_reuse.AppShelf``)."""

import pytest

from app_reuse import AppShelf
from contact_segments.demo import create_app


@pytest.fixture
def built(tmp_path):
    """A shelf, the key of a config and a new app built from it with its snapshot."""
    config = {"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'reuse.sqlite'}",
              "SEGMENTS_REDIS_URL": "", "DEMO_SEED": False, "SECRET_KEY": "test-secret"}
    app = create_app(config)
    return AppShelf(), AppShelf.key(config), app, AppShelf.snapshot(app)


def _served(app):
    """Use ``app`` as tests do without changing it: pages, the API, a 404, a language."""
    client = app.test_client()
    for path in ("/segments/", "/api/segments/segments", "/no-such-page", "/segments/imports"):
        client.get(path, headers={"Accept-Language": "pt-BR"})


def test_an_app_that_only_served_requests_is_handed_out_again(built):
    shelf, key, app, snapshot = built
    _served(app)
    shelf.put_back(key, app, snapshot)
    again, _ = shelf.take(key)
    assert again is app
    assert shelf.take(key) is None  # one test at a time


def test_a_reused_app_can_still_be_set_up_by_the_next_test(built):
    shelf, key, app, snapshot = built
    _served(app)
    shelf.put_back(key, app, snapshot)
    again, _ = shelf.take(key)

    @again.before_request
    def extra():
        return None

    shelf.put_back(key, again, snapshot)
    assert shelf.take(key) is None  # now changed: nobody gets it


def _register_hooks(app):
    class HostHooks:
        pass

    app.extensions["segments"].pm.register(HostHooks(), name="host-hooks")


def _replace_wsgi_app(app):
    inner = app.wsgi_app
    app.wsgi_app = lambda environ, start_response: inner(environ, start_response)


@pytest.mark.parametrize("change", [
    lambda app: app.config.update(SEGMENTS_PAGE_SIZE=3),
    _register_hooks,
    lambda app: app.errorhandler(418)(lambda error: ("teapot", 418)),
    lambda app: app.add_url_rule("/extra", "extra", lambda: "extra"),
    lambda app: app.jinja_env.globals.update(extra=lambda: "extra"),
    _replace_wsgi_app,
    lambda app: app.extensions.update(demo=object()),
], ids=["config", "hook", "error handler", "route", "template global", "wsgi app", "extension"])
def test_an_app_a_test_changed_is_not_handed_out_again(built, change):
    shelf, key, app, snapshot = built
    change(app)
    _served(app)
    shelf.put_back(key, app, snapshot)
    assert shelf.take(key) is None


def test_another_config_or_environment_is_another_app(built, monkeypatch):
    shelf, key, app, snapshot = built
    shelf.put_back(key, app, snapshot)
    monkeypatch.setenv("SEGMENTS_PAGE_SIZE", "3")
    config = {"TESTING": True, "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
              "SEGMENTS_REDIS_URL": "", "DEMO_SEED": False, "SECRET_KEY": "test-secret"}
    assert AppShelf.key(config) != key
    monkeypatch.delenv("SEGMENTS_PAGE_SIZE")
    assert AppShelf.key(config) == key
    assert AppShelf.key({**config, "SEGMENTS_PAGE_SIZE": 3}) != key
