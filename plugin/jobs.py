"""Background jobs of the bulk import: on RQ when ``SEGMENTS_REDIS_URL`` is set, else in-process.

Jobs are enqueued by dotted path with only ids as arguments, with the timeout, result TTL and
retries of ``SEGMENTS_JOB_TIMEOUT``, ``SEGMENTS_JOB_RESULT_TTL`` and ``SEGMENTS_IMPORT_RETRIES``:

* :func:`run_import` (``import_id``): the import's lead (:mod:`contact_segments.imports.lead`):
  it holds the import's lease, cuts the file into parts, enqueuing :func:`validate_part` for
  each part as soon as it is stored, and carries the import to its end;
* :func:`validate_part` (``import_id``, ``seq``): a helper: validates one part, then applies
  whatever is validated, in file order, unless another worker already does (see
  :mod:`contact_segments.imports.runner`).

So one large import is spread over every worker listening on the queue (validation, the
CPU-heavy part, runs in parallel), while the writes of each account stay serialized and in file
order; imports of different accounts run side by side. Reading and validating run at a CPU
priority lowered by ``SEGMENTS_IMPORT_NICENESS`` (:mod:`contact_segments.imports.priority`), so
they never delay the serial apply step. Every step is idempotent: a retried job, a helper that
died, or a new lead after the old one's lease lapsed (:mod:`contact_segments.imports.takeover`)
just continues from the database's checkpoint.

Each job pushes an application context. The worker gets its app in one of two ways:

* ``flask --app yourapp segments worker`` runs an RQ worker inside the host app (recommended);
* a plain ``rq worker`` imports the app factory named by the ``SEGMENTS_APP_FACTORY``
  environment variable (``"package.module:create_app"``).

Both take over the imports whose lead stopped when the worker class is the plugin's
(:class:`contact_segments.imports.worker.Worker`; ``rq worker -w ...`` names it).

Without Redis, :func:`launch` runs the same steps in this process: in a background thread for
the web (the request returns at once), to the end for the CLI. :func:`wait_for_background_imports`
joins those threads (tests, a host shutting down cleanly). Each batch is one transaction, so a
process stopped mid-import loses at most the batch in flight; the import then shows as stalled
once its lease lapsed and can be resumed (:func:`resume_import`).

:func:`queue_health` tells whether Redis answers and how many workers listen on the queue, so a
queued import can say why it does not start ("import stuck at 0%" never goes unexplained).
"""

import importlib
import logging
import os
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import wait as wait_for_futures
from contextlib import contextmanager
from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app, has_app_context

from .errors import SegmentsError
from .imports import lead, lease, retention, runner
from .imports.models import FAILED, QUEUED, Import
from .imports.priority import call_below_priority
from .models import utcnow

log = logging.getLogger(__name__)

_factory_app = None
_factory_lock = threading.Lock()
_EXECUTOR_KEY = "segments_import_executor"
#: Seconds to wait for Redis to accept a connection before saying it cannot be reached.
REDIS_CONNECT_TIMEOUT = 5


class QueueUnavailable(SegmentsError):
    """Redis (``SEGMENTS_REDIS_URL``) cannot be reached, so an import cannot be queued.

    Nothing changed: the import stays as it was (``uploaded``, or stopped) and can be started
    again once Redis answers.
    """

    status = 503
    code = "queue_unavailable"


# ---------------------------------------------------------------- app context inside a job


def job_app():
    """The Flask app a job runs in: the current one, else the one ``SEGMENTS_APP_FACTORY`` builds."""
    global _factory_app
    if has_app_context():
        return current_app._get_current_object()
    with _factory_lock:
        if _factory_app is None:
            factory = os.environ.get("SEGMENTS_APP_FACTORY", "")
            module_name, _, function_name = factory.partition(":")
            if not (module_name and function_name):
                raise RuntimeError(
                    "An import job needs the host app: run the worker with "
                    "'flask --app yourapp segments worker', or set SEGMENTS_APP_FACTORY="
                    "\"package.module:create_app\" for a plain 'rq worker'."
                )
            _factory_app = getattr(importlib.import_module(module_name), function_name)()
    return _factory_app


