"""An import's errors and warnings are counted by its batches; its summary reads only the first
ones (migration 0007_import_issue_counts), and still counts them itself for older imports."""

import pytest
import sqlalchemy as sa
from importdb_helpers import row

from contact_segments.demo.models import db
from contact_segments.imports import report, service
from contact_segments.imports.models import Import, ImportRow


def _rows():
    """Errors: 2 on line 2 (no names), 1 on line 4, 1 on line 6; warnings: an unknown segment on
    line 3, the same contact again on line 5, and both on line 7."""
    return [
        row(first="", last="", email="nobody@example.com"),
        row(first="Ana", email="ana@example.com", segments="Nope"),
        row(first="Bo", country="+1", email="bo@example.com"),
        row(first="Ana", email="ana@example.com"),
        row(first="Cy", mobile="123", country="US"),
        row(first="Ana", email="ana@example.com", segments="Nope"),
    ]


def _counted_from_rows(import_id):
    totals = {"error": 0, "warning": 0}
    for (issues,) in db.session.execute(
            sa.select(ImportRow.issues).where(ImportRow.import_id == import_id, ImportRow.issues.is_not(None))):
        for issue in issues:
            totals[issue[0]] += 1
    return totals["error"], totals["warning"]


@pytest.mark.parametrize("dry_run", [False, True], ids=["import", "dry run"])
def test_the_batches_count_every_error_and_warning(run_import, dry_run):
    summary = run_import(_rows(), dry_run=dry_run)
    imp = db.session.get(Import, summary["id"])
    assert (imp.errors_total, imp.warnings_total) == _counted_from_rows(imp.id) == (4, 4)
    assert (summary["errors_total"], summary["warnings_total"]) == (4, 4)
    assert len(summary["errors"]) == 4 and len(summary["warnings"]) == 4


def test_a_short_summary_lists_the_first_issues_in_line_order_with_all_counted(run_import, scope_for):
    summary = run_import(_rows())
    short = service.import_summary(scope_for("consultant"), summary["id"], max_issues=1)
    assert (short["errors_total"], short["warnings_total"]) == (4, 4)
    assert [(issue["line"], issue["code"]) for issue in short["errors"]] == [
        (summary["errors"][0]["line"], summary["errors"][0]["code"])]
    assert short["errors"][0]["line"] == 2
    assert [issue["line"] for issue in short["warnings"]] == [3]


def test_an_import_applied_before_the_counters_existed_is_counted_from_its_rows(run_import):
    summary = run_import(_rows())
    db.session.execute(sa.update(Import).where(Import.id == summary["id"])
                       .values(errors_total=None, warnings_total=None))
    db.session.commit()
    imp = db.session.get(Import, summary["id"])
    short = report.summary(db.session, imp, max_issues=1)
    assert (short["errors_total"], short["warnings_total"]) == (4, 4)
    assert len(short["errors"]) == 1 and len(short["warnings"]) == 1
