"""The plugin's RQ worker: RQ's own, plus the sweeper that gives a new lead to imports whose lead
stopped (:mod:`.takeover`).

``flask segments worker`` runs one inside the host app. A plain ``rq worker`` runs one when told
so: ``rq worker -w contact_segments.imports.worker.Worker segments-imports`` (or
``RQ_WORKER_CLASS=contact_segments.imports.worker.Worker``), with ``SEGMENTS_APP_FACTORY`` naming
the host's app factory.
"""

import os

from rq import Queue
from rq import Worker as RQWorker

from .. import jobs
from .takeover import Sweeper


class Worker(RQWorker):
    """An RQ worker that also sweeps for imports whose lease lapsed (see :mod:`.takeover`).

    Database connections this process holds are dropped in each work horse it forks (they must
    not be shared across processes).
    """

    def work(self, *args, **kwargs):
        """Run RQ's work loop with a :class:`~.takeover.Sweeper` thread beside it."""
        app = jobs.job_app()
        with app.app_context():
            engine = app.extensions["segments"].db.engine
        os.register_at_fork(after_in_child=lambda: engine.dispose(close=False))
        queues = [Queue(queue.name, connection=queue.connection) for queue in self.queues]
        sweeper = Sweeper(app, queues).start()
        try:
            return super().work(*args, **kwargs)
        finally:
            sweeper.stop()
