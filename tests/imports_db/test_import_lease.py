"""The lease of an import's lead, the sweep that gives a new lead to an import whose lead stopped,
and what the import's status says meanwhile (recovering, then stalled when nobody can take it
over), on SQLite and PostgreSQL with the real Redis. The kills of real workers are in
test_import_takeover.py."""

import io
import os
import uuid
from datetime import timedelta

import flask
import pytest
import sqlalchemy as sa
from importdb_helpers import csv_bytes, flask_process, import_record, row, wait_until

from contact_segments.demo.models import db
from contact_segments.imports import lead, lease, liveness, service, takeover
from contact_segments.imports.models import Import
from contact_segments.models import utcnow

REDIS = os.environ.get("SEGMENTS_TEST_REDIS_URL", "")
pytestmark = [
    pytest.mark.redis,
    pytest.mark.skipif(not REDIS, reason="Redis not configured (set SEGMENTS_TEST_REDIS_URL)"),
]


@pytest.fixture
def queue_name():
    return f"segments-lease-{os.getpid()}-{uuid.uuid4().hex[:8]}"


@pytest.fixture
def app_config(queue_name):
    return {"SEGMENTS_REDIS_URL": REDIS, "SEGMENTS_QUEUE_NAME": queue_name, "WTF_CSRF_ENABLED": False}


@pytest.fixture
def queue(state):
    from contact_segments import jobs

    import_queue = jobs.queue(state.config)
    yield import_queue
    import_queue.empty()
    import_queue.connection.delete(f"contact-segments:import-sweeper:{import_queue.name}")


def uploaded(scope, count=3):
    data = csv_bytes([row(f"P{i}", "Doe", email=f"p{i}@example.com") for i in range(count)])
    return service.create_import(scope, io.BytesIO(data), "contacts.csv")


def with_lease(import_id, owner, expires_in, status="running"):
    """Give the import ``status`` and a lease of ``owner`` lapsing ``expires_in`` seconds from now."""
    db.session.execute(sa.update(Import).where(Import.id == import_id).values(
        status=status, lease_owner=owner, lease_expires_at=utcnow() + timedelta(seconds=expires_in)))
    db.session.commit()
    return import_record(import_id)


def watched(queue):
    """Mark ``queue`` as watched by a sweeper, as a live worker does at each sweep."""
    queue.connection.set(f"contact-segments:import-sweeper:{queue.name}", 1, ex=60)


def page_status(app, account, import_id):
    client = app.test_client()
    with client.session_transaction() as session:
        session["user_id"] = account[1]["consultant"]
    flask.g.pop("demo_user", None)
    return client.get(f"/segments/imports/{import_id}/status.json").get_json()


# ---------------------------------------------------------------- what the status says


def test_a_lapsed_lease_reads_recovering_while_a_worker_sweeps_then_stalled(app, state, queue, scope_for, account):
    imp = with_lease(uploaded(scope_for()).id, "a-lead-that-died", expires_in=-2)
    before = service.status(imp, scope_for())
    assert (before["recovering"], before["stalled"], before["can_resume"]) == (False, True, True)

    watched(queue)
    status = service.status(imp, scope_for())
    assert (status["recovering"], status["stalled"], status["can_resume"]) == (True, False, False)
    page = page_status(app, account, imp.id)
    assert page["status_label"] == "Recovering" and page["recovering"] is True
    assert page["progress_label"].startswith("Recovering: the worker running this import stopped responding")
    assert page["can_resume"] is False

    # Recovering for longer than SEGMENTS_IMPORT_STALE_AFTER: nobody took it over after all.
    later = utcnow() + timedelta(seconds=state.config["SEGMENTS_IMPORT_STALE_AFTER"] + 5)
    assert liveness.condition(imp, state, now=later) == liveness.STALLED
    # A renewed lease: the import moves.
    imp = with_lease(imp.id, "a-live-lead", expires_in=30)
    assert liveness.condition(imp, state) is None
    assert page_status(app, account, imp.id)["status_label"] == "Running"


def test_a_queued_import_on_rq_waits_and_is_never_recovering(state, queue, scope_for):
    watched(queue)
    imp = with_lease(uploaded(scope_for()).id, "a-queued-lead", expires_in=-2, status="queued")
    status = service.status(imp, scope_for())
    assert (status["recovering"], status["stalled"]) == (False, False)
    assert status["waiting"] is not None


