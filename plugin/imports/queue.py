"""The RQ queue of the imports (``SEGMENTS_QUEUE_NAME`` on ``SEGMENTS_REDIS_URL``): reaching Redis,
asking it how the queue is served, and enqueuing an import's jobs.

Jobs are enqueued by dotted path with only ids as arguments, under ``contact_segments.jobs``
(:mod:`contact_segments.jobs`: the paths stay the same from one version to the next, so a job
enqueued by an older version still runs), with the timeout, result TTL and retries of
``SEGMENTS_JOB_TIMEOUT``, ``SEGMENTS_JOB_RESULT_TTL`` and ``SEGMENTS_IMPORT_RETRIES``.

:class:`QueueHealth` tells whether Redis answers, how many workers listen on the queue and
whether a plugin worker's sweeper watches it, so a queued import can say why it does not start
("import stuck at 0%" never goes unexplained) and a stopped one whether it is being taken over.
"""

import os
import uuid
from functools import cached_property

from ..errors import SegmentsError

#: Seconds to wait for Redis to accept a connection before saying it cannot be reached.
REDIS_CONNECT_TIMEOUT = 5
#: The module the jobs are enqueued under (see the module's docstring).
JOBS_MODULE = "contact_segments.jobs"
#: The Redis key a sweeper (:mod:`.takeover`) sets while it watches a queue.
SWEEPER_KEY = "contact-segments:import-sweeper:{queue}"


class QueueUnavailable(SegmentsError):
    """Redis (``SEGMENTS_REDIS_URL``) cannot be reached, so an import cannot be queued.

    Nothing changed: the import stays as it was (``uploaded``, or stopped) and can be started
    again once Redis answers.
    """

    status = 503
    code = "queue_unavailable"


def redis_url(config):
    """Return the configured Redis URL (empty: imports run in-process)."""
    return config.get("SEGMENTS_REDIS_URL") or ""


def queue(config):
    """Return the RQ queue imports use (``SEGMENTS_QUEUE_NAME`` on ``SEGMENTS_REDIS_URL``)."""
    from redis import Redis
    from rq import Queue

    connection = Redis.from_url(redis_url(config), socket_connect_timeout=REDIS_CONNECT_TIMEOUT)
    return Queue(config["SEGMENTS_QUEUE_NAME"], connection=connection)


def redis_problem(error):
    """A short description of a Redis error (never the URL: it may hold a password)."""
    return f"{type(error).__name__}: {error}"


def unreachable(error):
    """The :class:`QueueUnavailable` of Redis error ``error``."""
    return QueueUnavailable(
        "The import could not be queued: Redis (SEGMENTS_REDIS_URL) cannot be reached "
        f"({redis_problem(error)}). Nothing was started and the file is kept: start it again "
        "once Redis answers.")


def check_queue(config):
    """Raise :class:`QueueUnavailable` unless Redis answers (no-op without Redis)."""
    if not redis_url(config):
        return
    from redis.exceptions import RedisError

    try:
        queue(config).connection.ping()
    except RedisError as error:
        raise unreachable(error) from error


def mark_watched(queue_to_watch, seconds):
    """Say in Redis, for ``seconds``, that this process's sweeper watches ``queue_to_watch``."""
    queue_to_watch.connection.set(SWEEPER_KEY.format(queue=queue_to_watch.name), os.getpid(),
                                  ex=max(1, round(seconds)))


def sweeper_alive(config, queue_name=None):
    """True when a worker's sweeper watched ``queue_name`` (the configured queue by default)
    lately (False without Redis, or when it does not answer)."""
    from redis.exceptions import RedisError

    if not redis_url(config):
        return False
    name = queue_name or config["SEGMENTS_QUEUE_NAME"]
    try:
        return bool(queue(config).connection.exists(SWEEPER_KEY.format(queue=name)))
    except RedisError:
        return False


class QueueHealth:
    """What Redis says about the import queue, asked when first read and then kept.

    ``queue``: its name; ``workers``: how many RQ workers listen on it (``None`` when Redis did
    not answer); ``error``: why Redis could not be asked (``None`` when it answered);
    ``sweeping``: whether a plugin worker's sweeper watches it. Workers that died without
    unregistering drop out once their heartbeat expires (RQ's worker TTL, 420 s by default).
    """

    def __init__(self, config):
        self._config = config
        self.queue = config["SEGMENTS_QUEUE_NAME"]

    @cached_property
    def _answer(self):
        from redis.exceptions import RedisError
        from rq import Worker

        try:
            return len(Worker.all(queue=queue(self._config))), None
        except RedisError as error:
            return None, redis_problem(error)

    @property
    def workers(self):
        """How many RQ workers listen on the queue (``None`` when Redis did not answer)."""
        return self._answer[0]

    @property
    def error(self):
        """Why Redis could not be asked (``None`` when it answered)."""
        return self._answer[1]

    @property
    def reachable(self):
        """True when Redis answered."""
        return self.error is None

    @cached_property
    def sweeping(self):
        """True when a plugin worker's sweeper watches the queue (:func:`sweeper_alive`)."""
        return sweeper_alive(self._config, self.queue)


def queue_health(config):
    """The :class:`QueueHealth` of the configured import queue (Redis is asked when it is read)."""
    return QueueHealth(config)


def queue_for_next_job(config):
    """The queue of the running job (a job's follow-up jobs go where it came from), else the
    configured one."""
    from rq import Queue, get_current_job

    job = get_current_job()
    if job is not None:
        return Queue(job.origin, connection=job.connection)
    return queue(config)


def new_job_id():
    """A fresh RQ job id: a lead's id is written in the import's lease before it is enqueued."""
    return uuid.uuid4().hex


def enqueue(config, function_name, *args, on_queue=None, job_id=None, at_front=False):
    """Enqueue job ``contact_segments.jobs.<function_name>`` with ``args`` on ``on_queue`` (by
    default :func:`queue_for_next_job`), as ``job_id`` when given, at the front of the queue with
    ``at_front``."""
    from rq import Callback, Retry

    retries = int(config["SEGMENTS_IMPORT_RETRIES"])
    return (on_queue or queue_for_next_job(config)).enqueue(
        f"{JOBS_MODULE}.{function_name}", *args,
        job_timeout=config["SEGMENTS_JOB_TIMEOUT"], result_ttl=config["SEGMENTS_JOB_RESULT_TTL"],
        failure_ttl=config["SEGMENTS_JOB_RESULT_TTL"],
        retry=Retry(max=retries) if retries else None,
        on_failure=Callback(f"{JOBS_MODULE}.on_job_failure"),
        description=f"contact-segments import {args[0]} {function_name}",
        job_id=job_id, at_front=at_front,
    )


def enqueue_lead(config, import_id, job_id, on_queue, at_front=False):
    """Enqueue the lead of ``import_id`` (``run_import``) as job ``job_id`` (its lease names it)
    on ``on_queue``."""
    return enqueue(config, "run_import", import_id, on_queue=on_queue, job_id=job_id, at_front=at_front)