@contextmanager
def job_context():
    """Push an app context for one job and yield the plugin's state."""
    with job_app().app_context():
        yield current_app.extensions["segments"]


def _job_meta():
    """Return a callback mirroring progress into the current RQ job's meta (or ``None``)."""
    from rq import get_current_job

    job = get_current_job()
    if job is None:
        return None

    def mirror(import_id, **values):
        job.meta.update(import_id=import_id, **values)
        job.save_meta()

    return mirror


# ---------------------------------------------------------------- RQ


def redis_url(config):
    """Return the configured Redis URL (empty: jobs run in-process)."""
    return config.get("SEGMENTS_REDIS_URL") or ""


def queue(config):
    """Return the RQ queue imports use (``SEGMENTS_QUEUE_NAME`` on ``SEGMENTS_REDIS_URL``)."""
    from redis import Redis
    from rq import Queue

    connection = Redis.from_url(redis_url(config), socket_connect_timeout=REDIS_CONNECT_TIMEOUT)
    return Queue(config["SEGMENTS_QUEUE_NAME"], connection=connection)


@dataclass(frozen=True)
class QueueHealth:
    """What Redis says about the import queue.

    ``workers``: how many RQ workers listen on ``queue`` (``None`` when Redis did not answer);
    ``error``: why Redis could not be asked (``None`` when it answered).
    """

    queue: str
    workers: int | None
    error: str | None = None

    @property
    def reachable(self):
        """True when Redis answered."""
        return self.error is None


def _redis_problem(error):
    """A short description of a Redis error (never the URL: it may hold a password)."""
    return f"{type(error).__name__}: {error}"


def queue_health(config):
    """Ask Redis how many workers listen on the import queue; return a :class:`QueueHealth`.

    Workers that died without unregistering drop out once their heartbeat expires (RQ's worker
    TTL, 420 s by default).
    """
    from redis.exceptions import RedisError
    from rq import Worker

    import_queue = queue(config)
    try:
        workers = len(Worker.all(queue=import_queue))
    except RedisError as error:
        return QueueHealth(import_queue.name, None, _redis_problem(error))
    return QueueHealth(import_queue.name, workers)


def _unreachable(error):
    return QueueUnavailable(
        "The import could not be queued: Redis (SEGMENTS_REDIS_URL) cannot be reached "
        f"({_redis_problem(error)}). Nothing was started and the file is kept: start it again "
        "once Redis answers.")


def check_queue(config):
    """Raise :class:`QueueUnavailable` unless Redis answers (no-op without Redis)."""
    if not redis_url(config):
        return
    from redis.exceptions import RedisError

    try:
        queue(config).connection.ping()
    except RedisError as error:
        raise _unreachable(error) from error


def _queue_for_next_job(config):
    """The queue of the running job (a job's follow-up jobs go where it came from), else the
    configured one."""
    from rq import Queue, get_current_job

    job = get_current_job()
    if job is not None:
        return Queue(job.origin, connection=job.connection)
    return queue(config)


def _enqueue(config, function_name, *args, on_queue=None, job_id=None, at_front=False):
    """Enqueue job ``function_name`` of this module with ``args`` on ``on_queue`` (by default
    :func:`_queue_for_next_job`), as ``job_id`` when given, at the front of the queue with
    ``at_front``."""
    from rq import Callback, Retry

    retries = int(config["SEGMENTS_IMPORT_RETRIES"])
    return (on_queue or _queue_for_next_job(config)).enqueue(
        f"contact_segments.jobs.{function_name}", *args,
        job_timeout=config["SEGMENTS_JOB_TIMEOUT"], result_ttl=config["SEGMENTS_JOB_RESULT_TTL"],
        failure_ttl=config["SEGMENTS_JOB_RESULT_TTL"],
        retry=Retry(max=retries) if retries else None,
        on_failure=Callback(on_job_failure),
        description=f"contact-segments import {args[0]} {function_name}",
        job_id=job_id, at_front=at_front,
    )


