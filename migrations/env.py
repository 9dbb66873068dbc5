"""The plugin's own Alembic environment.

It manages only the plugin's tables (``contact_segments.models.metadata``, all prefixed
``segments_``) and records its revision in its own version table ``segments_alembic_version``,
so it never touches, nor proposes to drop, the host's tables or the host's migrations.
Run it with ``flask segments db upgrade`` (see :mod:`contact_segments.migrate`).
"""

from alembic import context
from sqlalchemy import create_engine

from contact_segments.models import TABLE_PREFIX, VERSION_TABLE, metadata

config = context.config


def include_name(name, type_, parent_names):
    """Let autogenerate see only the plugin's own tables."""
    if type_ == "table":
        return name is not None and name.startswith(TABLE_PREFIX) and name != VERSION_TABLE
    return True


def _configure(connection=None, url=None):
    context.configure(
        connection=connection,
        url=url,
        target_metadata=metadata,
        version_table=VERSION_TABLE,
        include_name=include_name,
        render_as_batch=True,  # SQLite needs batch mode to alter tables
        compare_type=True,
        literal_binds=connection is None,
    )


if context.is_offline_mode():
    _configure(url=config.get_main_option("sqlalchemy.url"))
    with context.begin_transaction():
        context.run_migrations()
else:
    connection = config.attributes.get("connection")
    if connection is not None:
        _configure(connection=connection)
        with context.begin_transaction():
            context.run_migrations()
    else:
        engine = create_engine(config.get_main_option("sqlalchemy.url"))
        with engine.begin() as own_connection:
            _configure(connection=own_connection)
            with context.begin_transaction():
                context.run_migrations()
