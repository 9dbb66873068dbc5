"""The life of an import: the one module that moves it from one status to the next.

An import goes ``uploaded`` → ``queued`` → ``running`` → ``finished``, or ends ``failed`` or
``refused``; one that failed or stalled is queued again (resumed). Each function below is one
move: a guarded UPDATE naming the statuses it moves from, so that of two workers racing for the
same move only one makes it (the other is told, and nothing is sent twice), and the status, its
timestamps and its error always change together. Everything else asks (``imp.status``,
``imp.ended``) and never assigns; a test keeps it so.

A move that ends an import queues the host's ``segments_import_finished`` event for its commit
(:mod:`contact_segments.dispatch`); the user's notice goes once the move has committed. What the
notices say is :mod:`.notices`'s business; when they are sent is this module's.

======================  ===============================  ==========  =========================
move                    from                             to          tells
======================  ===============================  ==========  =========================
:func:`new_import`      (a new upload)                   uploaded
:func:`queue`           uploaded                         queued      user: queued
:func:`requeue`         failed; queued or running when   queued
                        stalled (a resume)
:func:`restore`         queued (the queue refused it)    as before
:func:`start`           uploaded, queued                 running
:func:`finish`          queued, running, failed          finished    host event, user
:func:`fail`            uploaded, queued, running        failed      host event, user
:func:`refuse`          uploaded, queued, running        refused     host event, user (unless
                                                                     refused at upload)
:func:`expire_uploads`  uploaded (never started)         failed
======================  ===============================  ==========  =========================

Who carries a queued or running import is its lease (:mod:`.lease`, the one writer of
``lease_owner`` and ``lease_expires_at``); this module never touches it.
"""

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from .. import messages
from ..models import utcnow
from .models import FAILED, FINISHED, QUEUED, REFUSED, RUNNING, UPLOADED, Import, ImportChunk
from .notices import announce_ended, notify_ended, notify_queued

#: Statuses an import can end from (any but an ended one).
_UNENDED = (UPLOADED, QUEUED, RUNNING)
#: Statuses the last batch finishes an import from: a helper may apply the last batch after the
#: lead was marked failed (its retries spent), and then the import did finish.
_FINISHABLE = (QUEUED, RUNNING, FAILED)


class IllegalMove(RuntimeError):
    """An import was not in a status the move starts from where it had to be."""


@dataclass(frozen=True)
class Before:
    """What an import was before :func:`queue` or :func:`requeue`, for :func:`restore`."""

    status: str
    error_code: str | None
    error_message: str | None
    error_params: dict | None
    finished_at: datetime | None
    updated_at: datetime | None


def _move(session, import_id, sources, **values):
    """Write ``values`` to import ``import_id`` if its status is one of ``sources``, in the
    caller's transaction; True when it moved."""
    return session.execute(
        sa.update(Import).where(Import.id == import_id, Import.status.in_(sources)).values(**values)
        .execution_options(synchronize_session=False)
    ).rowcount == 1


def _reload(session, import_id):
    """The import as the current transaction sees it (the event is built from it)."""
    return session.execute(
        sa.select(Import).where(Import.id == import_id).execution_options(populate_existing=True)
    ).scalar_one()


def _before(imp):
    return Before(imp.status, imp.error_code, imp.error_message, imp.error_params, imp.finished_at,
                  imp.updated_at)


def new_import(**fields):
    """A new :class:`~.models.Import` in status ``uploaded`` with ``fields`` (not added to a
    session yet)."""
    return Import(status=UPLOADED, **fields)


def queue(state, imp):
    """Queue the uploaded import ``imp``, commit, and tell its user it is queued.

    Returns what it was before (for :func:`restore`), or ``None`` when it was no longer
    ``uploaded`` (another request started it first): then nothing changed and nobody is told.
    """
    session = state.db.session
    before = _before(imp)
    if not _move(session, imp.id, (UPLOADED,), status=QUEUED):
        session.rollback()
        return None
    session.commit()
    notify_queued(state, imp)
    return before


def requeue(state, imp, *, stalled):
    """Queue again ``imp`` that stopped before its end (a resume), and commit.

    A ``failed`` import, or (``stalled``: see :func:`.liveness.is_stalled`) a ``queued`` or
    ``running`` one that nobody carries any more, is ``queued`` from now on, its error and end
    time cleared. Returns what it was before (for :func:`restore`), or ``None`` when it was
    neither (nothing changed).
    """
    session = state.db.session
    before = _before(imp)
    sources = (FAILED, QUEUED, RUNNING) if stalled else (FAILED,)
    moved = _move(session, imp.id, sources, status=QUEUED, error_code=None, error_message=None,
                  error_params=None,
                  finished_at=None, updated_at=utcnow())
    session.commit()
    return before if moved else None