def new_job_id():
    """A fresh RQ job id: a lead's id is written in the import's lease before it is enqueued."""
    return uuid.uuid4().hex


def enqueue_lead(config, import_id, job_id, on_queue, at_front=False):
    """Enqueue :func:`run_import` of ``import_id`` as job ``job_id`` (its lease names it) on
    ``on_queue``."""
    return _enqueue(config, "run_import", import_id, on_queue=on_queue, job_id=job_id, at_front=at_front)


def on_job_failure(job, connection, exc_type, exc_value, traceback):
    """RQ failure callback: once the import's lead has no retry left, mark the import failed and
    tell the user.

    A helper's failure changes nothing (the lead validates its part), nor does that of a lead
    that another one replaced. The exception stays in RQ's failed-job registry; the import's
    committed batches stay and :func:`resume_import` continues it.
    """
    if job.retries_left:
        return
    import_id = job.args[0]
    reason = exc_type.__name__ if exc_type else "the worker stopped"
    with job_context() as state:
        owner = state.db.session.execute(
            sa.select(Import.lease_owner).where(Import.id == import_id)).scalar_one_or_none()
        if owner is not None and owner != job.id:
            state.db.session.commit()
            return
        runner.mark_failed(
            state, import_id,
            f"the import job failed ({reason}). The rows imported so far are kept; ask an "
            "administrator to check the worker's log and resume the import "
            f"(flask segments import-resume {import_id}).",
        )


def _drive(state, import_id, job_meta=None):
    """Apply what is validated; once the import has finished, release what it no longer needs."""
    runner.drive(state, import_id, job_meta)
    retention.release_finished(state.db.session, import_id)


def _niceness(config):
    """How much lower than the driver's the CPU priority of reading and validating is
    (``SEGMENTS_IMPORT_NICENESS``; see :mod:`contact_segments.imports.priority`)."""
    return int(config["SEGMENTS_IMPORT_NICENESS"])


def run_import(import_id):
    """RQ job: lead the import to its end (:func:`contact_segments.imports.lead.carry`),
    enqueuing a :func:`validate_part` helper for each part it stores.

    Leaves at once when another lead holds the import's lease (this job was replaced after its
    worker stopped answering).
    """
    from rq import get_current_job

    with job_context() as state:
        config = state.config
        next_queue = _queue_for_next_job(config)  # found here: reading runs in another thread

        def enqueue_part(seq):
            _enqueue(config, "validate_part", import_id, seq, on_queue=next_queue)

        lead.carry(state, import_id, get_current_job().id, on_part=enqueue_part, helpers=True,
                   job_meta=_job_meta(), niceness=_niceness(config))


def validate_part(import_id, seq):
    """RQ job: validate part ``seq`` of an import, then apply what is validated, in order."""
    with job_context() as state:
        call_below_priority(_niceness(state.config), runner.validate_part, state, import_id, seq)
        _drive(state, import_id, _job_meta())


# ---------------------------------------------------------------- in-process


def run_in_process(state, import_id, force=False):
    """Run every step of an import in this process, to the end (the CLI; tests; the thread),
    holding its lease (``force``: whoever held it)."""
    lead.carry(state, import_id, lease.process_owner(), force=force)


def _run_in_thread(app, import_id, force):
    with app.app_context():
        state = app.extensions["segments"]
        try:
            run_in_process(state, import_id, force)
        except Exception as error:
            # The thread has nobody to raise to: log the traceback and record the failure on the
            # import, where the user sees it.
            log.exception("contact-segments import %s failed", import_id)
            runner.mark_failed(state, import_id,
                               f"the import stopped because of an error ({type(error).__name__}). "
                               "The rows imported so far are kept; ask an administrator to check "
                               "the log and resume the import.")


class _Background:
    """The in-process imports of one app: one thread (SQLite, the embedded default, allows only
    one writer anyway), and the futures still running, so that they can be joined."""

    def __init__(self):
        self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="segments-import")
        self.pending = set()
        self.lock = threading.Lock()

    def submit(self, function, *args):
        future = self.executor.submit(function, *args)
        with self.lock:
            self.pending.add(future)
        future.add_done_callback(self._forget)

    def _forget(self, future):
        with self.lock:
            self.pending.discard(future)

    def running(self):
        with self.lock:
            return set(self.pending)