def test_in_process_a_lapsed_lease_is_stalled_at_once(app, state, scope_for):
    app.config["SEGMENTS_REDIS_URL"] = ""
    imp = with_lease(uploaded(scope_for()).id, lease.process_owner(), expires_in=-1)
    assert liveness.condition(imp, state) == liveness.STALLED
    imp = with_lease(imp.id, lease.process_owner(), expires_in=30)
    assert liveness.condition(imp, state) is None


# ---------------------------------------------------------------- the lease


def test_the_lease_is_taken_once_renewed_by_its_owner_and_forced_by_a_resume(state, scope_for):
    engine, import_id = state.db.engine, uploaded(scope_for()).id
    assert not lease.take(engine, import_id, "A", 30)  # uploaded: nothing to lead yet
    with_lease(import_id, None, expires_in=0)
    assert lease.take(engine, import_id, "A", 30)
    assert lease.take(engine, import_id, "A", 30)  # its own lease again (an RQ retry of the job)
    assert not lease.take(engine, import_id, "B", 30)  # held and fresh
    assert lease.renew(engine, import_id, "A", 30) and not lease.renew(engine, import_id, "B", 30)
    assert lease.take(engine, import_id, "B", 30, force=True)
    assert not lease.renew(engine, import_id, "A", 30)  # A finds it gone at its next renewal
    with_lease(import_id, "B", expires_in=-1)
    assert lease.take(engine, import_id, "C", 30)  # lapsed: anyone
    before = import_record(import_id).updated_at
    assert lease.renew(engine, import_id, "C", 30)
    assert import_record(import_id).updated_at == before  # a renewal is no progress


def test_a_heartbeat_renews_the_lease_and_notices_when_it_is_taken(state, scope_for):
    engine, import_id = state.db.engine, uploaded(scope_for()).id
    with_lease(import_id, "A", expires_in=3)
    first = import_record(import_id).lease_expires_at
    with lease.Heartbeat(engine, import_id, "A", 3) as heartbeat:
        wait_until(lambda: import_record(import_id).lease_expires_at > first, timeout=10,
                   what="the heartbeat to renew the lease")
        heartbeat.check()
        assert lease.take(engine, import_id, "B", 30, force=True)
        wait_until(lambda: heartbeat.lost, timeout=10, what="the heartbeat to notice the lost lease")
        with pytest.raises(lease.LeaseLost):
            heartbeat.check()
    assert import_record(import_id).lease_owner == "B"


def test_a_batch_in_flight_does_not_hold_up_the_heartbeat(state, scope_for, database_url):
    """A dry run is one transaction of many batches (minutes for a large file): its lead's
    heartbeat must renew the lease meanwhile, or the live dry run would read "recovering"."""
    import threading

    from contact_segments.imports.locks import lock_for_writing

    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite has one writer at a time: the heartbeat waits for the batch (busy timeout)")
    imp = with_lease(uploaded(scope_for()).id, "A", expires_in=30)
    lock_for_writing(db.session, imp.id, imp.account_id)  # the batch's transaction stays open
    engine, renewed = state.db.engine, []
    thread = threading.Thread(target=lambda: renewed.append(lease.renew(engine, imp.id, "A", 30)), daemon=True)
    thread.start()
    thread.join(timeout=10)
    renewed_while_the_batch_ran = list(renewed)
    db.session.rollback()
    thread.join()
    assert renewed_while_the_batch_ran == [True]


def test_a_lead_leaves_at_once_when_another_holds_the_lease(state, scope_for):
    imp = with_lease(uploaded(scope_for()).id, "another-lead", expires_in=30, status="queued")
    assert lead.carry(state, imp.id, "late-lead") is False
    imp = import_record(imp.id)
    assert (imp.status, imp.parts_total, imp.lease_owner) == ("queued", None, "another-lead")


# ---------------------------------------------------------------- the sweep


def test_a_sweep_extends_the_lease_of_a_lead_still_waiting_in_the_queue(state, queue, scope_for):
    from contact_segments import jobs

    imp = uploaded(scope_for())
    waiting_job = jobs.new_job_id()
    jobs.enqueue_lead(state.config, imp.id, waiting_job, queue)
    imp = with_lease(imp.id, waiting_job, expires_in=-5)
    assert takeover.sweep(state, queue) == []
    imp = import_record(imp.id)
    assert imp.lease_owner == waiting_job and not liveness.lease_lapsed(imp)
    assert queue.job_ids == [waiting_job]


