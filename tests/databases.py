"""Fresh PostgreSQL databases for tests (imported by the conftests and by tests that need one)."""

import contextlib
import os
import uuid

import pytest
import sqlalchemy as sa

POSTGRES_URL = os.environ.get("SEGMENTS_TEST_POSTGRES_URL", "")


@contextlib.contextmanager
def fresh_postgres_database(prefix="cs_test"):
    """Create an empty PostgreSQL database, yield its URL, drop it afterwards (skip without one)."""
    if not POSTGRES_URL:
        pytest.skip("PostgreSQL not configured (set SEGMENTS_TEST_POSTGRES_URL)")
    name = f"{prefix}_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = sa.engine.make_url(POSTGRES_URL).set(database=name)
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
