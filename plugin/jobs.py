"""The import's RQ jobs under the dotted paths workers know them by (stable from one version to
the next: a job an older version enqueued in Redis names these paths).

* ``contact_segments.jobs.run_import`` (``import_id``): the import's lead;
* ``contact_segments.jobs.validate_part`` (``import_id``, ``seq``): a helper validating one part;
* ``contact_segments.jobs.on_job_failure``: RQ's failure callback of both;
* ``contact_segments.jobs.run_undo`` (``change_id``): the undo of an import
  (:mod:`contact_segments.history.undo_jobs`).

They live in :mod:`contact_segments.imports.rq_jobs`. How an import is launched (on RQ or in this
process) is :mod:`contact_segments.imports.launcher`'s; the queue and its health are
:mod:`contact_segments.imports.queue`'s; the worker is
:class:`contact_segments.imports.worker.Worker`. The other names here are kept for code written
against earlier versions (:func:`wait_for_background_imports` is documented).
"""

from .history.undo_jobs import run_undo_job as run_undo
from .imports.inprocess import run_in_process, wait_for_background_imports
from .imports.launcher import resume_import
from .imports.queue import (
    REDIS_CONNECT_TIMEOUT, QueueHealth, QueueUnavailable, check_queue, enqueue_lead, new_job_id, queue,
    queue_health, redis_url,
)
from .imports.rq_jobs import job_app, job_context, on_job_failure, run_import, validate_part

__all__ = [
    "REDIS_CONNECT_TIMEOUT", "QueueHealth", "QueueUnavailable", "check_queue", "enqueue_lead",
    "job_app", "job_context", "launch", "new_job_id", "on_job_failure", "queue", "queue_health",
    "redis_url", "resume_import", "run_import", "run_in_process", "run_undo", "run_worker", "validate_part",
    "wait_for_background_imports",
]


def launch(state, imp, *, wait=False, force=False):
    """Start running queued import ``imp`` with the app's launcher
    (:meth:`contact_segments.imports.launcher.Launcher.launch`)."""
    return state.launcher.launch(state, imp, wait=wait, force=force)


def run_worker(app, queue_names=None, burst=False):
    """Run the plugin's RQ worker inside ``app`` (:func:`contact_segments.imports.worker.run_worker`)."""
    from .imports.worker import run_worker as run

    return run(app, queue_names, burst)
