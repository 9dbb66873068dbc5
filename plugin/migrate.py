"""Run the plugin's Alembic migrations against an engine (used by ``flask segments db``)."""

from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import current_app, has_app_context

from .migrations import CONTACT_TABLE, CONTACT_TABLE_ATTRIBUTE
from .models import VERSION_TABLE, Contact


def _script_location():
    from . import migrations

    return str(Path(migrations.__file__).resolve().parent)


def alembic_config(connection=None, url=None, contact_table=True):
    """Return an Alembic :class:`Config` for the plugin's environment, bound to ``connection``.

    ``contact_table=False`` tells the revisions not to create the plugin's contact table.
    """
    config = Config()
    config.set_main_option("script_location", _script_location())
    if url:
        config.set_main_option("sqlalchemy.url", str(url))
    if connection is not None:
        config.attributes["connection"] = connection
    config.attributes[CONTACT_TABLE_ATTRIBUTE] = contact_table
    return config


def uses_own_contact_table(app=None):
    """True when ``app`` (default: the current app, if any) keeps contacts in the plugin's table
    ``segments_contact``; False when its host brought its own contact model. Outside an app: True.
    """
    if app is None:
        if not has_app_context():
            return True
        app = current_app
    state = app.extensions.get("segments")
    return state is None or state.contacts.table is Contact.__table__


def upgrade(engine, revision="head", *, contact_table=None):
    """Upgrade the plugin's tables in ``engine``'s database to ``revision``.

    ``contact_table``: whether the plugin's contact table ``segments_contact`` is wanted; by
    default, when the current app uses it (:func:`uses_own_contact_table`). A database already
    at the newest revision without the table (its host once brought its own contact model) gets
    it when it is wanted.
    """
    if contact_table is None:
        contact_table = uses_own_contact_table()
    with engine.begin() as connection:
        command.upgrade(alembic_config(connection, contact_table=contact_table), revision)
        if contact_table and revision == "head" and not sa.inspect(connection).has_table(CONTACT_TABLE):
            _create_contact_table(connection)


def _create_contact_table(connection):
    """Create ``segments_contact`` as the newest revision has it (the model). On PostgreSQL its
    trigram search index needs ``pg_trgm``: created first when it can be; when it cannot, the
    table is made without that index, as migration ``0010_contact_search_index`` does."""
    table = Contact.__table__
    if connection.dialect.name == "postgresql" and not _has_extension(connection, "pg_trgm"):
        trigram_indexes = {index for index in table.indexes
                           if "gin_trgm_ops" in (index.dialect_options["postgresql"]["ops"] or {}).values()}
        _create_without(connection, table, trigram_indexes)
    else:
        table.create(connection, checkfirst=False)


def _has_extension(connection, name):
    """True when extension ``name`` is installed or could be created now."""
    try:
        with connection.begin_nested():
            connection.execute(sa.text(f"CREATE EXTENSION IF NOT EXISTS {name}"))
    except sa.exc.DBAPIError:
        return False
    return True


def _create_without(connection, table, skipped):
    """Create ``table`` and every index of it but ``skipped``."""
    indexes = set(table.indexes)
    try:
        table.indexes.difference_update(skipped)
        table.create(connection, checkfirst=False)
    finally:
        table.indexes.clear()
        table.indexes.update(indexes)


def downgrade(engine, revision):
    """Downgrade the plugin's tables in ``engine``'s database to ``revision``."""
    with engine.begin() as connection:
        command.downgrade(alembic_config(connection), revision)


def current_revision(engine):
    """Return the revision the database is at (``None`` before the first upgrade)."""
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"version_table": VERSION_TABLE})
        return context.get_current_revision()


def head_revision():
    """Return the newest revision shipped with the plugin."""
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def revision(engine, message, autogenerate=True):
    """Write a new revision file comparing the models with ``engine``'s database (developers)."""
    with engine.begin() as connection:
        command.revision(alembic_config(connection), message=message, autogenerate=autogenerate)
