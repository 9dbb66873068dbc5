"""The plugin's own Alembic environment: its version table, only its tables, models == migrations."""

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from contact_segments import migrate
from contact_segments.models import CONTACT_FILLFACTOR, TABLE_PREFIX, VERSION_TABLE, Contact, metadata


def _diff(engine):
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={
            "include_name": lambda name, type_, parents: type_ != "table" or (
                name.startswith(TABLE_PREFIX) and name != VERSION_TABLE),
            "compare_type": True,
        })
        return compare_metadata(context, metadata)


def test_models_and_migrations_agree(app, state):
    """An autogenerate diff against a database upgraded to head is empty (SQLite and PostgreSQL)."""
    engine = state.engine()
    assert migrate.current_revision(engine) == migrate.head_revision()
    assert _diff(engine) == []


def test_own_version_table_and_host_tables_untouched(app, state):
    engine = state.engine()
    tables = set(sa.inspect(engine).get_table_names())
    assert VERSION_TABLE in tables
    assert "alembic_version" not in tables  # the host's own Alembic table is not used
    assert {"demo_account", "demo_user", "demo_outbox"} <= tables  # host tables exist...
    plugin_tables = {t for t in tables if t.startswith(TABLE_PREFIX)}
    assert plugin_tables == set(metadata.tables) | {VERSION_TABLE}


def test_downgrade_to_base_removes_only_plugin_tables(app, state):
    engine = state.engine()
    migrate.downgrade(engine, "base")
    tables = set(sa.inspect(engine).get_table_names())
    assert not {t for t in tables if t.startswith(TABLE_PREFIX) and t != VERSION_TABLE}
    assert {"demo_account", "demo_user", "demo_outbox"} <= tables
    migrate.upgrade(engine)
    assert migrate.current_revision(engine) == migrate.head_revision()


def test_cli_db_commands(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["segments", "db", "current"])
    assert result.exit_code == 0
    assert f"current: {migrate.head_revision()}" in result.output
    result = runner.invoke(args=["segments", "db", "upgrade"])
    assert result.exit_code == 0 and migrate.head_revision() in result.output


def test_contact_pages_keep_room_for_updates_on_postgresql(app, state):
    """Migration 0005 leaves free space in the contact table's pages (PostgreSQL only), as the
    model declares it for tables made without migrations."""
    engine = state.engine()
    assert Contact.__table__.dialect_options["postgresql"]["with"] == {"fillfactor": CONTACT_FILLFACTOR}
    if engine.dialect.name != "postgresql":
        return
    with engine.connect() as connection:
        options = connection.scalar(sa.text(
            "SELECT reloptions FROM pg_class WHERE relname = 'segments_contact'"))
    assert options == [f"fillfactor={CONTACT_FILLFACTOR}"]
