"""The import service around the engine: dry runs, refused files, notifications, the finished
event, the report CSV, permissions and the history (SQLite and PostgreSQL)."""

import csv
import io

import pytest
import sqlalchemy as sa
from importdb_helpers import contacts_of, csv_bytes, import_record, member_counts_are_exact, memberships_of, row

from contact_segments import memberships
from contact_segments.demo.models import db
from contact_segments.errors import Conflict, NotFound, PermissionDenied
from contact_segments.hooks.events import ImportFinished
from contact_segments.hooks.markers import hookimpl
from contact_segments.imports import service
from contact_segments.imports.errors import FileRefused
from contact_segments.imports.models import ImportChunk, ImportRow
from contact_segments.models import Contact, Notification


@pytest.fixture
def app_config():
    return {"SEGMENTS_IMPORT_BATCH_SIZE": 2, "SEGMENTS_IMPORT_PART_ROWS": 4}


ROWS = [
    row("Jane", "Doe", mobile="4155552671", segments="A"),
    row("New", "One", email="new1@example.com", segments="B; Nope"),
    row("Bad", "Row", country="+1", mobile="4155550000"),
    row("Kept", "Same", mobile="4155552673", segments="A"),
    row("New", "Two", email="new2@example.com"),
    row("New", "One", email="new1@example.com", segments="A"),  # a later part: same contact
]


@pytest.fixture
def populated(make_segments, scope_for, account):
    """Segments A, B and two contacts (one in A and B, one in A)."""
    ids = make_segments("A", "B")
    db.session.execute(sa.insert(Contact), [
        {"account_id": account[0], "first_name": "Jane", "last_name": "Doe", "mobile": "+14155552671"},
        {"account_id": account[0], "first_name": "Kept", "last_name": "Same", "mobile": "+14155552673",
         "country_code": "US"},
    ])
    db.session.commit()
    jane, kept = db.session.execute(sa.select(Contact.id).order_by(Contact.id)).scalars().all()
    memberships.add_contacts(scope_for(), ids["A"], [jane, kept])
    memberships.add_contacts(scope_for(), ids["B"], [jane])
    return ids


@pytest.mark.parametrize("replace", [False, True])
def test_a_dry_run_changes_nothing_and_predicts_the_import(run_import, populated, account, replace):
    before = (contacts_of(account[0]), memberships_of(account[0]))
    dry = run_import(ROWS, replace=replace, dry_run=True)
    assert (contacts_of(account[0]), memberships_of(account[0])) == before
    assert member_counts_are_exact(account[0])
    real = run_import(ROWS, replace=replace)
    keys = ("rows", "created", "updated", "unchanged", "failed", "warned", "memberships_added",
            "memberships_removed", "errors", "unknown_segments")
    assert {k: dry[k] for k in keys} == {k: real[k] for k in keys}
    # The same warnings, said in the conditional by the dry run ("would be merged").
    unworded = [[{k: v for k, v in warning.items() if k != "message"} for warning in summary["warnings"]]
                for summary in (dry, real)]
    assert unworded[0] == unworded[1]
    said = [" ".join(warning["message"] for warning in summary["warnings"]) for summary in (dry, real)]
    assert "would be merged" in said[0] and "were merged" in said[1] and " was " not in said[0]
    assert dry["dry_run"] and dry["created"] == 2 and dry["failed"] == 1
    assert real["memberships_removed"] == (1 if replace else 0)


def test_a_dry_run_of_an_upload_leaves_it_ready_to_start(scope_for, populated, account):
    scope = scope_for("consultant")
    upload = service.create_import(scope, io.BytesIO(csv_bytes(ROWS)), "contacts.csv")
    assert (upload.status, upload.rows_total, upload.encoding) == ("uploaded", 6, "utf-8")
    dry = service.dry_run(scope, upload.id, wait=True)
    assert dry.id != upload.id and import_record(dry.id).status == "finished"
    assert import_record(upload.id).status == "uploaded"
    assert len(contacts_of(account[0])) == 2
    service.start(scope, upload.id, wait=True)
    assert import_record(upload.id).status == "finished"
    assert len(contacts_of(account[0])) == 4
    with pytest.raises(Conflict):
        service.start(scope, upload.id)


def test_a_refused_upload_is_recorded_and_writes_nothing(scope_for, account):
    scope = scope_for()
    with pytest.raises(FileRefused) as refused:
        service.create_import(scope, io.BytesIO(b"Country Code,Nom\nUS,x\n"), "contacts.csv")
    assert refused.value.code == "missing_column" and "First Name" in refused.value.message
    [imp] = service.list_imports(scope)
    assert (imp.status, imp.error_code) == ("refused", "missing_column")
    assert db.session.execute(sa.select(sa.func.count()).select_from(ImportChunk)).scalar_one() == 0
    assert contacts_of(account[0]) == []


