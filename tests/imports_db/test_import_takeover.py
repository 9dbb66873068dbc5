"""A worker that dies at any point of an import: the import goes on by itself on a live worker
within 60 s, with no duplicate or lost row, and its status says it is recovering meanwhile.

Real ``flask segments worker`` processes on PostgreSQL and Redis, with the default settings
(a lease of 30 s, parts of 20,000 rows, batches of 5,000). A worker is killed with SIGKILL (the
worker and its work horse: a machine or container lost) while the file is cut into parts,
mid-apply and in the last part (the lead, with nothing else queued); or the database
terminates every worker connection. Nobody presses Resume. Each test prints what it measured: how long after the kill the import made progress
again, got a new lead, and finished.
"""

import io
import os
import signal
import sys
import time
import uuid
from dataclasses import dataclass, field

import pytest
import sqlalchemy as sa
from importdb_helpers import (
    contacts_of, descendants, flask_process, import_record, member_counts_are_exact, wait_until,
)

from contact_segments import segments
from contact_segments.demo.models import db
from contact_segments.imports import liveness, service
from contact_segments.imports.models import ENDED, ImportPart, ImportRow
from contact_segments.models import Membership, Segment

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "bench"))
from generate_import_file import DEFAULT_SEGMENTS, write_import_file  # noqa: E402

REDIS = os.environ.get("SEGMENTS_TEST_REDIS_URL", "")
pytestmark = [
    pytest.mark.redis,
    pytest.mark.skipif(not REDIS, reason="Redis not configured (set SEGMENTS_TEST_REDIS_URL)"),
]
#: What the issue asks: an import whose worker died goes on within this many seconds.
RECOVERY_LIMIT = 60
_DRIVER_LOCK_SPACE = 0x5E6B  # contact_segments.imports.locks


@pytest.fixture
def database_url(postgres_database_url):
    """PostgreSQL only: the workers' connections are found and terminated by name."""
    return postgres_database_url


@pytest.fixture
def queue_name():
    return f"segments-takeover-{os.getpid()}-{uuid.uuid4().hex[:8]}"


@pytest.fixture
def app_config(queue_name):
    return {"SEGMENTS_REDIS_URL": REDIS, "SEGMENTS_QUEUE_NAME": queue_name}


@dataclass
class RunningWorker:
    """A ``flask segments worker`` process whose database connections carry ``name``."""

    name: str
    process: object

    @property
    def alive(self):
        return self.process.poll() is None


@pytest.fixture
def workers(database_url, queue_name):
    """Start ``count`` workers with the default import settings; stop them all at the end."""
    started = []

    def start(count=2):
        for _ in range(count):
            name = f"segments-worker-{uuid.uuid4().hex[:8]}"
            config = {"SQLALCHEMY_DATABASE_URI": database_url, "SEGMENTS_REDIS_URL": REDIS,
                      "SEGMENTS_QUEUE_NAME": queue_name,
                      "SQLALCHEMY_ENGINE_OPTIONS": {"connect_args": {"application_name": name}}}
            started.append(RunningWorker(name, flask_process(config, "worker")))
        return list(started)

    yield start
    for worker in started:
        if worker.alive:
            os.killpg(worker.process.pid, signal.SIGTERM)
    for worker in started:
        try:
            worker.process.wait(timeout=20)
        except Exception:
            os.killpg(worker.process.pid, signal.SIGKILL)
            worker.process.wait()


@pytest.fixture
def import_file(tmp_path, scope_for):
    """``make(rows)``: the bytes of a generated file (US, CA, BR, AU numbers as people type them,
    0-3 segments, 2% bad rows), its segments created in the test account."""
    for name in DEFAULT_SEGMENTS:
        segments.create(scope_for(), name)

    def make(rows):
        path = tmp_path / f"contacts-{rows}.csv"
        write_import_file(path, rows, seed=rows)
        return path.read_bytes()

    return make


@dataclass
class Progress:
    """What an import looks like at one moment."""

    status: str
    rows_done: int
    rows_total: int | None
    parts_total: int | None
    parts_stored: int
    lead: str | None
    lease_lapsed: bool


def progress(import_id):
    record = import_record(import_id)
    stored = db.session.execute(sa.select(sa.func.count()).select_from(ImportPart).where(
        ImportPart.import_id == import_id)).scalar_one()
    db.session.commit()
    return Progress(record.status, record.rows_done, record.rows_total, record.parts_total, stored,
                    record.lease_owner, liveness.lease_lapsed(record))


def start_import(scope, data):
    imp = service.create_import(scope, io.BytesIO(data), "contacts.csv", check=False)
    return service.start(scope, imp.id).id


