"""Run the plugin's Alembic migrations against an engine (used by ``flask segments db``)."""

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from .models import VERSION_TABLE


def _script_location():
    from . import migrations

    return str(Path(migrations.__file__).resolve().parent)


def alembic_config(connection=None, url=None):
    """Return an Alembic :class:`Config` for the plugin's environment, bound to ``connection``."""
    config = Config()
    config.set_main_option("script_location", _script_location())
    if url:
        config.set_main_option("sqlalchemy.url", str(url))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def upgrade(engine, revision="head"):
    """Upgrade the plugin's tables in ``engine``'s database to ``revision``."""
    with engine.begin() as connection:
        command.upgrade(alembic_config(connection), revision)


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
