"""Imports on RQ with real ``flask segments worker`` processes on the real Redis.

Each test uses a queue of its own, so parallel test runs never share jobs. Checked: an import
is spread over two workers (its lead on one, helpers validating parts on the other) and ends like
an in-process import;
the work horse killed with SIGKILL mid-import is retried by RQ and the import resumes from its
checkpoint; two accounts' imports run side by side; progress is mirrored in the job's meta.
"""

import io
import os
import signal
import sys
import uuid

import pytest
import sqlalchemy as sa
from importdb_helpers import (
    contacts_of, csv_bytes, descendants, flask_process, import_record, member_counts_are_exact,
    memberships_of, outcomes_of, row, wait_until,
)

from contact_segments import segments
from contact_segments.demo.models import db
from contact_segments.imports import service
from contact_segments.imports.models import ENDED

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "bench"))
from generate_import_file import DEFAULT_SEGMENTS, write_import_file  # noqa: E402

REDIS = os.environ.get("SEGMENTS_TEST_REDIS_URL", "")
pytestmark = [
    pytest.mark.redis,
    pytest.mark.skipif(not REDIS, reason="Redis not configured (set SEGMENTS_TEST_REDIS_URL)"),
]
SIZES = {"SEGMENTS_IMPORT_BATCH_SIZE": 10, "SEGMENTS_IMPORT_PART_ROWS": 20}


@pytest.fixture
def queue_name():
    return f"segments-test-{os.getpid()}-{uuid.uuid4().hex[:8]}"


@pytest.fixture
def app_config(queue_name):
    return {"SEGMENTS_REDIS_URL": REDIS, "SEGMENTS_QUEUE_NAME": queue_name, **SIZES}


@pytest.fixture
def workers(database_url, queue_name):
    """Start ``count`` worker processes (extra config optional); stop them all at the end."""
    started = []

    def start(count=2, **extra):
        config = {"SQLALCHEMY_DATABASE_URI": database_url, "SEGMENTS_REDIS_URL": REDIS,
                  "SEGMENTS_QUEUE_NAME": queue_name, **SIZES, **extra}
        batch = [flask_process(config, "worker") for _ in range(count)]
        started.extend(batch)
        return batch

    yield start
    for process in started:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
    for process in started:
        try:
            process.wait(timeout=15)
        except Exception:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def ended(import_id):
    record = import_record(import_id)
    db.session.commit()
    return record.status in ENDED and record


@pytest.fixture
def big_file(tmp_path):
    path = tmp_path / "contacts.csv"
    write_import_file(path, 400, seed=11)
    return path.read_bytes()


def second_scope(make_account, scope_for):
    other_account, users = make_account("Reference")
    return other_account, scope_for("admin", account_id=other_account, user_id=users["admin"])


def test_an_import_is_spread_over_two_workers(
        app, workers, queue_name, scope_for, make_account, run_import, big_file, account):
    from redis import Redis
    from rq import Queue
    from rq.job import Job

    other_account, other = second_scope(make_account, scope_for)
    for scope in (scope_for(), other):
        for name in DEFAULT_SEGMENTS:
            segments.create(scope, name)
    app.config["SEGMENTS_REDIS_URL"] = ""  # the reference import runs in this process
    expected = run_import(None, data=big_file, scope=other)
    app.config["SEGMENTS_REDIS_URL"] = REDIS

    workers(2)
    scope = scope_for("consultant")
    imp = service.create_import(scope, io.BytesIO(big_file), "contacts.csv")
    imp = service.start(scope, imp.id)
    assert imp.status == "queued" and imp.job_id
    record = wait_until(lambda: ended(imp.id), timeout=120, what="the import to end")
    assert record.status == "finished", record.error_message
    assert contacts_of(account[0]) == contacts_of(other_account)
    assert memberships_of(account[0]) == memberships_of(other_account)
    assert outcomes_of(imp.id) == outcomes_of(expected["id"])
    assert member_counts_are_exact(account[0])

    queue = Queue(queue_name, connection=Redis.from_url(REDIS))

    def all_jobs_done():  # helpers whose part the lead validated meanwhile end at once
        done = queue.finished_job_registry.get_job_ids()
        return len(done) == record.parts_total + 1 and [Job.fetch(job_id, connection=queue.connection)
                                                        for job_id in done]

    finished = wait_until(all_jobs_done, timeout=60, what="every job of the import to end")
    lead = Job.fetch(imp.job_id, connection=queue.connection)
    validators = [job for job in finished if job.func_name.endswith("validate_part")]
    assert len(validators) == record.parts_total == 20
    # The lead ran on one worker while the other took the helpers' parts.
    assert {job.worker_name for job in validators} - {lead.worker_name}
    assert any(job.meta.get("rows_done") for job in finished)  # progress mirrored in job.meta


def test_a_killed_work_horse_is_retried_and_the_import_resumes(
        app, workers, scope_for, make_account, run_import, big_file, account):
    other_account, other = second_scope(make_account, scope_for)
    app.config["SEGMENTS_REDIS_URL"] = ""
    expected = run_import(None, data=big_file, scope=other)
    app.config["SEGMENTS_REDIS_URL"] = REDIS

    [worker] = workers(1, SLOW_BATCH_SECONDS=0.15)
    scope = scope_for()
    imp = service.create_import(scope, io.BytesIO(big_file), "contacts.csv")
    service.start(scope, imp.id)

    def applying():
        record = import_record(imp.id)
        db.session.commit()
        return record.rows_done >= 60 and descendants(worker.pid)

    horses = wait_until(applying, timeout=60, what="the import to apply 60 rows")
    for horse in horses:
        os.kill(horse, signal.SIGKILL)
    assert import_record(imp.id).rows_done < 400
    record = wait_until(lambda: ended(imp.id), timeout=120, what="the retried import to end")
    assert record.status == "finished", record.error_message
    assert contacts_of(account[0]) == contacts_of(other_account)
    assert outcomes_of(imp.id) == outcomes_of(expected["id"])
    assert member_counts_are_exact(account[0])


def test_imports_of_two_accounts_run_side_by_side(workers, scope_for, make_account, account):
    other_account, other = second_scope(make_account, scope_for)
    # Each batch pauses a little, so that an import lasts longer than a worker takes to pick up
    # the other account's import even on a busy machine.
    workers(2, SLOW_BATCH_SECONDS=0.3)
    started = []
    for scope, prefix in ((scope_for(), "415555"), (other, "415556")):
        rows = [row(f"P{i}", "Doe", mobile=f"{prefix}{i:04d}") for i in range(60)]
        imp = service.create_import(scope, io.BytesIO(csv_bytes(rows)), "c.csv")
        started.append(service.start(scope, imp.id))
    for imp in started:
        record = wait_until(lambda: ended(imp.id), timeout=120, what="both imports to end")
        assert (record.status, record.created) == ("finished", 60)
    assert len(contacts_of(account[0])) == len(contacts_of(other_account)) == 60
    first, second = (import_record(imp.id) for imp in started)
    # Side by side: the second started before the first finished.
    assert second.started_at < first.finished_at
