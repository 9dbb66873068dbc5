"""The recipient stream a host's bulk sender reads (``segments_iter_recipients``).

The host writes and commits its own session between batches (as the documentation says it may),
on a real SQLite file in its default journal mode and on PostgreSQL; every answer is the same
closable kind (a generator), the empty audience included; and a stream closed early gives its
connection back.
"""

import contextlib
import inspect
import time

import pytest
import sqlalchemy as sa

from contact_segments import audience, segments
from contact_segments.demo.models import OutboxMessage, db


@pytest.fixture
def members(scope_for, account, make_contacts):
    """Twelve contacts, all in the segment "Everyone"; returns (segment id, contact ids)."""
    ids = make_contacts(account[0], 12)
    segment = segments.create(scope_for(), "Everyone", contact_ids=ids)
    return segment.id, ids


def _record(account_id, batch):
    """What a host's sender does with a batch: write one outbox row per recipient and commit."""
    db.session.add_all([OutboxMessage(account_id=account_id, batch="b", channel="sms",
                                      contact_id=r.contact_id, address=r.address, body="Hi")
                        for r in batch])
    db.session.commit()


def test_the_host_commits_between_batches_of_one(state, account, members):
    """With one recipient per batch the host's commit never waits for the stream: on SQLite a
    stream that kept its SELECT open between batches made the commit fail after the busy
    timeout with "database is locked"."""
    segment_id, ids = members
    journal = db.session.execute(sa.text("PRAGMA journal_mode")).scalar() if state.db.engine.dialect.name == "sqlite" else None
    assert journal in (None, "delete")  # the host's engine as it comes: SQLite's default journal
    started = time.monotonic()
    seen = []
    batches = state.pm.hook.segments_iter_recipients(
        account_id=account[0], include=[segment_id], exclude=[], channel="sms", batch_size=1)
    with contextlib.closing(batches):
        for batch in batches:
            assert len(batch) == 1
            _record(account[0], batch)
            seen.extend(r.contact_id for r in batch)
    assert sorted(seen) == ids
    assert time.monotonic() - started < 4  # no commit waited for a lock
    assert db.session.execute(sa.select(sa.func.count()).select_from(OutboxMessage)).scalar_one() == 12


def test_another_connection_writes_between_two_batches(state, account, members):
    """Between two batches another connection can write (and commit) the plugin's own tables:
    the stream holds no lock on the database while the host works on a batch."""
    segment_id, ids = members
    batches = audience.iter_recipients(db.session, state.contacts, account[0], [segment_id], [], "sms", 5)
    with contextlib.closing(batches):
        first = next(batches)
        with state.db.engine.connect() as other:
            other.execute(sa.text("UPDATE segments_contact SET first_name = 'Changed' WHERE id = :id"),
                          {"id": ids[-1]})
            other.commit()
        rest = [r for batch in batches for r in batch]
    assert sorted(r.contact_id for r in first + rest) == ids


@pytest.mark.parametrize("include", ["empty", "members"])
def test_every_answer_is_a_closable_generator(state, account, members, include):
    """The empty audience is a generator too: ``contextlib.closing`` works on every answer."""
    segment_id, ids = members
    stream = state.pm.hook.segments_iter_recipients(
        account_id=account[0], include=[] if include == "empty" else [segment_id], exclude=[],
        channel="sms", batch_size=5)
    assert inspect.isgenerator(stream)
    with contextlib.closing(stream) as batches:
        got = [r.contact_id for batch in batches for r in batch]
    assert sorted(got) == ([] if include == "empty" else ids)


def test_bad_requests_fail_when_the_stream_is_asked_for(state, account, members):
    """Checks still run before the first batch: the caller learns of a bad id at once."""
    from contact_segments.errors import InvalidInput, NotFound

    with pytest.raises(NotFound):
        state.pm.hook.segments_iter_recipients(account_id=account[0], include=[10**9], exclude=[],
                                               channel="sms", batch_size=5)
    with pytest.raises(InvalidInput):
        state.pm.hook.segments_iter_recipients(account_id=account[0], include=[], exclude=[],
                                               channel="fax", batch_size=5)


def test_a_stream_closed_early_gives_its_connection_back(state, account, members):
    """More abandoned-and-closed streams than the pool holds: each gave its connection back."""
    segment_id, _ = members
    for _ in range(20):  # a pool keeps 5 connections and opens at most 10 more
        stream = audience.iter_recipients(db.session, state.contacts, account[0], [segment_id], [], "sms", 1)
        assert len(next(stream)) == 1
        stream.close()
    assert sum(map(len, audience.iter_recipients(db.session, state.contacts, account[0], [segment_id], [], "sms", 5))) == 12


def test_the_plugins_own_sqlite_engine_runs_in_wal_mode_with_a_busy_timeout(tmp_path):
    """Without a host ``db`` the plugin's engine is set up by ``use_wal``."""
    from flask import Flask

    from contact_segments import Segments

    app = Flask("bare")
    app.config.update(SECRET_KEY="x", SEGMENTS_DATABASE_URL=f"sqlite:///{tmp_path / 'own.sqlite'}")
    state = Segments().init_app(app)
    with app.app_context():
        with state.engine().connect() as connection:
            assert connection.execute(sa.text("PRAGMA journal_mode")).scalar() == "wal"
            assert connection.execute(sa.text("PRAGMA busy_timeout")).scalar() == 30000
        state.engine().dispose()


@pytest.mark.parametrize("wal", [False, True])
def test_use_wal_lets_a_host_commit_while_a_reader_is_midway(tmp_path, wal):
    """The documented setting for a host's own SQLite engine: with it, a writer commits while
    another connection is in the middle of a SELECT; without it (SQLite's default journal) the
    commit fails with "database is locked" once the busy timeout has passed."""
    from contact_segments.sqlite_engine import use_wal

    engine = sa.create_engine(f"sqlite:///{tmp_path / 'host.sqlite'}")
    if wal:
        use_wal(engine, busy_timeout=0.2)
    else:
        sa.event.listen(engine, "connect", lambda dbapi, _: dbapi.execute("PRAGMA busy_timeout = 200"))
    with engine.begin() as connection:
        connection.execute(sa.text("CREATE TABLE t (id INTEGER PRIMARY KEY)"))
        connection.execute(sa.text("INSERT INTO t (id) VALUES (1), (2), (3)"))
    reader = engine.raw_connection()
    cursor = reader.cursor()
    cursor.execute("SELECT id FROM t")
    assert cursor.fetchone() == (1,)  # the statement is still open: a shared lock in journal mode
    try:
        with engine.connect() as writer:
            writer.execute(sa.text("INSERT INTO t (id) VALUES (4)"))
            if wal:
                writer.commit()
            else:
                with pytest.raises(sa.exc.OperationalError, match="database is locked"):
                    writer.commit()
                writer.rollback()
    finally:
        cursor.close()
        reader.close()
    with engine.connect() as connection:
        assert connection.execute(sa.text("SELECT count(*) FROM t")).scalar() == (4 if wal else 3)
    engine.dispose()
