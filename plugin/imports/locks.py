"""The two locks that let several workers share imports safely.

* :func:`lock_for_writing`: taken first in every transaction that applies a batch. It
  serializes the writes of all imports of one account (PostgreSQL: a transaction-level advisory
  lock per account; SQLite: the database's write lock, taken at once by a first UPDATE), so the
  contacts a batch looked up cannot change under it. Imports of other accounts go on in parallel
  on PostgreSQL.
* :func:`driver_lock`: a try-lock per import, held by the one worker that applies the import's
  validated parts in file order ("the driver"). Workers that finish validating a part while
  another drives just leave; the driver picks their part up. Released automatically when the
  worker dies (PostgreSQL: session advisory lock of a dedicated connection; SQLite: an OS lock on
  a lock file, see :mod:`.file_lock`; an in-memory SQLite database: a lock of this process).
"""

import contextlib
import hashlib
import os
import tempfile
import threading

import sqlalchemy as sa

from .file_lock import try_lock_file
from .models import Import

# First keys of the two-key advisory locks (arbitrary constants that name the plugin's locks).
_ACCOUNT_LOCK_SPACE = 0x5E6A
_DRIVER_LOCK_SPACE = 0x5E6B
_INT4 = 2_147_483_647

_process_locks = {}
_process_locks_guard = threading.Lock()


def _key(value):
    """Fold an id into PostgreSQL's ``int4`` range (a collision only serializes more)."""
    return int(value) % _INT4


def lock_account_writes(session, account_id):
    """Hold the write lock of ``account_id`` until ``session``'s transaction ends (PostgreSQL;
    on SQLite the database's own write lock, taken by the first write, serializes writers).

    Blocks until no import of the account is writing a batch. Forgetting contacts takes it too,
    so that a batch never writes memberships of a contact forgotten meanwhile.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(sa.select(sa.func.pg_advisory_xact_lock(_ACCOUNT_LOCK_SPACE, _key(account_id))))


def lock_for_writing(session, import_id, account_id):
    """Start the batch transaction of ``session`` holding the write lock of ``account_id``.

    Blocks until no other import of the account is writing. On SQLite it touches the import's
    ``updated_at``: the statement that takes the database's write lock at once. On PostgreSQL
    the import's row stays unlocked until the batch writes its counters at the end, so that the
    heartbeat renewing the import's lease (:mod:`.lease`) never waits for a batch, nor for a
    dry run (all its batches in one transaction).
    """
    if session.get_bind().dialect.name == "postgresql":
        lock_account_writes(session, account_id)
        return
    session.execute(
        sa.update(Import).where(Import.id == import_id)
        .values(updated_at=sa.func.current_timestamp())
        .execution_options(synchronize_session=False)
    )


@contextlib.contextmanager
def driver_lock(engine, import_id):
    """Try to become the driver of import ``import_id``; yield ``True`` if this caller is.

    Never blocks. The lock is held until the ``with`` block ends (or the process dies).
    """
    if engine.dialect.name == "postgresql":
        with _postgres_driver_lock(engine, import_id) as acquired:
            yield acquired
    else:
        database = engine.url.database
        if database and database != ":memory:" and not database.startswith("file::memory:"):
            with _file_lock(database, import_id) as acquired:
                yield acquired
        else:
            with _process_lock((str(engine.url), import_id)) as acquired:
                yield acquired


@contextlib.contextmanager
def _postgres_driver_lock(engine, import_id):
    with engine.connect() as connection:
        acquired = connection.scalar(
            sa.select(sa.func.pg_try_advisory_lock(_DRIVER_LOCK_SPACE, _key(import_id)))
        )
        connection.commit()
        try:
            yield bool(acquired)
        finally:
            if acquired:
                connection.execute(
                    sa.select(sa.func.pg_advisory_unlock(_DRIVER_LOCK_SPACE, _key(import_id)))
                )
                connection.commit()


@contextlib.contextmanager
def _file_lock(database, import_id):
    digest = hashlib.sha1(os.path.abspath(database).encode()).hexdigest()[:16]
    path = os.path.join(tempfile.gettempdir(), f"contact-segments-{digest}-import-{import_id}.lock")
    with try_lock_file(path) as acquired:
        yield acquired


@contextlib.contextmanager
def _process_lock(key):
    with _process_locks_guard:
        lock = _process_locks.setdefault(key, threading.Lock())
    acquired = lock.acquire(blocking=False)
    try:
        yield acquired
    finally:
        if acquired:
            lock.release()
