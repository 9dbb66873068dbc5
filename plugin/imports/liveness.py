"""Is an import moving? Why a queued import has not started, and when a running one has stalled.

* **Waiting** (:func:`waiting`): a queued import on RQ waits for a worker. When Redis does not
  answer, or no worker listens on the queue, it would sit at 0% forever; the status says so. An
  admin gets the technical reason and the command that fixes it; other roles get a plain
  "queued, waiting to start" and the time it was queued.
* **Stalled** (:func:`is_stalled`): a running import touches its ``updated_at`` with every
  committed batch (and every validated part). One that has not for ``SEGMENTS_IMPORT_STALE_AFTER``
  seconds, and whose driver lock no worker holds, lost its worker (killed, out of retries, or the
  web process that ran it in-process was restarted): it is shown as stalled and can be resumed
  from its checkpoint. An in-process import still queued that long was lost the same way.
  Resuming one that was in fact alive is harmless anyway: only one worker at a time applies an
  import (its driver lock).
"""

from datetime import timezone

from .. import jobs
from ..models import utcnow
from .locks import driver_lock
from .models import QUEUED, RUNNING

#: ``problem`` codes of :func:`waiting`.
NO_WORKER, QUEUE_UNREACHABLE = "no_worker", "queue_unreachable"


def as_utc(moment):
    """``moment`` as an aware UTC datetime (SQLite gives naive ones back)."""
    if moment is None:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def seconds_since(moment, now=None):
    """Whole seconds from ``moment`` to ``now`` (0 when ``moment`` is unknown)."""
    if moment is None:
        return 0
    return max(0, int(((now or utcnow()) - as_utc(moment)).total_seconds()))


def is_stalled(imp, state, now=None):
    """True when ``imp`` should be moving but has shown no sign of life for
    ``SEGMENTS_IMPORT_STALE_AFTER`` seconds and no worker holds it (see the module's docstring).

    ``state`` is the plugin's state (its config and database engine).
    """
    config = state.config
    lost_in_process = imp.status == QUEUED and not jobs.redis_url(config)
    if imp.status != RUNNING and not lost_in_process:
        return False
    if seconds_since(imp.updated_at, now) <= int(config["SEGMENTS_IMPORT_STALE_AFTER"]):
        return False
    # Quiet for long, but a worker may still hold it: a long dry run (one transaction), or a
    # batch waiting for the account's write lock behind another import. Its driver lock says.
    with driver_lock(state.db.engine, imp.id) as free:
        return free


def worker_command(config):
    """The command that starts a worker for the configured queue."""
    return f"flask --app <your app> segments worker --queue {config['SEGMENTS_QUEUE_NAME']}"


def waiting(imp, config, actor, health=None, now=None):
    """Why queued import ``imp`` has not started, as a JSON-ready dict (``None`` when it is not
    waiting for an RQ worker).

    Keys: ``since`` (when it was queued), ``seconds`` (how long ago), ``problem``
    (:data:`NO_WORKER`, :data:`QUEUE_UNREACHABLE` or ``None`` when workers listen and it is just
    waiting its turn), ``message``; for an ``admin`` actor also ``queue`` and ``workers``
    (``None`` for others). ``health`` is a :class:`~contact_segments.jobs.QueueHealth` (asked of
    Redis when not given).
    """
    if imp.status != QUEUED or not jobs.redis_url(config):
        return None
    health = health or jobs.queue_health(config)
    since = as_utc(imp.updated_at)
    problem = None
    if not health.reachable:
        problem = QUEUE_UNREACHABLE
    elif health.workers == 0:
        problem = NO_WORKER
    admin = actor.role == "admin"
    return {
        "since": since, "seconds": seconds_since(since, now), "problem": problem,
        "queue": health.queue if admin else None, "workers": health.workers if admin else None,
        "message": _message(problem, health, config, since, admin),
    }


def _message(problem, health, config, since, admin):
    queued = f"Queued, waiting to start (queued at {since:%Y-%m-%d %H:%M} UTC)."
    if not admin or problem is None:
        return queued
    if problem == NO_WORKER:
        return (f"Waiting for a worker: none is running for queue {health.queue}. Start one with "
                f"`{worker_command(config)}`.")
    return (f"Waiting for Redis: it cannot be reached ({health.error}), so no worker can take the "
            "import. Check SEGMENTS_REDIS_URL and that Redis is running; the import starts once a "
            "worker reaches it.")

