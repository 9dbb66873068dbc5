"""The database drivers the plugin runs on: on PostgreSQL, psycopg 3 only.

The import's bulk paths talk to psycopg 3 directly (``COPY``, server-side cursors, array
parameters). SQLAlchemy reads a bare ``postgresql://`` URL as psycopg2, so a host that writes
one would see imports fail halfway; :func:`check_database_driver` refuses it when the plugin is
set up, naming the fix.
"""

import sqlalchemy as sa

#: The only PostgreSQL driver the plugin supports (SQLAlchemy's name for psycopg 3).
POSTGRES_DRIVER = "psycopg"


def check_database_driver(app, db=None):
    """Raise ``ValueError`` if the plugin's database on ``app`` is PostgreSQL through any driver
    but psycopg 3.

    ``db``: the host's Flask-SQLAlchemy object, if it brings one. The engine decides when ``db``
    is already set up on ``app``; otherwise the ``SQLALCHEMY_DATABASE_URI`` it will be set up
    with.
    """
    url = _database_url(app, db)
    if url is None or url.get_backend_name() != "postgresql":
        return
    driver = url.get_driver_name()
    if driver != POSTGRES_DRIVER:
        raise ValueError(
            f"contact-segments needs psycopg 3 on PostgreSQL, but the database URL "
            f"{url.render_as_string(hide_password=True)!r} selects the {driver} driver. Write the "
            f"URL as postgresql+{POSTGRES_DRIVER}://... and install psycopg 3 "
            "(pip install \"contact-segments[postgres]\")."
        )


def _database_url(app, db):
    """The URL of ``db``'s default engine on ``app``, or None when there is none to check."""
    if db is not None and app.extensions.get("sqlalchemy") is db:
        with app.app_context():
            return db.engine.url
    configured = app.config.get("SQLALCHEMY_DATABASE_URI")
    return sa.engine.make_url(configured) if configured else None
