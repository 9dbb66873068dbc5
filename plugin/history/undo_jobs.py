"""Where the undo of an import runs: to its end in this process (the CLI's default), in the app's
background thread (no Redis: the embedded default), or as the RQ job
``contact_segments.jobs.run_undo`` on the import queue (retried like an import's lead; each run
resumes from the undo's stored progress)."""

from flask import current_app

from ..imports.inprocess import submit_in_background
from ..imports.queue import QueueUnavailable, queue, redis_problem, redis_url
from . import undo_lifecycle
from .undo_steps import run_undo

#: The RQ job's dotted path (stable: Redis may hold jobs an earlier version enqueued).
JOB = "contact_segments.jobs.run_undo"


def _run_in_thread(app, change_id):
    with app.app_context():
        try:
            run_undo(app.extensions["segments"], change_id)
        except Exception:  # recorded on the undo (failed) and logged by run_undo
            pass


def _not_queued(state, change_id, error):
    """Mark undo ``change_id`` failed (asking again runs it: it resumes) and return the
    :class:`QueueUnavailable` to raise: Redis refused the job."""
    session = state.db.session
    session.rollback()
    undo_lifecycle.failed(session, change_id)
    session.commit()
    return QueueUnavailable(
        "The undo could not be queued: Redis (SEGMENTS_REDIS_URL) cannot be reached "
        f"({redis_problem(error)}). Nothing was undone: ask for the undo again once Redis answers.",
        params={"change_id": change_id})


def launch(state, change_id, *, wait=False):
    """Run undo ``change_id``; return the RQ job id when it was enqueued, else ``None``. When
    Redis cannot be reached the undo is marked failed (asking again runs it) and
    :class:`~contact_segments.imports.queue.QueueUnavailable` is raised."""
    if wait:
        run_undo(state, change_id)
        return None
    config = state.config
    if not redis_url(config):
        submit_in_background(current_app._get_current_object(), _run_in_thread, change_id)
        return None
    from redis.exceptions import RedisError
    from rq import Retry

    retries = int(config["SEGMENTS_IMPORT_RETRIES"])
    try:
        job = queue(config).enqueue(
            JOB, change_id, job_timeout=config["SEGMENTS_JOB_TIMEOUT"],
            result_ttl=config["SEGMENTS_JOB_RESULT_TTL"], failure_ttl=config["SEGMENTS_JOB_RESULT_TTL"],
            retry=Retry(max=retries) if retries else None, description=f"contact-segments undo {change_id}")
    except RedisError as error:
        raise _not_queued(state, change_id, error) from error
    return job.id


def run_undo_job(change_id):
    """RQ job: run undo ``change_id`` in the host app (:func:`.undo_steps.run_undo`)."""
    from ..imports.rq_jobs import job_context

    with job_context() as state:
        run_undo(state, change_id)
