"""The lead of an import: the one process that carries it from its stored file to its end.

:func:`carry` takes the import's lease (:mod:`.lease`) and, while a heartbeat renews it, runs the
steps of :mod:`.runner` until the import has ended: it cuts the file into parts (``prepare``),
then applies the validated parts in file order (``drive``) and validates every part that nobody
validated yet. On RQ, helper jobs (:func:`.rq_jobs.validate_part`, announced through
``on_part``) validate parts in parallel and apply them when they get the driver lock; the lead
then validates from the last part backwards, so that it meets the helpers instead of doing their
parts twice, and waits while a helper applies. A helper that dies costs nothing: the lead
validates its part. A lead that dies leaves a lease that lapses, and :mod:`.takeover` gives the
import a new lead, which goes on from the database's checkpoint (every step is idempotent).
"""

import logging

import sqlalchemy as sa

from . import lease, lifecycle, retention, runner
from .models import QUEUED, RUNNING, Import, ImportPart
from .priority import call_below_priority

log = logging.getLogger(__name__)

#: Seconds between two looks at an import whose parts are all validated while a helper applies them.
POLL_SECONDS = 0.5


def carry(state, import_id, owner, *, on_part=None, helpers=False, job_meta=None, niceness=0,
          force=False):
    """Lead import ``import_id`` to its end as ``owner``; False when another lead holds its lease
    (or it has ended, or is not started).

    ``on_part(seq)`` is called for each stored part that is not validated yet (the RQ job
    enqueues a helper there); ``helpers``: such helpers exist, so validate from the last part
    backwards; ``job_meta`` mirrors progress (see :func:`runner.drive`); ``niceness``: how much
    lower the CPU priority of reading and validating is; ``force`` takes the lease whoever holds
    it (an explicit resume).
    """
    session = state.db.session
    session.commit()  # the lease is written on a connection of its own: hold no transaction open
    seconds = lease.lease_seconds(state.config)
    if not lease.take(state.db.engine, import_id, owner, seconds, force=force):
        return False
    with lease.Heartbeat(state.db.engine, import_id, owner, seconds) as heartbeat:
        try:
            _lead(state, import_id, heartbeat, on_part, helpers, job_meta, niceness)
        except lease.LeaseLost:
            session.rollback()
            log.info("import %s: its lease passed to another lead; %s stops", import_id, owner)
            return False
    return True


def _lead(state, import_id, heartbeat, on_part, helpers, job_meta, niceness):
    session = state.db.session
    announced = set()

    def stored(seq):
        heartbeat.check()
        announced.add(seq)
        if on_part is not None:
            on_part(seq)

    if not call_below_priority(niceness, runner.prepare, state, import_id, stored):
        return
    lifecycle.start(session, import_id)  # a resumed import whose parts were all stored
    session.commit()
    for seq in runner.unvalidated_parts(session, import_id):
        if seq not in announced:  # stored by an earlier lead
            stored(seq)
    while True:
        heartbeat.check()
        runner.drive(state, import_id, job_meta)
        ended, seq = _next_to_validate(session, import_id, last_first=helpers)
        if ended:
            break
        if seq is None:  # every part is validated and another worker applies them
            heartbeat.pause(POLL_SECONDS)
        else:
            call_below_priority(niceness, runner.validate_part, state, import_id, seq)
    retention.release_finished(session, import_id)


def _next_to_validate(session, import_id, last_first):
    """``(ended, seq)``: whether the import has ended, else the part to validate next (the
    first or, with ``last_first``, the last one not validated; ``None`` when all are)."""
    status = session.execute(sa.select(Import.status).where(Import.id == import_id)).scalar_one_or_none()
    if status is None or status not in (QUEUED, RUNNING):
        session.commit()
        return True, None
    pick = sa.func.max if last_first else sa.func.min
    seq = session.execute(
        sa.select(pick(ImportPart.seq)).where(ImportPart.import_id == import_id, ImportPart.validated.is_(None))
    ).scalar_one()
    session.commit()
    return False, seq
