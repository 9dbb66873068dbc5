"""SQLite settings for an engine shared by web requests, in-process imports and the host's code.

In SQLite's default journal mode a reader blocks a writer's commit and a writer blocks every
reader while it commits. In WAL mode readers and the one writer work side by side; a busy
timeout makes a second writer wait its turn instead of failing at once with "database is
locked". The plugin applies :func:`use_wal` to the engine it creates itself (no ``db`` given);
a host on SQLite applies it to its own engine.
"""

import sqlalchemy as sa

#: How long (seconds) a connection waits for another one's write lock before it gives up.
BUSY_TIMEOUT_SECONDS = 30


def use_wal(engine, busy_timeout=BUSY_TIMEOUT_SECONDS):
    """Run every new connection of ``engine`` in WAL mode with a busy timeout (SQLite only).

    Call it before the engine's first connection, for example right after Flask-SQLAlchemy's
    ``db.init_app(app)``: ``with app.app_context(): use_wal(db.engine)``. Other databases are
    left alone. Returns ``engine``.
    """
    if engine.dialect.name != "sqlite":
        return engine

    @sa.event.listens_for(engine, "connect")
    def _set_pragmas(dbapi_connection, _record):
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {int(busy_timeout * 1000)}")
            cursor.execute("PRAGMA journal_mode = WAL")
        finally:
            cursor.close()

    return engine
