"""The moves of an import's life (``imports/lifecycle.py``) on SQLite and PostgreSQL: each move is
made once however often it is asked (two requests starting one upload, a failure reported twice,
a finish after the end), the user's notice and the host's event go with the move and only with
it, and a resume that Redis refused puts the import back as it was. The app's launcher follows
``SEGMENTS_REDIS_URL``; the RQ jobs keep their dotted paths (jobs an older version enqueued name
them)."""

import io
import os
import uuid

import pytest
import sqlalchemy as sa
from importdb_helpers import csv_bytes, import_record, row

from contact_segments.demo.models import db
from contact_segments.hooks.markers import hookimpl
from contact_segments.imports import lifecycle, service
from contact_segments.imports.errors import FileRefused
from contact_segments.imports.launcher import InProcessLauncher, RqLauncher
from contact_segments.imports.models import ImportChunk

REDIS = os.environ.get("SEGMENTS_TEST_REDIS_URL", "")


class Told:
    """Records the notices sent to users and the finished-import events sent to the host."""

    def __init__(self):
        self.notices, self.events = [], []

    @hookimpl
    def segments_notify(self, notice):
        self.notices.append(notice.kind)

    @hookimpl
    def segments_import_finished(self, event):
        self.events.append(event.status)


@pytest.fixture
def told(state):
    recorder = Told()
    state.pm.register(recorder, name="lifecycle-told")
    yield recorder
    state.pm.unregister(name="lifecycle-told")


def uploaded(scope):
    data = csv_bytes([row(f"P{i}", "Doe", email=f"p{i}@example.com") for i in range(3)])
    return service.create_import(scope, io.BytesIO(data), "contacts.csv")


def test_an_upload_is_queued_once_however_often_it_is_started(state, scope_for, told):
    imp = uploaded(scope_for())
    assert lifecycle.queue(state, imp).status == "uploaded"  # what it was before
    assert lifecycle.queue(state, imp) is None  # a second start loses: nothing changes, nobody told
    assert import_record(imp.id).status == "queued" and told.notices == ["import_queued"]


def test_a_failure_is_recorded_and_told_once(state, scope_for, told):
    imp = uploaded(scope_for())
    lifecycle.queue(state, imp)
    assert lifecycle.fail(state, imp.id, "the worker's machine was lost", code="internal_error")
    assert not lifecycle.fail(state, imp.id, "reported again by a second callback")
    record = import_record(imp.id)
    assert (record.status, record.error_code, record.error_message) == (
        "failed", "internal_error", "the worker's machine was lost")
    assert record.finished_at is not None
    assert told.notices == ["import_queued", "import_finished"] and told.events == ["failed"]


def test_an_import_that_ended_does_not_end_again(state, scope_for, run_import, told):
    done = run_import([row("Ann", "Doe", email="ann@example.com")])
    assert not lifecycle.fail(state, done["id"], "too late")
    with pytest.raises(lifecycle.IllegalMove):
        lifecycle.finish(state, done["id"], {"rows_done": 1})
    record = import_record(done["id"])
    assert (record.status, record.error_code) == ("finished", None)
    assert told.events == ["finished"]  # the import's own end, once


def test_a_refused_file_ends_refused_and_its_stored_file_is_deleted(state, scope_for, told):
    imp = uploaded(scope_for())
    lifecycle.queue(state, imp)
    assert lifecycle.refuse(state, imp, FileRefused("empty_file", "The file has no data rows."))
    assert not lifecycle.refuse(state, imp, FileRefused("empty_file", "again"))
    record = import_record(imp.id)
    assert (record.status, record.error_code) == ("refused", "empty_file")
    assert db.session.execute(sa.select(sa.func.count()).select_from(ImportChunk).where(
        ImportChunk.import_id == imp.id)).scalar_one() == 0
    assert told.events == ["refused"] and told.notices == ["import_queued", "import_finished"]


def test_a_resume_the_queue_refused_leaves_the_import_as_it_was(state, scope_for):
    imp = uploaded(scope_for())
    lifecycle.queue(state, imp)
    lifecycle.fail(state, imp.id, "stopped")
    imp = import_record(imp.id)
    failed_at, updated_at = imp.finished_at, imp.updated_at
    before = lifecycle.requeue(state, imp, stalled=False)
    queued = import_record(imp.id)
    assert (queued.status, queued.error_code, queued.finished_at) == ("queued", None, None)
    lifecycle.restore(state, queued, before)
    back = import_record(imp.id)
    assert (back.status, back.error_code, back.error_message) == ("failed", "internal_error", "stopped")
    assert (back.finished_at, back.updated_at) == (failed_at, updated_at)
    assert lifecycle.requeue(state, imp, stalled=False) is not None
    assert lifecycle.requeue(state, import_record(imp.id), stalled=False) is None  # queued already


def test_the_launcher_follows_the_redis_setting(app, state):
    assert isinstance(state.launcher, InProcessLauncher) and state.launcher.health() is None
    app.config["SEGMENTS_REDIS_URL"] = "redis://127.0.0.1:1/0"
    try:
        launcher = state.launcher
        assert isinstance(launcher, RqLauncher) and state.launcher is launcher  # chosen once
        assert launcher.health().queue == app.config["SEGMENTS_QUEUE_NAME"]
    finally:
        app.config["SEGMENTS_REDIS_URL"] = ""
    assert isinstance(state.launcher, InProcessLauncher)


@pytest.mark.redis
@pytest.mark.skipif(not REDIS, reason="Redis not configured (set SEGMENTS_TEST_REDIS_URL)")
def test_jobs_are_enqueued_under_the_paths_older_versions_used(state):
    from redis import Redis
    from rq import Queue
    from rq.job import Job
    from rq.utils import import_attribute

    from contact_segments.imports import queue as import_queue
    from contact_segments.imports import rq_jobs

    for name in ("run_import", "validate_part", "on_job_failure"):
        assert import_attribute(f"contact_segments.jobs.{name}") is getattr(rq_jobs, name)
    assert import_attribute("contact_segments.imports.worker.Worker").__name__ == "Worker"
    on_queue = Queue(f"segments-paths-{os.getpid()}-{uuid.uuid4().hex[:8]}", connection=Redis.from_url(REDIS))
    try:
        job = import_queue.enqueue(state.config, "validate_part", 1, 0, on_queue=on_queue)
        stored = Job.fetch(job.id, connection=on_queue.connection)
        assert stored.func_name == "contact_segments.jobs.validate_part" and stored.args == (1, 0)
        assert stored.failure_callback is rq_jobs.on_job_failure
    finally:
        on_queue.empty()
