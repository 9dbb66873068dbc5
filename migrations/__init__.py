"""The plugin's Alembic environment (``env.py``) and its revisions (``versions/``).

The plugin's own contact table, ``segments_contact``, exists only where it is used: a host that
brings its own contact model gets no such table. :func:`contact_segments.migrate.upgrade` tells
the revisions which case applies (Alembic config attribute :data:`CONTACT_TABLE_ATTRIBUTE`); a
revision creates the table when :func:`contact_table_wanted`, and changes or drops it only when
:func:`has_contact_table`.
"""

import sqlalchemy as sa

CONTACT_TABLE = "segments_contact"
#: Alembic config attribute: ``False`` when the app reads contacts from a host's table.
CONTACT_TABLE_ATTRIBUTE = "contact_table"


def contact_table_wanted():
    """True unless the migration run was told that the app uses a host's contact table."""
    from alembic import context

    return bool(context.config.attributes.get(CONTACT_TABLE_ATTRIBUTE, True))


def has_contact_table():
    """True when the database being migrated holds the plugin's contact table."""
    from alembic import op

    return sa.inspect(op.get_bind()).has_table(CONTACT_TABLE)
