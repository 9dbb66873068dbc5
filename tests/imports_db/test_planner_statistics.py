"""A large import leaves PostgreSQL's planner statistics fresh (contact_segments.imports.planner_statistics)."""

import pytest
import sqlalchemy as sa
from importdb_helpers import row

from contact_segments.demo.models import db
from contact_segments.hooks.events import ImportFinished

pytestmark = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)

TABLES = ("segments_contact", "segments_membership", "segments_import_row")


def _manual_analyze_counts():
    """``ANALYZE`` runs so far per table (autovacuum's are counted apart)."""
    with db.engine.connect() as connection:
        connection.execute(sa.text("SELECT pg_stat_clear_snapshot()"))
        counts = dict(connection.execute(sa.text(
            "SELECT relname, analyze_count FROM pg_stat_user_tables WHERE relname = ANY(:names)"),
            {"names": list(TABLES)}).all())
    return {name: counts.get(name, 0) for name in TABLES}


def _rows(count):
    return [row(first=f"P{i}", email=f"p{i}@example.com", segments="VIP") for i in range(count)]


def test_an_import_over_the_threshold_analyzes_the_tables_it_wrote_before_it_shows_finished(
        run_import, make_segments, state, recorder):
    make_segments("VIP")
    state.config["SEGMENTS_IMPORT_ANALYZE_AFTER"] = 10  # 6 contacts + 6 memberships = 12 rows
    before = _manual_analyze_counts()
    summary = run_import(_rows(6))
    assert (summary["created"], summary["memberships_added"]) == (6, 6)
    after = _manual_analyze_counts()
    assert {name: after[name] - before[name] for name in TABLES} == dict.fromkeys(TABLES, 1)
    # The planner now knows the six contacts (it believed the table was empty).
    reltuples = db.session.execute(sa.text(
        "SELECT reltuples FROM pg_class WHERE relname = 'segments_contact'")).scalar_one()
    assert reltuples == 6
    assert [event.status for event in recorder.of(ImportFinished)] == ["finished"]


@pytest.mark.parametrize("threshold", [13, 0], ids=["under the threshold", "turned off"])
def test_other_imports_leave_the_statistics_to_autovacuum(run_import, make_segments, state, threshold):
    make_segments("VIP")
    state.config["SEGMENTS_IMPORT_ANALYZE_AFTER"] = threshold
    before = _manual_analyze_counts()
    summary = run_import(_rows(6))
    assert summary["created"] == 6
    assert _manual_analyze_counts() == before


def test_a_dry_run_analyzes_nothing(run_import, make_segments, state):
    make_segments("VIP")
    state.config["SEGMENTS_IMPORT_ANALYZE_AFTER"] = 1
    before = _manual_analyze_counts()
    summary = run_import(_rows(6), dry_run=True)
    assert summary["created"] == 6
    assert _manual_analyze_counts() == before