def _background(app):
    background = app.extensions.get(_EXECUTOR_KEY)
    if background is None:
        background = app.extensions[_EXECUTOR_KEY] = _Background()
    return background


def wait_for_background_imports(app, timeout=None):
    """Wait until the in-process imports ``app`` started in background threads have ended.

    Returns True when none is left running, False when ``timeout`` seconds passed first. Call it
    before tearing down the database under an app (tests), or when stopping a host cleanly.
    """
    background = app.extensions.get(_EXECUTOR_KEY)
    if background is None:
        return True
    deadline = None if timeout is None else time.monotonic() + timeout
    while True:
        running = background.running()
        if not running:
            return True
        left = None if deadline is None else deadline - time.monotonic()
        if left is not None and left <= 0:
            return False
        wait_for_futures(running, timeout=left)


def launch(state, imp, *, wait=False, force=False):
    """Start running a queued import: on RQ when Redis is configured, else in this process.

    ``wait=True`` (the CLI) runs it to the end before returning; otherwise an in-process import
    runs in a background thread. The new lead takes the import's lease (``force``: even from a
    lead that still holds it, as an explicit resume does). Returns the RQ job id, or ``None``
    when run in-process.
    """
    if redis_url(state.config) and not wait:
        from redis.exceptions import RedisError

        session = state.db.session
        job_id, before = new_job_id(), (imp.lease_owner, imp.lease_expires_at)
        lease.assign(imp, job_id, lease.lease_seconds(state.config))
        imp.job_id = job_id
        session.commit()
        try:
            enqueue_lead(state.config, imp.id, job_id, queue(state.config))
        except RedisError as error:
            imp.lease_owner, imp.lease_expires_at = before
            session.commit()
            raise _unreachable(error) from error
        return job_id
    if wait:
        run_in_process(state, imp.id, force)
    else:
        app = current_app._get_current_object()
        _background(app).submit(_run_in_thread, app, imp.id, force)
    return None


def resume_import(state, import_id, *, wait=False):
    """Continue an import that stopped (failed, or stalled: its worker died) from its checkpoint.

    A failed or stalled import is set back to queued first (so it shows as waiting for a
    worker). Already-committed batches are not applied again; returns what :func:`launch`
    returns. When Redis cannot be reached, the import is left as it was and
    :class:`QueueUnavailable` is raised.
    """
    from .imports.liveness import is_stalled

    session = state.db.session
    imp = session.get(Import, import_id)
    before = (imp.status, imp.error_code, imp.error_message, imp.finished_at, imp.updated_at)
    if imp.status == FAILED or is_stalled(imp, state):
        imp.status, imp.error_code, imp.error_message, imp.finished_at = QUEUED, None, None, None
        imp.updated_at = utcnow()  # queued again now (it may have been queued already)
    session.commit()
    try:
        return launch(state, imp, wait=wait, force=True)
    except QueueUnavailable:
        session.rollback()
        imp.status, imp.error_code, imp.error_message, imp.finished_at, imp.updated_at = before
        session.commit()
        raise


# ---------------------------------------------------------------- the worker command


def run_worker(app, queue_names=None, burst=False):
    """Run an RQ worker for the plugin's queue inside ``app`` (``flask segments worker``).

    It is a :class:`contact_segments.imports.worker.Worker`: it also gives a new lead to the
    imports whose lead stopped. Each job runs in a forked work horse.
    """
    from .imports.worker import Worker

    state = app.extensions["segments"]
    config = state.config
    if not redis_url(config):
        raise RuntimeError("SEGMENTS_REDIS_URL is not set: without Redis, imports run in-process "
                           "and need no worker.")
    connection = queue(config).connection
    names = queue_names or [config["SEGMENTS_QUEUE_NAME"]]
    with app.app_context():
        worker = Worker(names, connection=connection)
        return worker.work(burst=burst, with_scheduler=False)
