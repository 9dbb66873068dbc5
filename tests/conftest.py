"""Shared fixtures: the demo host on real databases (SQLite file and PostgreSQL), actors,
contacts, and an event recorder registered as a host plugin.

Every test that uses ``app`` runs once per database: SQLite always, PostgreSQL when
``SEGMENTS_TEST_POSTGRES_URL`` names a server (``.ci/run`` starts one and sets it, and sets
``SEGMENTS_TEST_REQUIRE_SERVERS=1`` so that a missing server fails instead of skipping).
Each pytest process gets its own SQLite file and PostgreSQL database (dropped at the end); the
``app`` fixture empties their tables after each test and reuses the app of an earlier test with
the same config when that test left it unchanged (see ``app_reuse.py``).
"""

import io
import os

import pytest
import sqlalchemy as sa

from contact_segments import Actor
from contact_segments.demo import create_app
from contact_segments.demo.models import Account, User, db
from contact_segments.imports import service
from contact_segments.imports.models import Import
from event_recorder import EventRecorder  # noqa: F401  (tests import it from here too)
from contact_segments.jobs import wait_for_background_imports
from contact_segments.migrate import upgrade
from contact_segments.models import Contact, VERSION_TABLE, metadata as plugin_metadata

from app_reuse import AppShelf
from databases import POSTGRES_URL, fresh_postgres_database

REDIS_URL = os.environ.get("SEGMENTS_TEST_REDIS_URL", "")
REQUIRE_SERVERS = os.environ.get("SEGMENTS_TEST_REQUIRE_SERVERS") == "1"


def pytest_configure(config):
    if REQUIRE_SERVERS and not (POSTGRES_URL and REDIS_URL):
        raise pytest.UsageError(
            "SEGMENTS_TEST_REQUIRE_SERVERS=1 but SEGMENTS_TEST_POSTGRES_URL or "
            "SEGMENTS_TEST_REDIS_URL is not set: run the tests through .ci/run"
        )


@pytest.fixture(scope="session")
def postgres_database_url():
    """A fresh PostgreSQL database for this pytest process (dropped afterwards)."""
    with fresh_postgres_database() as url:
        yield url


@pytest.fixture(scope="session")
def sqlite_database_url(tmp_path_factory):
    """A SQLite file for this pytest process."""
    return f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'segments-test.sqlite'}"


DATABASES = ["sqlite", "postgresql"]


@pytest.fixture(params=DATABASES)
def database_url(request):
    """The URL of this process's database of each kind (SQLite file, PostgreSQL), its tables
    empty: the ``app`` fixture empties them after each test."""
    fixture = "sqlite_database_url" if request.param == "sqlite" else "postgres_database_url"
    return request.getfixturevalue(fixture)


def _empty_all_tables(engine):
    tables = [t for t in reversed(plugin_metadata.sorted_tables)] + list(reversed(db.metadata.sorted_tables))
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            names = ", ".join(f'"{t.name}"' for t in tables)
            connection.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                connection.execute(table.delete())


@pytest.fixture
def app_config():
    """Extra config for the app under test (override in a test module to change it)."""
    return {}


_app_shelf = AppShelf()


@pytest.fixture
def app(database_url, app_config):
    """The demo host with the plugin, on an empty database, inside an app context."""
    config = {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SEGMENTS_REDIS_URL": "",
        "DEMO_SEED": False,
        "SECRET_KEY": "test-secret",
        **app_config,
    }
    # The demo app seeds its database when it is built (DEMO_SEED): such a test gets a new one.
    key = None if config["DEMO_SEED"] else AppShelf.key(config)
    shelved = _app_shelf.take(key)
    if shelved is None:
        application = create_app(config)
        snapshot = AppShelf.snapshot(application)
    else:
        application, snapshot = shelved
        with application.app_context():
            upgrade(db.engine)  # an earlier test may have taken the plugin's tables down
            db.create_all()
    with application.app_context():
        yield application
        # An in-process import may still run in its background thread: let it end before the
        # tables are emptied under it.
        ended = wait_for_background_imports(application, timeout=60)
        db.session.remove()
        _empty_all_tables(db.engine)
        db.engine.dispose()
    assert ended, "an import thread did not end"
    if key is not None:
        _app_shelf.put_back(key, application, snapshot)


@pytest.fixture
def state(app):
    """The plugin's per-app state (``app.extensions["segments"]``)."""
    return app.extensions["segments"]


@pytest.fixture
def recorder(state):
    """An :class:`EventRecorder` registered on the plugin manager; checks pending hooks."""
    plugin = EventRecorder()
    state.pm.register(plugin, name="test-recorder")
    state.pm.check_pending()
    yield plugin
    state.pm.unregister(name="test-recorder")


@pytest.fixture
def make_account(app):
    """Factory: a host account with one user of each role; returns (account_id, {role: user_id})."""

    def make(name="Dealer"):
        account = Account(name=name)
        db.session.add(account)
        db.session.flush()
        users = {}
        for role in ("consultant", "manager", "admin"):
            user = User(account_id=account.id, name=f"{role} of {name}", role=role)
            db.session.add(user)
            db.session.flush()
            users[role] = user.id
        db.session.commit()
        return account.id, users

    return make


@pytest.fixture
def account(make_account):
    """One account: (account_id, {role: user_id})."""
    return make_account("Downtown Motors")


@pytest.fixture
def scope_for(state, account):
    """Factory: a service scope for ``role`` in ``account`` (or another account id)."""

    def make(role="admin", account_id=None, user_id=None):
        account_id = account_id if account_id is not None else account[0]
        actor = Actor(account_id=account_id, user_id=user_id or account[1].get(role), role=role)
        return state.scope(actor)

    return make


@pytest.fixture
def named_scope(state, account):
    """Factory: a scope of the account's user of ``role`` named ``name``, reached ``via`` (what
    history records of who made a change and how)."""

    def make(role="manager", via="page", name="Morgan Manager"):
        actor = Actor(account_id=account[0], user_id=account[1][role], role=role, name=name)
        return state.scope(actor, via=via)

    return make


@pytest.fixture
def manager(named_scope):
    """The account's manager, Morgan Manager, on the pages."""
    return named_scope()


@pytest.fixture
def import_text():
    """``run(scope, text, *, replace=False, filename="customers.csv")``: import CSV ``text`` to
    its end in this process; return the finished :class:`Import`, read afresh."""

    def run(scope, text, *, replace=False, filename="customers.csv"):
        imp = service.create_import(scope, io.BytesIO(text.encode()), filename, replace=replace)
        service.start(scope, imp.id, wait=True)
        db.session.expire_all()
        return db.session.get(Import, imp.id)

    return run


@pytest.fixture
def make_contacts():
    """Factory: insert ``count`` contacts in an account; returns their ids in order."""

    def make(account_id, count, *, with_mobile=True, with_email=True, start=0):
        rows = [
            {
                "account_id": account_id, "country_code": "US", "first_name": f"First{i}",
                "last_name": f"Last{i}",
                "mobile": f"+1415{account_id % 10}{i:06d}" if with_mobile else None,
                "email": f"person{i}.a{account_id}@example.com" if with_email else None,
            }
            for i in range(start, start + count)
        ]
        if rows:
            db.session.execute(sa.insert(Contact), rows)
        db.session.commit()
        return list(db.session.execute(
            sa.select(Contact.id).where(Contact.account_id == account_id).order_by(Contact.id)
        ).scalars())[-count:] if count else []

    return make
