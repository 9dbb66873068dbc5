"""The only writer of an undo's status (``Change.status`` of an ``import_undo`` change):
``queued`` when asked for (again), ``running`` with each committed chunk (which is also its sign of
life), ``finished``, or ``failed`` (asking again resumes it). None of these commits: the caller's
transaction carries the change with its own work."""

import sqlalchemy as sa

from ..models import utcnow
from .models import UNDO_FAILED, UNDO_FINISHED, UNDO_QUEUED, UNDO_RUNNING, Change


def queued(change):
    """The undo ``change`` waits for a worker."""
    change.status = UNDO_QUEUED
    change.updated_at = utcnow()


def running(change, params=None):
    """The undo ``change`` is under way (with its progress ``params``, when given)."""
    if params is not None:
        change.params = dict(params)
    change.status = UNDO_RUNNING
    change.updated_at = utcnow()


def finished(change, params):
    """The undo ``change`` ended, having done what ``params`` say."""
    change.params = dict(params, finished_at=utcnow().isoformat())
    change.status = UNDO_FINISHED


def failed(session, change_id):
    """The undo ``change_id`` stopped (in a transaction of the caller's, after a rollback)."""
    session.execute(sa.update(Change).where(Change.id == change_id).values(status=UNDO_FAILED)
                    .execution_options(synchronize_session=False))
