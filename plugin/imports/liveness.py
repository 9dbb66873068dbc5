"""Is an import moving? Why a queued import has not started, and when a running one has stalled.

* **Waiting** (:func:`waiting`): a queued import on RQ waits for a worker. When Redis does not
  answer, or no worker listens on the queue, it would sit at 0% forever; the status says so. An
  admin gets the technical reason and the command that fixes it; other roles get a plain
  "queued, waiting to start" and the time it was queued.
* **Recovering** and **stalled** (:func:`condition`): a running import's lead renews its lease
  every few seconds (:mod:`.lease`). When the lease lapsed, the lead stopped (killed, its machine
  or its database connection lost, or the web process that ran it in-process was restarted). If
  a worker's sweeper watches the queue (:mod:`.takeover`), a new lead is on its way: the import is
  *recovering*. If none does (no worker runs the plugin's sweeper, no Redis), or it has been
  recovering for ``SEGMENTS_IMPORT_STALE_AFTER`` seconds, it is *stalled* and can be resumed from
  its checkpoint. An import without a lease (applied by a version before leases, or run
  in-process and lost before it started) is stalled when its ``updated_at`` (touched by every
  committed batch and validated part) is ``SEGMENTS_IMPORT_STALE_AFTER`` seconds old. Either way,
  an import whose driver lock a worker holds is still applied, so not stalled; and resuming one
  that was in fact alive is harmless: only one worker at a time applies an import.

How the queue is served comes in as a :class:`~contact_segments.imports.queue.QueueHealth`
(``health``; ``None`` when imports run in-process), by default from the app's launcher
(:mod:`.launcher`): this module asks Redis nothing itself.
"""


from ..models import as_utc, utcnow
from .locks import driver_lock
from .models import QUEUED, RUNNING

#: What :func:`condition` finds.
RECOVERING, STALLED = "recovering", "stalled"
#: ``problem`` codes of :func:`waiting`.
NO_WORKER, QUEUE_UNREACHABLE = "no_worker", "queue_unreachable"


def seconds_since(moment, now=None):
    """Whole seconds from ``moment`` to ``now`` (0 when ``moment`` is unknown)."""
    if moment is None:
        return 0
    return max(0, int(((now or utcnow()) - as_utc(moment)).total_seconds()))


def lease_lapsed(imp, now=None):
    """True when ``imp`` has a lease and it lapsed (its lead stopped renewing it)."""
    return imp.lease_expires_at is not None and as_utc(imp.lease_expires_at) < (now or utcnow())


def condition(imp, state, now=None, health=None):
    """:data:`RECOVERING`, :data:`STALLED`, or ``None`` when ``imp`` moves, waits for a worker
    (see :func:`waiting`) or has ended (see the module's docstring).

    ``state`` is the plugin's state (its config and database engine); ``health`` is the queue's
    :class:`~contact_segments.imports.queue.QueueHealth` (by default ``state.launcher``'s;
    ``None`` in-process). Redis is asked only for an import whose lease lapsed.
    """
    if imp.status not in (QUEUED, RUNNING):
        return None
    health = health if health is not None else state.launcher.health()
    on_rq = health is not None
    if imp.status == QUEUED and on_rq:
        return None
    config = state.config
    stale_after = int(config["SEGMENTS_IMPORT_STALE_AFTER"])
    if imp.lease_expires_at is None:
        if seconds_since(imp.updated_at, now) <= stale_after:
            return None
    elif not lease_lapsed(imp, now):
        return None
    elif (on_rq and imp.status == RUNNING and seconds_since(imp.lease_expires_at, now) <= stale_after
          and health.sweeping):
        return RECOVERING
    # Its lead is gone, but a worker may still apply it: a helper driving, or (without a lease)
    # a long dry run or a batch waiting for the account's write lock. Its driver lock says.
    with driver_lock(state.db.engine, imp.id) as free:
        return STALLED if free else None


def is_stalled(imp, state, now=None, health=None):
    """True when ``imp`` stopped and nobody will continue it unless it is resumed (see
    :func:`condition`)."""
    return condition(imp, state, now, health) == STALLED


def is_recovering(imp, state, now=None, health=None):
    """True when the lead of ``imp`` stopped and a live worker is about to take it over (see
    :func:`condition`)."""
    return condition(imp, state, now, health) == RECOVERING


def worker_command(config):
    """The command that starts a worker for the configured queue."""
    return f"flask --app <your app> segments worker --queue {config['SEGMENTS_QUEUE_NAME']}"


def waiting(imp, config, actor, health=None, now=None):
    """Why queued import ``imp`` has not started, as a JSON-ready dict (``None`` when it is not
    waiting for an RQ worker).

    Keys: ``since`` (when it was queued), ``seconds`` (how long ago), ``problem``
    (:data:`NO_WORKER`, :data:`QUEUE_UNREACHABLE` or ``None`` when workers listen and it is just
    waiting its turn), ``message``; for an ``admin`` actor also ``queue`` and ``workers``
    (``None`` for others). ``health`` is the queue's
    :class:`~contact_segments.imports.queue.QueueHealth` (``None`` when imports run in-process:
    then nothing waits for a worker).
    """
    if imp.status != QUEUED or health is None:
        return None
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