def restore(state, imp, before):
    """Put ``imp`` back as it was ``before`` :func:`queue` or :func:`requeue` moved it, when the
    queue could not take it (Redis went away): it can be started again. Commits."""
    session = state.db.session
    session.rollback()
    _move(session, imp.id, (QUEUED,), status=before.status, error_code=before.error_code,
          error_message=before.error_message, error_params=before.error_params,
          finished_at=before.finished_at,
          updated_at=before.updated_at)
    session.commit()


def start(session, import_id):
    """Mark import ``import_id`` running (from ``uploaded`` or ``queued``; ``started_at`` stays
    the first start's), in the caller's transaction; True when it moved."""
    return _move(session, import_id, (UPLOADED, QUEUED), status=RUNNING,
                 started_at=sa.func.coalesce(Import.started_at, utcnow()))


def finish(state, import_id, values, *, before_commit=None):
    """Finish import ``import_id`` in the caller's transaction, the one holding its last batch.

    ``values`` (its final counters and checkpoint) are written in the same UPDATE as the status;
    ``before_commit(imp)`` runs next (fresh planner statistics); then the event is queued, the
    transaction commits and the user is told. When the import had ended already the transaction
    is rolled back and :class:`IllegalMove` raised (only one driver applies an import, so this
    is a bug).
    """
    session = state.db.session
    if not _move(session, import_id, _FINISHABLE, status=FINISHED, finished_at=utcnow(), **values):
        session.rollback()
        raise IllegalMove(f"import {import_id} cannot finish: it has ended already")
    ended = _reload(session, import_id)
    if before_commit is not None:
        before_commit(ended)
    announce_ended(session, state.pm, ended)
    session.commit()
    notify_ended(state, session.get(Import, import_id))


def fail(state, import_id, message=None, code="internal_error", params=None):
    """End import ``import_id`` as ``failed``, saying why: ``code`` and the ``params`` of its
    message (see :mod:`contact_segments.messages`; ``message``, its English sentence, is worded
    from them; a ``message`` given without ``params`` is shown as it is), and tell its user.

    What the caller had not committed is rolled back first; the committed batches stay, and a
    resume continues from them. Returns False (nothing changed, nobody told) when it had ended
    already.
    """
    session = state.db.session
    session.rollback()
    if params is not None or message is None:
        params = dict(params or {})
        message = messages.english(code, params)
    if not _move(session, import_id, _UNENDED, status=FAILED, error_code=code, error_message=message,
                 error_params=params, finished_at=utcnow()):
        session.rollback()
        return False
    announce_ended(session, state.pm, _reload(session, import_id))
    session.commit()
    notify_ended(state, session.get(Import, import_id))
    return True


def refuse(state, imp, refused, *, notify=True):
    """End ``imp`` as ``refused`` with the reason of :class:`~.errors.FileRefused` ``refused``, and
    delete its stored file (it cannot be imported; nothing else was written). Commits.

    The user is told when ``notify`` (not when the upload itself was refused: they see the reason
    at once). Returns False (nothing changed) when it had ended already.
    """
    session = state.db.session
    if not _move(session, imp.id, _UNENDED, status=REFUSED, error_code=refused.code,
                 error_message=refused.message, error_params=refused.params, finished_at=utcnow()):
        session.rollback()
        return False
    session.execute(sa.delete(ImportChunk).where(ImportChunk.import_id == imp.id))
    announce_ended(session, state.pm, _reload(session, imp.id))
    session.commit()
    if notify:
        notify_ended(state, imp)
    return True


def expire_uploads(session, import_ids, code, params):
    """End the uploads ``import_ids`` that were never started as ``failed`` (``code`` with the
    ``params`` of its message: their file was removed), in the caller's transaction; those no
    longer ``uploaded`` are left alone. Returns how many moved."""
    return session.execute(
        sa.update(Import).where(Import.id.in_(import_ids), Import.status == UPLOADED)
        .values(status=FAILED, error_code=code, error_message=messages.english(code, params),
                error_params=params, finished_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount
