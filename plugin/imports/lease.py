"""The lease of an import: the one process carrying it to its end says, every few seconds, that
it is alive. This module is the one writer of ``lease_owner`` and ``lease_expires_at``; an
import's status is :mod:`.lifecycle`'s.

An import on its way (``queued`` or ``running``) has one *lead* (:mod:`.lead`): the process that
reads its file, validates the parts no helper validated and applies its batches. The lead holds
the import's lease: ``lease_owner`` names it (an RQ job id, or ``process:<host>:<pid>:<nonce>``
for an import run in-process) and ``lease_expires_at`` says until when it is known to be alive.
A :class:`Heartbeat` thread renews it every third of ``SEGMENTS_IMPORT_LEASE_SECONDS``.

A lease that lapsed means its lead stopped (its worker was killed, its machine lost, its database
connection cut): a live worker gives the import a new lead (:mod:`.takeover`); with no worker to
do it, the import shows as stalled and can be resumed (:mod:`.liveness`). A lead whose lease was
taken meanwhile stops at its next check (:class:`LeaseLost`); until then the locks of
:mod:`.locks` keep the two apart.

Times are the workers' clocks (UTC): keep them in step (NTP), as RQ itself needs.
"""

import logging
import os
import socket
import threading
import uuid
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.exc import SQLAlchemyError

from ..models import utcnow
from .models import QUEUED, RUNNING, Import

log = logging.getLogger(__name__)

#: Statuses of an import that has (or waits for) a lead.
ACTIVE = (QUEUED, RUNNING)
#: Seconds between two attempts to renew a lease when the database did not answer.
RETRY_SECONDS = 1.0


class LeaseLost(Exception):
    """The lease of the import passed to another lead (or the import ended): stop leading it."""


def lease_seconds(config):
    """How long a lease lasts without renewal (``SEGMENTS_IMPORT_LEASE_SECONDS``, at least 3)."""
    return max(3, int(config["SEGMENTS_IMPORT_LEASE_SECONDS"]))


def process_owner():
    """A lease owner name for a lead run in this process (the CLI, a web process's thread)."""
    return f"process:{socket.gethostname()[:60]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def expiry(seconds, now=None):
    """When a lease renewed ``now`` for ``seconds`` lapses."""
    return (now or utcnow()) + timedelta(seconds=seconds)


def _set_lease(engine, conditions, owner, seconds, now):
    """Give the lease to ``owner`` where ``conditions`` hold; True when a row changed.

    ``updated_at`` stays as it is: it tells when the import last made progress, and a renewed
    lease is no progress.
    """
    with engine.begin() as connection:
        changed = connection.execute(
            sa.update(Import).where(Import.status.in_(ACTIVE), *conditions)
            .values(lease_owner=owner, lease_expires_at=expiry(seconds, now),
                    updated_at=Import.updated_at)
        ).rowcount
    return changed == 1


def take(engine, import_id, owner, seconds, *, force=False, now=None):
    """Become the lead of import ``import_id``; True when ``owner`` now holds its lease.

    Taken when the import is queued or running and its lease is free, already ``owner``'s, or
    lapsed; ``force`` (an explicit resume) takes it in any case.
    """
    now = now or utcnow()
    conditions = [Import.id == import_id]
    if not force:
        conditions.append(sa.or_(Import.lease_owner.is_(None), Import.lease_owner == owner,
                                 Import.lease_expires_at.is_(None), Import.lease_expires_at < now))
    return _set_lease(engine, conditions, owner, seconds, now)


def hand_over(engine, import_id, lapsed_owner, owner, seconds, now=None):
    """Give the lapsed lease of ``lapsed_owner`` to ``owner`` (which may be the same, to extend
    it); True when this caller won (another worker's sweep may have been first)."""
    now = now or utcnow()
    return _set_lease(engine, [Import.id == import_id, Import.lease_owner == lapsed_owner,
                               Import.lease_expires_at < now], owner, seconds, now)


def assign(imp, job_id, seconds):
    """Name RQ job ``job_id`` (about to be enqueued) the lead of ``imp`` and its job, in the
    caller's transaction: until the job starts, the lease says who is expected. Returns the lease
    it replaced, for :func:`restore`."""
    before = (imp.lease_owner, imp.lease_expires_at)
    imp.lease_owner, imp.lease_expires_at, imp.job_id = job_id, expiry(seconds), job_id
    return before


def restore(imp, before):
    """Give ``imp`` back the lease :func:`assign` replaced (its job could not be enqueued), in the
    caller's transaction."""
    imp.lease_owner, imp.lease_expires_at = before


def renew(engine, import_id, owner, seconds):
    """Extend ``owner``'s lease; False when it is not ``owner``'s any more or the import ended."""
    return _set_lease(engine, [Import.id == import_id, Import.lease_owner == owner], owner, seconds, None)


class Heartbeat:
    """Renew ``owner``'s lease of import ``import_id`` in a thread, every ``seconds / 3``, while
    the ``with`` block runs.

    :meth:`check` raises :class:`LeaseLost` once a renewal found the lease gone; :meth:`pause`
    waits, waking up early when it is lost. A renewal the database refused (a connection cut, a
    busy SQLite file) is tried again a second later; the lease lapses only if none succeeds in
    time.
    """

    def __init__(self, engine, import_id, owner, seconds):
        self.engine, self.import_id, self.owner, self.seconds = engine, import_id, owner, seconds
        self._stop = threading.Event()
        self._lost = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"segments-lease-{import_id}", daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc_info):
        self._stop.set()
        self._thread.join()

    def _run(self):
        interval = self.seconds / 3
        while not self._stop.wait(interval):
            try:
                if not renew(self.engine, self.import_id, self.owner, self.seconds):
                    self._lost.set()
                    return
                interval = self.seconds / 3
            except SQLAlchemyError as error:
                log.warning("import %s: the lease could not be renewed (%s); trying again",
                            self.import_id, type(error).__name__)
                interval = RETRY_SECONDS

    @property
    def lost(self):
        """True once the lease was found taken by another lead (or the import ended)."""
        return self._lost.is_set()

    def check(self):
        """Raise :class:`LeaseLost` when the lease is no longer this lead's."""
        if self.lost:
            raise LeaseLost(f"import {self.import_id}: another worker leads it now")

    def pause(self, seconds):
        """Wait ``seconds`` (less when the lease is lost meanwhile), then :meth:`check`."""
        self._lost.wait(seconds)
        self.check()
