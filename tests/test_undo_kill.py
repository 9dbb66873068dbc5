"""An undo run by a process of its own: through the CLI, SIGKILLed mid-way, it keeps what it
committed, shows as running until it is stale, and when asked again resumes from where it stopped
to the same end as an undo never stopped; queued on RQ, a real worker runs it and its user is told
it is queued, then done; on SQLite and PostgreSQL."""

import os
import signal
import sys
import uuid
from datetime import timedelta

import pytest
import sqlalchemy as sa

from contact_segments import segments
from contact_segments.demo.models import db
from contact_segments.errors import Conflict
from contact_segments.history import undo
from contact_segments.history.models import Change
from contact_segments.imports import service
from contact_segments.models import Contact, Membership, Notification, Segment, utcnow

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "imports_db"))
from importdb_helpers import csv_bytes, flask_process, row, wait_until  # noqa: E402

REDIS = os.environ.get("SEGMENTS_TEST_REDIS_URL", "")
BATCHES = {"SEGMENTS_IMPORT_BATCH_SIZE": 10, "SEGMENTS_IMPORT_PART_ROWS": 40}
ROWS = 120


@pytest.fixture
def app_config():
    return dict(BATCHES)


def _undo_change():
    db.session.expire_all()
    change = db.session.execute(sa.select(Change).where(Change.action == "import_undo")).scalar_one_or_none()
    db.session.commit()
    return change


def test_a_killed_undo_resumes_where_it_stopped(app, account, scope_for, database_url, state):
    scope = scope_for("manager")
    north = segments.create(scope, "North")
    imp = service.create_import(scope, _file(), "people.csv")
    service.start(scope, imp.id, wait=True)
    assert segments.get(scope, north.id).member_count == ROWS

    process = flask_process({"SQLALCHEMY_DATABASE_URI": database_url, **BATCHES, "SLOW_BATCH_SECONDS": 0.1},
                            "undo-import", imp.id, "--yes")

    def two_chunks_committed():
        change = _undo_change()
        summary = ((change.params or {}).get("summary") or {}) if change else {}
        return change if summary.get("memberships_removed", 0) >= 20 else None

    change = wait_until(two_chunks_committed, what="two committed chunks of the undo")
    os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=10)

    assert _undo_change().status == "running"
    with pytest.raises(Conflict) as refused:  # its worker may still be alive: not run twice
        undo.request(scope, imp.id)
    assert refused.value.code == "undo_running"
    db.session.execute(sa.update(Change).where(Change.id == change.id).values(
        updated_at=utcnow() - timedelta(hours=1)))  # an hour later, still no sign of life
    db.session.commit()

    again = undo.request(scope, imp.id)
    assert again.id == change.id
    undo.launch(state, again.id, wait=True)
    result = undo.status(scope, imp.id)
    assert result["status"] == "finished"
    assert result["summary"] == {"memberships_removed": ROWS, "memberships_restored": 0, "contacts_restored": 0,
                                 "contacts_deleted": ROWS, "conflicts": 0}
    db.session.expire_all()
    assert db.session.execute(sa.select(sa.func.count()).select_from(Contact)).scalar_one() == 0
    assert db.session.execute(sa.select(sa.func.count()).select_from(Membership)).scalar_one() == 0
    assert db.session.execute(sa.select(Segment.member_count).where(Segment.id == north.id)).scalar_one() == 0


def _file():
    import io

    return io.BytesIO(csv_bytes([row(f"First{i}", f"Last{i}", email=f"p{i}@example.com", segments="North")
                                 for i in range(ROWS)]))


@pytest.mark.skipif(not REDIS, reason="Redis not configured (set SEGMENTS_TEST_REDIS_URL)")
def test_an_undo_queued_on_rq_is_run_by_a_worker(app, account, scope_for, database_url, state):
    queue_name = f"segments-undo-{uuid.uuid4().hex[:8]}"
    scope = scope_for("manager")
    segments.create(scope, "North")
    imp = service.create_import(scope, _file(), "people.csv")
    service.start(scope, imp.id, wait=True)
    state.config.update(SEGMENTS_REDIS_URL=REDIS, SEGMENTS_QUEUE_NAME=queue_name)
    change = undo.request(scope, imp.id)
    assert undo.launch(state, change.id) is not None  # an RQ job id
    assert undo.status(scope, imp.id)["status"] == "queued"
    notice = db.session.execute(sa.select(Notification).where(
        Notification.kind == "import_undo_queued")).scalar_one()
    assert notice.import_id == imp.id

    worker = flask_process({"SQLALCHEMY_DATABASE_URI": database_url, "SEGMENTS_REDIS_URL": REDIS,
                            "SEGMENTS_QUEUE_NAME": queue_name, **BATCHES}, "worker", "--burst")
    worker.communicate(timeout=120)
    db.session.expire_all()
    result = undo.status(scope, imp.id)
    assert (result["status"], result["summary"]["contacts_deleted"]) == ("finished", ROWS)
    assert db.session.execute(sa.select(sa.func.count()).select_from(Contact)).scalar_one() == 0
    unread = db.session.execute(sa.select(Notification.kind).where(
        Notification.import_id == imp.id, Notification.read_at.is_(None))).scalars().all()
    assert unread == ["import_undone"]  # it took the place of the queued one
