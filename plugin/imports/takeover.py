"""Giving a new lead to an import whose lead stopped: the sweeper each plugin worker runs.

Every worker of the plugin (``flask segments worker``, or ``rq worker -w
contact_segments.imports.worker.Worker``: :mod:`.worker`) runs a :class:`Sweeper` thread beside
its RQ loop.
Every sixth of ``SEGMENTS_IMPORT_LEASE_SECONDS`` (5 s by default) it looks for queued or running
imports whose lease (:mod:`.lease`) lapsed, and for each asks RQ about the lead the lease names:

* still waiting in a queue, or started less than a lease ago: nothing is lost, the lease is
  extended (all the workers are busy; the page keeps saying it waits for a worker);
* anything else (its worker was killed while it ran, or it is gone): the lease is handed to a
  new :func:`~contact_segments.imports.rq_jobs.run_import` job, enqueued at the front of the worker's
  queue. It goes on from the database's checkpoint; the old lead, if it ever runs again, finds
  the lease taken and leaves.

Two sweepers never take the same import: the hand-over is one compare-and-set UPDATE. So an
import whose worker died goes on within a lease plus a sweep (about 35 s by default) on any
live worker. Each sweep also marks the queue as watched in Redis
(:func:`~contact_segments.imports.queue.sweeper_alive`), so that the import's page can truthfully
say the import is recovering; with no sweeper alive it says the import stalled, and Resume
remains. The import's status never changes here: only who carries it (:mod:`.lease`).
"""

import logging
import threading

import sqlalchemy as sa

from ..models import as_utc, utcnow
from .lease import ACTIVE, hand_over, lease_seconds
from .models import Import
from .queue import enqueue_lead, mark_watched, new_job_id, sweeper_alive

__all__ = ["Sweeper", "sweep", "sweep_seconds", "sweeper_alive"]

log = logging.getLogger(__name__)
#: RQ statuses of a lead that has not started yet: its import waits for a worker.
_WAITING = ("queued", "scheduled", "deferred")


def sweep_seconds(config):
    """Seconds between two sweeps: a sixth of the lease."""
    return lease_seconds(config) / 6


def _lead_is_expected(job_id, connection, seconds, now):
    """True when RQ job ``job_id`` has not started yet, or started less than ``seconds`` ago
    (it takes its lease as it begins)."""
    from rq.exceptions import NoSuchJobError
    from rq.job import Job

    try:
        job = Job.fetch(job_id, connection=connection)
    except NoSuchJobError:
        return False
    status = job.get_status()
    status = getattr(status, "value", status)
    if status in _WAITING:
        return True
    started = as_utc(job.started_at)
    return status == "started" and started is not None and (now - started).total_seconds() < seconds


def sweep(state, queue, now=None):
    """Give a new lead on RQ ``queue`` to every import whose lead stopped; return their ids.

    See the module's docstring. ``now`` (UTC) is for tests.
    """
    config, engine = state.config, state.db.engine
    now = now or utcnow()
    seconds = lease_seconds(config)
    with engine.connect() as connection:
        lapsed = connection.execute(
            sa.select(Import.id, Import.lease_owner)
            .where(Import.status.in_(ACTIVE), Import.lease_expires_at < now)
            .order_by(Import.id)
        ).all()
    taken = []
    for import_id, owner in lapsed:
        if owner is not None and _lead_is_expected(owner, queue.connection, seconds, now):
            hand_over(engine, import_id, owner, owner, seconds, now)
            continue
        new_lead = new_job_id()
        if hand_over(engine, import_id, owner, new_lead, seconds, now):
            enqueue_lead(config, import_id, new_lead, queue, at_front=True)
            log.warning("import %s: its lead %s stopped renewing its lease; job %s takes it over",
                        import_id, owner, new_lead)
            taken.append(import_id)
    return taken


class Sweeper:
    """Sweep the imports for the RQ queues ``queues`` every :func:`sweep_seconds`, in a daemon
    thread of this process (``app`` gives the configuration and the database)."""

    def __init__(self, app, queues):
        self.app, self.queues = app, list(queues)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="segments-import-sweeper", daemon=True)

    def start(self):
        """Start sweeping."""
        self._thread.start()
        return self

    def stop(self):
        """Stop sweeping (the sweep under way finishes)."""
        self._stop.set()
        self._thread.join()

    def _run(self):
        with self.app.app_context():
            state = self.app.extensions["segments"]
            interval = sweep_seconds(state.config)
            while True:
                self.sweep_once(state, interval)
                if self._stop.wait(interval):
                    return

    def sweep_once(self, state, interval):
        """Mark the queues as watched, then sweep each; an error is logged, never raised (the
        next sweep tries again)."""
        for queue in self.queues:
            try:
                mark_watched(queue, 3 * interval)
                sweep(state, queue)
            except Exception:
                log.exception("contact-segments: the sweep of queue %s failed", queue.name)