def test_a_sweep_gives_a_lapsed_import_a_new_lead_at_the_front_of_the_queue(state, queue, scope_for):
    from contact_segments import jobs

    queue.enqueue("os.getpid")  # other work waiting
    dead = with_lease(uploaded(scope_for()).id, "lead-of-a-killed-worker", expires_in=-1)
    fresh = with_lease(uploaded(scope_for()).id, "a-live-lead", expires_in=30)
    assert takeover.sweep(state, queue) == [dead.id]
    new_lead = import_record(dead.id).lease_owner
    assert new_lead != "lead-of-a-killed-worker" and not liveness.lease_lapsed(import_record(dead.id))
    first = queue.fetch_job(queue.job_ids[0])
    assert (first.id, first.func_name, first.args) == (new_lead, "contact_segments.jobs.run_import", (dead.id,))
    assert import_record(fresh.id).lease_owner == "a-live-lead"
    # A second sweep (another worker's) finds nothing to do: the hand-over happened once.
    assert takeover.sweep(state, queue) == []
    assert len(queue.job_ids) == 2
    # A lead that was replaced fails its last retry: the import is not marked failed for it.
    assert not lease.hand_over(state.db.engine, dead.id, "lead-of-a-killed-worker", "x", 30)
    assert jobs.new_job_id() != jobs.new_job_id()


def test_a_sweeper_thread_marks_the_queue_watched(app, state, queue):
    assert not takeover.sweeper_alive(state.config)
    sweeper = takeover.Sweeper(app, [queue]).start()
    try:
        wait_until(lambda: takeover.sweeper_alive(state.config), timeout=10, what="the first sweep")
    finally:
        sweeper.stop()


# ---------------------------------------------------------------- a plain rq worker


def test_a_plain_rq_worker_with_the_plugins_class_takes_a_lapsed_import_over(
        app, state, queue, scope_for, database_url, queue_name):
    import subprocess
    import sys

    from importdb_helpers import HERE

    imp = uploaded(scope_for(), count=30)
    imp = with_lease(imp.id, "lead-of-a-killed-worker", expires_in=-1, status="queued")
    config = {"SQLALCHEMY_DATABASE_URI": database_url, "SEGMENTS_REDIS_URL": REDIS,
              "SEGMENTS_QUEUE_NAME": queue_name}
    env = {**os.environ, "SEGMENTS_TEST_APP_CONFIG": flask.json.dumps(config),
           "SEGMENTS_APP_FACTORY": "importdb_app:create_app",
           "PYTHONPATH": os.pathsep.join(filter(None, [HERE, os.environ.get("PYTHONPATH")]))}
    worker = subprocess.Popen(
        [sys.executable, "-m", "rq.cli", "worker", "-w", "contact_segments.imports.worker.Worker",
         "--url", REDIS, queue_name], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        text=True, start_new_session=True)
    try:
        record = wait_until(lambda: import_record(imp.id).status == "finished" and import_record(imp.id),
                            timeout=60, what="the rq worker to take the import over and finish it")
        assert record.created == 30 and record.lease_owner != "lead-of-a-killed-worker"
    finally:
        worker.terminate()
        worker.communicate(timeout=30)


def test_without_a_sweeper_resume_gives_the_import_a_new_lead(state, queue, scope_for, database_url, queue_name):
    imp = with_lease(uploaded(scope_for(), count=12).id, "lead-of-a-killed-worker", expires_in=-1)
    assert service.status(imp, scope_for())["can_resume"] is True
    service.resume(scope_for(), imp.id)
    imp = import_record(imp.id)
    assert imp.status == "queued" and imp.lease_owner == queue.job_ids[0]
    worker = flask_process({"SQLALCHEMY_DATABASE_URI": database_url, "SEGMENTS_REDIS_URL": REDIS,
                            "SEGMENTS_QUEUE_NAME": queue_name}, "worker", "--burst")
    worker.communicate(timeout=120)
    assert (import_record(imp.id).status, import_record(imp.id).created) == ("finished", 12)
