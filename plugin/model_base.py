"""What every table of the plugin is built on: the declarative :class:`Base` and its
:data:`metadata` (the ``segments_`` tables, managed by the plugin's own Alembic environment apart
from the host's), the naming convention of constraints, the 64-bit id type and :func:`utcnow`.

The tables themselves are in :mod:`contact_segments.models` (segments, memberships, contacts,
notifications) and :mod:`contact_segments.imports.models` (imports); importing
:mod:`contact_segments.models` registers them all on :data:`metadata`.
"""

from datetime import datetime, timezone

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase

TABLE_PREFIX = "segments_"
VERSION_TABLE = "segments_alembic_version"

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)

# 64-bit ids on PostgreSQL, INTEGER (the rowid alias) on SQLite.
BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def utcnow():
    """Return the current time, timezone-aware in UTC."""
    return datetime.now(timezone.utc)


def as_utc(moment):
    """``moment`` as an aware UTC datetime (SQLite gives naive ones back); ``None`` stays ``None``."""
    if moment is None:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


class Base(DeclarativeBase):
    """Declarative base of the plugin's models (separate from the host's ``db.Model``)."""

    metadata = metadata
