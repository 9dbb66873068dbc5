"""The ``flask segments`` command group, added to every host app that enabled the plugin."""

import click
from flask import current_app
from flask.cli import with_appcontext

from . import migrate


@click.group("segments")
def segments_cli():
    """Customer segments: manage segments, import contacts, resolve audiences."""


@segments_cli.group("db")
def db_cli():
    """The plugin's own database migrations (version table segments_alembic_version)."""


def _engine():
    return current_app.extensions["segments"].engine()


@db_cli.command("upgrade")
@click.argument("revision", default="head")
@with_appcontext
def db_upgrade(revision):
    """Create or upgrade the plugin's tables to REVISION (default: head)."""
    migrate.upgrade(_engine(), revision)
    click.echo(f"contact-segments database at revision {migrate.current_revision(_engine())}")


@db_cli.command("downgrade")
@click.argument("revision")
@with_appcontext
def db_downgrade(revision):
    """Downgrade the plugin's tables to REVISION ("base" removes them all)."""
    migrate.downgrade(_engine(), revision)
    click.echo(f"contact-segments database at revision {migrate.current_revision(_engine())}")


@db_cli.command("current")
@with_appcontext
def db_current():
    """Print the revision the database is at, and the newest one shipped."""
    click.echo(f"current: {migrate.current_revision(_engine())}  head: {migrate.head_revision()}")
