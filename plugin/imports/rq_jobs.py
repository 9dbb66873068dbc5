"""The RQ jobs of an import, and the app they run in.

They are enqueued (:mod:`.queue`) under ``contact_segments.jobs``, which re-exports them:

* :func:`run_import` (``import_id``): the import's lead (:mod:`.lead`): it holds the import's
  lease, cuts the file into parts, enqueuing :func:`validate_part` for each part as soon as it
  is stored, and carries the import to its end;
* :func:`validate_part` (``import_id``, ``seq``): a helper: validates one part, then applies
  whatever is validated, in file order, unless another worker already does (see :mod:`.runner`);
* :func:`on_job_failure`: RQ's failure callback of both.

So one large import is spread over every worker listening on the queue (validation, the
CPU-heavy part, runs in parallel), while the writes of each account stay serialized and in file
order; imports of different accounts run side by side. Reading and validating run at a CPU
priority lowered by ``SEGMENTS_IMPORT_NICENESS`` (:mod:`.priority`), so they never delay the
serial apply step. Every step is idempotent: a retried job, a helper that died, or a new lead
after the old one's lease lapsed (:mod:`.takeover`) just continues from the database's
checkpoint.

Each job pushes an application context. The worker gets its app in one of two ways:

* ``flask --app yourapp segments worker`` runs an RQ worker inside the host app (recommended);
* a plain ``rq worker`` imports the app factory named by the ``SEGMENTS_APP_FACTORY``
  environment variable (``"package.module:create_app"``).
"""

import importlib
import os
import threading
from contextlib import contextmanager

import sqlalchemy as sa
from flask import current_app, has_app_context

from . import lead, lifecycle, retention, runner
from .models import Import
from .priority import call_below_priority
from .queue import enqueue, queue_for_next_job

_factory_app = None
_factory_lock = threading.Lock()


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


def _niceness(config):
    """How much lower than the driver's the CPU priority of reading and validating is
    (``SEGMENTS_IMPORT_NICENESS``; see :mod:`.priority`)."""
    return int(config["SEGMENTS_IMPORT_NICENESS"])


def run_import(import_id):
    """RQ job: lead the import to its end (:func:`.lead.carry`), enqueuing a
    :func:`validate_part` helper for each part it stores.

    Leaves at once when another lead holds the import's lease (this job was replaced after its
    worker stopped answering).
    """
    from rq import get_current_job

    with job_context() as state:
        config = state.config
        next_queue = queue_for_next_job(config)  # found here: reading runs in another thread

        def enqueue_part(seq):
            enqueue(config, "validate_part", import_id, seq, on_queue=next_queue)

        lead.carry(state, import_id, get_current_job().id, on_part=enqueue_part, helpers=True,
                   job_meta=_job_meta(), niceness=_niceness(config))


def validate_part(import_id, seq):
    """RQ job: validate part ``seq`` of an import, then apply what is validated, in order; once
    the import has finished, release what it no longer needs."""
    with job_context() as state:
        call_below_priority(_niceness(state.config), runner.validate_part, state, import_id, seq)
        runner.drive(state, import_id, _job_meta())
        retention.release_finished(state.db.session, import_id)


def on_job_failure(job, connection, exc_type, exc_value, traceback):
    """RQ failure callback: once the import's lead has no retry left, mark the import failed
    (:func:`.lifecycle.fail`), which tells the user.

    A helper's failure changes nothing (the lead validates its part), nor does that of a lead
    that another one replaced. The exception stays in RQ's failed-job registry; the import's
    committed batches stay and a resume continues it.
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
        lifecycle.fail(state, import_id,
                       params={"variant": "job", "reason": reason, "import_id": import_id})
