"""Small SQL helpers that differ by database dialect (PostgreSQL, SQLite)."""

from sqlalchemy.dialects import postgresql, sqlite


def insert_ignoring_duplicates(session, table):
    """Return an INSERT into ``table`` that skips rows clashing with a unique constraint."""
    module = postgresql if dialect_name(session) == "postgresql" else sqlite
    return module.insert(table).on_conflict_do_nothing()


def dialect_name(session):
    """Return the name of the database dialect behind ``session`` ("postgresql", "sqlite")."""
    return session.get_bind().dialect.name
