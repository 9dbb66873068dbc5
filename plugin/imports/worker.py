"""The plugin's RQ worker: RQ's own, plus the sweeper that gives a new lead to imports whose lead
stopped (:mod:`.takeover`).

``flask segments worker`` runs one inside the host app (:func:`run_worker`). A plain ``rq
worker`` runs one when told so: ``rq worker -w contact_segments.imports.worker.Worker
segments-imports`` (or ``RQ_WORKER_CLASS=contact_segments.imports.worker.Worker``), with
``SEGMENTS_APP_FACTORY`` naming the host's app factory.
"""

import os

from rq import Queue
from rq import Worker as RQWorker

from .queue import queue, redis_url
from .rq_jobs import job_app
from .takeover import Sweeper


class Worker(RQWorker):
    """An RQ worker that also sweeps for imports whose lease lapsed (see :mod:`.takeover`).

    Database connections this process holds are dropped in each work horse it forks (they must
    not be shared across processes).
    """

    def work(self, *args, **kwargs):
        """Run RQ's work loop with a :class:`~.takeover.Sweeper` thread beside it."""
        app = job_app()
        with app.app_context():
            engine = app.extensions["segments"].db.engine
        os.register_at_fork(after_in_child=lambda: engine.dispose(close=False))
        queues = [Queue(listened.name, connection=listened.connection) for listened in self.queues]
        sweeper = Sweeper(app, queues).start()
        try:
            return super().work(*args, **kwargs)
        finally:
            sweeper.stop()


def run_worker(app, queue_names=None, burst=False):
    """Run a :class:`Worker` for the plugin's queue inside ``app`` (``flask segments worker``).

    It also gives a new lead to the imports whose lead stopped. Each job runs in a forked work
    horse.
    """
    config = app.extensions["segments"].config
    if not redis_url(config):
        raise RuntimeError("SEGMENTS_REDIS_URL is not set: without Redis, imports run in-process "
                           "and need no worker.")
    connection = queue(config).connection
    names = queue_names or [config["SEGMENTS_QUEUE_NAME"]]
    with app.app_context():
        worker = Worker(names, connection=connection)
        return worker.work(burst=burst, with_scheduler=False)