def worker_running(job_id, running):
    """The worker of ``running`` whose work horse runs RQ job ``job_id``."""
    from redis import Redis
    from rq import Worker
    from rq.job import Job

    connection = Redis.from_url(REDIS)
    job = Job.fetch(job_id, connection=connection)
    found = Worker.find_by_key(Worker.redis_worker_namespace_prefix + job.worker_name, connection=connection)
    [worker] = [worker for worker in running if worker.process.pid == found.pid]
    return worker


def driving_worker(import_id, running):
    """The worker of ``running`` whose connection holds the import's driver lock (or None)."""
    name = db.session.execute(sa.text(
        "SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
        "WHERE l.locktype = 'advisory' AND l.granted AND l.classid = :space AND l.objid = :id "
        "AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())"),
        {"space": _DRIVER_LOCK_SPACE, "id": import_id}).scalar_one_or_none()
    db.session.commit()
    return next((worker for worker in running if worker.name == name), None)


def kill(worker):
    """SIGKILL the worker and its work horse (RQ puts the horse in a process group of its own),
    as a lost machine would."""
    horses = descendants(worker.process.pid)
    os.killpg(worker.process.pid, signal.SIGKILL)
    for pid in horses:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    worker.process.wait(timeout=10)


def terminate_connections(worker):
    """Have PostgreSQL terminate every connection of ``worker``; return how many."""
    count = db.session.execute(sa.text(
        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = :name"),
        {"name": worker.name}).scalar_one()
    db.session.commit()
    return count


@dataclass
class Recovery:
    """Seconds from the stop of a worker to the import's progress, new lead and end, and how its
    status read while its lease had lapsed."""

    progress: float | None = None
    new_lead: float | None = None
    finished: float | None = None
    lapsed_reads: list = field(default_factory=list)

    def report(self, what):
        def seconds(value):
            return "-" if value is None else f"{value:.1f} s"
        print(f"\n[takeover] {what}: progress again after {seconds(self.progress)}, new lead after "
              f"{seconds(self.new_lead)}, finished after {seconds(self.finished)}; "
              f"status while the lease had lapsed: {sorted(set(self.lapsed_reads)) or 'never seen'}")


def recover(import_id, at_stop, stopped_lead, state, moved, what, timeout=300):
    """Watch the import from the moment a worker stopped (``at_stop``: its :class:`Progress`
    then) until it ends; print and return the :class:`Recovery`. ``moved(now, then)`` says when
    it made progress again, which must come within :data:`RECOVERY_LIMIT` seconds; meanwhile,
    whenever its lease has lapsed, its status must read recovering (never stalled, never silent).
    """
    started = time.monotonic()
    recovery = Recovery()
    while True:
        elapsed = time.monotonic() - started
        now = progress(import_id)
        if recovery.progress is None and moved(now, at_stop):
            recovery.progress = elapsed
        if recovery.new_lead is None and now.lead != stopped_lead and not now.lease_lapsed:
            recovery.new_lead = elapsed
        if now.lease_lapsed and now.status == "running":
            recovery.lapsed_reads.append(liveness.condition(import_record(import_id), state) or "moving")
            db.session.commit()
        if now.status in ENDED:
            recovery.finished = elapsed
            break
        assert recovery.progress is not None or elapsed < RECOVERY_LIMIT, (
            f"no progress within {RECOVERY_LIMIT} s after the worker stopped: {now}")
        assert elapsed < timeout, f"the import did not end within {timeout} s: {now}"
        time.sleep(0.1)
    recovery.report(what)
    assert recovery.progress < RECOVERY_LIMIT
    assert set(recovery.lapsed_reads) <= {liveness.RECOVERING}
    return recovery


def rows_moved(now, then):
    return now.rows_done > then.rows_done or now.status in ENDED


def parts_moved(now, then):
    return now.parts_stored > then.parts_stored or now.status in ENDED


def assert_exact(import_id, account_id, rows):
    """The import ended with every line once: outcomes, counters, contacts, memberships."""
    record = import_record(import_id)
    assert (record.status, record.rows_done, record.rows_total) == ("finished", rows, rows), record.error_message
    assert record.created + record.updated + record.unchanged + record.failed == rows
    lines = db.session.execute(sa.select(sa.func.count(), sa.func.min(ImportRow.line), sa.func.max(ImportRow.line))
                               .where(ImportRow.import_id == import_id)).one()
    assert tuple(lines) == (rows, 2, rows + 1)
    assert len(contacts_of(account_id)) == record.created
    memberships = db.session.execute(
        sa.select(sa.func.count()).select_from(Membership).join(Segment, Segment.id == Membership.segment_id)
        .where(Segment.account_id == account_id)).scalar_one()
    assert memberships == record.memberships_added > 0
    assert member_counts_are_exact(account_id)


def test_a_worker_killed_while_the_file_is_cut_into_parts(workers, scope_for, state, import_file, account):
    running = workers(2)
    rows = 100_000
    import_id = start_import(scope_for(), import_file(rows))

    def reading():
        now = progress(import_id)
        return now if now.parts_total and 1 <= now.parts_stored < now.parts_total else None

    at_kill = wait_until(reading, timeout=120, interval=0.02, what="the lead to store a first part")
    victim = worker_running(at_kill.lead, running)
    kill(victim)
    at_kill = progress(import_id)
    assert at_kill.parts_stored < at_kill.parts_total, "the file was read before the kill landed"

    recover(import_id, at_kill, at_kill.lead, state, parts_moved,
            f"killed while reading ({at_kill.parts_stored} of {at_kill.parts_total} parts stored)")
    assert_exact(import_id, account[0], rows)


def test_a_worker_killed_mid_apply(workers, scope_for, state, import_file, account):
    running = workers(2)
    rows = 60_000
    import_id = start_import(scope_for(), import_file(rows))

    def applying():
        now = progress(import_id)
        driver = driving_worker(import_id, running) if 5000 <= now.rows_done < 20_000 else None
        return (now, driver) if driver else None

    at_kill, victim = wait_until(applying, timeout=180, interval=0.02, what="a worker to apply the first part")
    lead = progress(import_id).lead
    victim_led = worker_running(lead, running) is victim
    kill(victim)
    at_kill = progress(import_id)

    recover(import_id, at_kill, lead if victim_led else None, state, rows_moved,
            f"killed mid-apply at row {at_kill.rows_done:,} ({'the lead' if victim_led else 'a helper'})")
    assert_exact(import_id, account[0], rows)


def test_a_worker_killed_applying_the_last_part(workers, scope_for, state, import_file, account):
    running = workers(2)
    rows = 60_000
    import_id = start_import(scope_for(), import_file(rows))

    def applying_the_last_part():
        now = progress(import_id)
        in_last_part = now.parts_total and (now.parts_total - 1) * 20_000 + 5000 <= now.rows_done < rows
        driver = driving_worker(import_id, running) if in_last_part else None
        return (now, driver) if driver else None

    at_kill, victim = wait_until(applying_the_last_part, timeout=240, interval=0.02,
                                 what="a worker to apply the last part")
    lead = progress(import_id).lead
    victim_led = worker_running(lead, running) is victim
    kill(victim)
    at_kill = progress(import_id)

    recover(import_id, at_kill, lead if victim_led else None, state, rows_moved,
            f"killed applying the last part at row {at_kill.rows_done:,} "
            f"({'the lead' if victim_led else 'a helper'})")
    assert_exact(import_id, account[0], rows)


def test_the_lead_killed_in_the_last_part_with_nothing_else_queued(
        workers, scope_for, state, import_file, account, queue_name):
    from redis import Redis
    from rq import Queue

    [first] = workers(1)
    rows = 60_000
    import_id = start_import(scope_for(), import_file(rows))
    wait_until(lambda: (lambda now: now.parts_total and now.parts_stored == now.parts_total)(progress(import_id)),
               timeout=120, what="the file to be cut into parts")
    # The helpers are done (their jobs dropped): the lead alone carries the import, as with the
    # last part of any import. Then a second worker starts, idle.
    Queue(queue_name, connection=Redis.from_url(REDIS)).empty()
    [_, second] = workers(1)

    def in_last_part():
        now = progress(import_id)
        return now if now.rows_done >= (now.parts_total - 1) * 20_000 + 5000 else None

    at_kill = wait_until(in_last_part, timeout=240, interval=0.02, what="the lead to apply the last part")
    assert driving_worker(import_id, [first, second]) is first and at_kill.rows_done < rows
    kill(first)
    at_kill = progress(import_id)

    recovery = recover(import_id, at_kill, at_kill.lead, state, rows_moved,
                       f"the lead killed in the last part at row {at_kill.rows_done:,}, nothing else queued")
    assert recovery.new_lead is not None and recovery.new_lead < RECOVERY_LIMIT
    assert_exact(import_id, account[0], rows)


def test_the_database_terminates_the_workers_connections(workers, scope_for, state, import_file, account):
    running = workers(2)
    rows = 60_000
    import_id = start_import(scope_for(), import_file(rows))

    def applying():
        now = progress(import_id)
        return now if 5000 <= now.rows_done < 40_000 and driving_worker(import_id, running) else None

    wait_until(applying, timeout=180, interval=0.02, what="a worker to apply")
    assert sum(terminate_connections(worker) for worker in running) >= 2  # a database failover
    at_cut = progress(import_id)

    recover(import_id, at_cut, None, state, rows_moved,
            f"every worker connection terminated at row {at_cut.rows_done:,}")
    assert_exact(import_id, account[0], rows)
    assert all(worker.alive for worker in running)  # the workers themselves carried on
