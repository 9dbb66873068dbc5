"""How an import is run: one launcher per app, chosen from ``SEGMENTS_REDIS_URL`` at ``init_app``
(``state.launcher``).

* :class:`RqLauncher` (a Redis URL is set): the import's lead is an RQ job (:mod:`.rq_jobs`,
  enqueued through :mod:`.queue`) that any number of workers on any machines share;
* :class:`InProcessLauncher` (no Redis, the embedded default): the same steps run in this
  process (:mod:`.inprocess`), so the demo needs no server.

Both answer the same three questions (:class:`Launcher`): can an import be queued now
(:meth:`~Launcher.check`), how is the queue served (:meth:`~Launcher.health`, given to
:mod:`.liveness`), and run this queued import (:meth:`~Launcher.launch`). :func:`start_import`
and :func:`resume_import` move the import with :mod:`.lifecycle` and launch it, putting it back
as it was when the queue cannot take it.
"""

from typing import Protocol

from flask import current_app

from . import lease, lifecycle
from .inprocess import run_in_background, run_in_process
from .liveness import is_stalled
from .models import Import
from .queue import (
    QueueHealth, QueueUnavailable, check_queue, enqueue_lead, new_job_id, queue, redis_url, unreachable,
)


class Launcher(Protocol):
    """Runs the queued imports of one app."""

    #: The ``SEGMENTS_REDIS_URL`` it was chosen for (empty: in-process).
    url: str

    def check(self):
        """Raise :class:`~.queue.QueueUnavailable` when an import could not be queued now."""

    def health(self):
        """The :class:`~.queue.QueueHealth` of the queue, or ``None`` when imports run in-process."""

    def launch(self, state, imp, *, wait=False, force=False):
        """Start running queued ``imp``; return the RQ job id, or ``None`` when run in-process.

        ``wait=True`` (the CLI) runs it in this process to the end before returning. The new
        lead takes the import's lease (``force``: even from a lead that still holds it, as an
        explicit resume does).
        """


class InProcessLauncher:
    """Runs imports in this process: in the app's background thread, or to the end (``wait``)."""

    url = ""

    def __init__(self, config):
        self.config = config

    def check(self):
        """Nothing to check: this process runs the import."""

    def health(self):
        """``None``: no queue."""
        return None

    def launch(self, state, imp, *, wait=False, force=False):
        """See :meth:`Launcher.launch`."""
        if wait:
            run_in_process(state, imp.id, force)
        else:
            run_in_background(current_app._get_current_object(), imp.id, force)
        return None


class RqLauncher:
    """Runs imports on RQ (``SEGMENTS_QUEUE_NAME`` on ``SEGMENTS_REDIS_URL``; the configuration is
    read at each call)."""

    def __init__(self, config):
        self.config = config
        self.url = redis_url(config)

    def check(self):
        """Raise :class:`~.queue.QueueUnavailable` unless Redis answers."""
        check_queue(self.config)

    def health(self):
        """The :class:`~.queue.QueueHealth` of the import queue (asked of Redis when read)."""
        return QueueHealth(self.config)

    def launch(self, state, imp, *, wait=False, force=False):
        """See :meth:`Launcher.launch`: the lead is a new ``run_import`` job, named in the
        import's lease before it is enqueued (so the lease always says who is expected)."""
        if wait:
            run_in_process(state, imp.id, force)
            return None
        from redis.exceptions import RedisError

        session = state.db.session
        job_id = new_job_id()
        before = lease.assign(imp, job_id, lease.lease_seconds(self.config))
        session.commit()
        try:
            enqueue_lead(self.config, imp.id, job_id, queue(self.config))
        except RedisError as error:
            lease.restore(imp, before)
            session.commit()
            raise unreachable(error) from error
        return job_id


def choose_launcher(config):
    """The launcher ``SEGMENTS_REDIS_URL`` asks for: :class:`RqLauncher` or :class:`InProcessLauncher`."""
    return RqLauncher(config) if redis_url(config) else InProcessLauncher(config)


def _launch_or_restore(state, imp, before, *, wait, force):
    """Launch queued ``imp``; when the queue cannot take it, put it back as it was ``before``
    (when it moved) and raise :class:`~.queue.QueueUnavailable`."""
    try:
        return state.launcher.launch(state, imp, wait=wait, force=force)
    except QueueUnavailable:
        if before is not None:
            lifecycle.restore(state, imp, before)
        raise


def start_import(state, imp, *, wait=False):
    """Queue uploaded ``imp`` (its user is told) and launch it; False when it was not
    ``uploaded`` any more (another request started it).

    When Redis cannot be reached :class:`~.queue.QueueUnavailable` is raised and ``imp`` stays
    ``uploaded``: without ``wait`` Redis is asked before anything changes.
    """
    if not wait:
        state.launcher.check()
    before = lifecycle.queue(state, imp)
    if before is None:
        return False
    _launch_or_restore(state, imp, before, wait=wait, force=False)
    return True


def resume_import(state, import_id, *, wait=False):
    """Continue an import that stopped (failed, or stalled: its worker died) from its checkpoint.

    A failed or stalled import is queued again first (so it shows as waiting for a worker);
    its new lead takes the lease whoever held it. Already-committed batches are not applied
    again; returns what :meth:`Launcher.launch` returns. When Redis cannot be reached, the
    import is left as it was and :class:`~.queue.QueueUnavailable` is raised.
    """
    imp = state.db.session.get(Import, import_id)
    before = lifecycle.requeue(state, imp, stalled=is_stalled(imp, state))
    return _launch_or_restore(state, imp, before, wait=wait, force=True)