def test_a_file_refused_by_the_job_ends_the_import_with_a_notification(scope_for, account):
    scope = scope_for("consultant")
    imp = service.create_import(scope, io.BytesIO(b""), "empty.csv", check=False)
    service.start(scope, imp.id, wait=True)
    imp = import_record(imp.id)
    assert (imp.status, imp.error_code) == ("refused", "empty_file")
    messages = [n.message for n in db.session.execute(sa.select(Notification).order_by(Notification.id)).scalars()]
    assert messages[0] == "You will be notified when your bulk import is ready."
    assert "refused" in messages[1] and "empty" in messages[1]


def test_an_upload_over_the_size_limit_is_refused_before_it_is_stored(app, scope_for):
    app.config["SEGMENTS_IMPORT_MAX_FILE_BYTES"] = 1000
    with pytest.raises(FileRefused) as refused:
        service.create_import(scope_for(), io.BytesIO(b"x" * 5000), "big.csv")
    assert refused.value.code == "file_too_large"
    assert service.list_imports(scope_for()) == []


class Recorder:
    def __init__(self):
        self.events, self.notices = [], []

    @hookimpl
    def segments_import_finished(self, event):
        # Fired after the commit: the import is already finished for any other connection.
        with db.engine.connect() as connection:
            status = connection.execute(sa.text("SELECT status FROM segments_import WHERE id = :id"),
                                        {"id": event.import_id}).scalar_one()
        self.events.append((event, status))

    @hookimpl
    def segments_notify(self, notice):
        self.notices.append(notice)  # returns None: the default in-app store runs too


def test_notifications_and_the_finished_event(state, run_import, populated, account):
    recorder = Recorder()
    state.pm.register(recorder, name="import-recorder")
    try:
        summary = run_import(ROWS)
    finally:
        state.pm.unregister(name="import-recorder")
    [(event, status_seen)] = recorder.events
    assert isinstance(event, ImportFinished) and status_seen == "finished"
    assert (event.import_id, event.status, event.dry_run) == (summary["id"], "finished", False)
    assert event.counts["created"] == 2 and event.counts["failed"] == 1
    queued, finished = recorder.notices
    assert queued.message == "You will be notified when your bulk import is ready."
    assert finished.level == "success" and "2 created" in finished.message and "1 failed" in finished.message
    assert finished.link == f"/api/segments/imports/{summary['id']}/report.csv"
    stored = db.session.execute(sa.select(Notification.kind).where(
        Notification.account_id == account[0]).order_by(Notification.id)).scalars().all()
    assert stored == ["import_queued", "import_finished"]


def test_the_report_has_every_row_with_its_outcome_and_neutralized_formulas(
        run_import, scope_for, populated):
    rows = ROWS + [row("=cmd|' /C calc'!A0", "Doe", email="f@example.com", organization="@SUM(1)")]
    summary = run_import(rows)
    filename, pieces = service.report_csv(scope_for(), summary["id"])
    assert filename == f"import-{summary['id']}-report.csv"
    report = list(csv.reader(io.StringIO("".join(pieces))))
    assert report[0][:5] == ["Line", "Outcome", "Codes", "Messages", "Country Code"]
    assert [r[0] for r in report[1:]] == [str(n) for n in range(2, 9)]
    assert [r[1] for r in report[1:]] == ["updated", "created", "failed", "unchanged", "created",
                                          "updated", "created"]
    assert report[3][2] == "invalid_country_code" and "two-letter" in report[3][3]
    assert report[3][4] == "+1"  # a plain number is written as it is
    assert report[7][5] == "'=cmd|' /C calc'!A0" and report[7][10] == "'@SUM(1)"


def test_imports_need_the_import_permission_and_stay_in_their_account(
        state, scope_for, make_account, run_import):
    summary = run_import([row("Jane", "Doe", mobile="4155552671")])
    other_account, users = make_account("Other")
    other = scope_for("admin", account_id=other_account, user_id=users["admin"])
    with pytest.raises(NotFound):
        service.get_import(other, summary["id"])
    with pytest.raises(NotFound):
        service.report_csv(other, summary["id"])
    assert service.list_imports(other) == []

    class NoImports:
        @hookimpl
        def segments_authorize(self, actor, action, target):
            return False if action == "import" else None

    state.pm.register(NoImports(), name="no-imports")
    try:
        with pytest.raises(PermissionDenied):
            service.create_import(scope_for(), io.BytesIO(b"x"), "c.csv")
        with pytest.raises(PermissionDenied):
            service.import_summary(scope_for(), summary["id"])
    finally:
        state.pm.unregister(name="no-imports")


def test_outcomes_are_recorded_once_per_line(run_import):
    summary = run_import(ROWS)
    lines = db.session.execute(sa.select(ImportRow.line).where(ImportRow.import_id == summary["id"])).scalars().all()
    assert sorted(lines) == list(range(2, 8))
