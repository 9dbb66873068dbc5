"""Slowing an import's batches down from a test, with no setting of the plugin: after each
commit that moved an import's progress (``segments_import.rows_done``) or an undo's (its history
change), the committing thread sleeps, as it would on a slow database. Kill tests then have time to stop a worker mid-import,
and browser tests see the progress bar move, however fast the machine.

The listeners are on SQLAlchemy's ``Session`` class, so they see every session of the process:
install them in a process that runs imports (a worker or CLI subprocess, a live server) or for
one test (:func:`batches_slowed`).
"""

import contextlib
import time

from sqlalchemy import event
from sqlalchemy.orm import Session

_MOVED = "slow_batches_progress_moved"


def _is_progress_update(statement):
    table = getattr(statement, "table", None)
    return getattr(table, "name", None) == "segments_import" and "rows_done" in str(statement)


def slow_batches(seconds):
    """Sleep ``seconds`` after each commit that moved an import's progress; return a function
    that removes the pause."""

    def note_progress(execute_state):
        if execute_state.is_update and _is_progress_update(execute_state.statement):
            execute_state.session.info[_MOVED] = True

    def pause(session):
        if session.info.pop(_MOVED, False):
            time.sleep(seconds)

    def forget(session):
        session.info.pop(_MOVED, None)

    def note_undo_progress(session, flush_context):
        if any(getattr(item, "action", None) == "import_undo" for item in session.dirty):
            session.info[_MOVED] = True

    listeners = (("do_orm_execute", note_progress), ("after_flush", note_undo_progress),
                 ("after_commit", pause), ("after_rollback", forget))
    for name, listener in listeners:
        event.listen(Session, name, listener)

    def remove():
        for name, listener in listeners:
            event.remove(Session, name, listener)

    return remove


@contextlib.contextmanager
def batches_slowed(seconds):
    """Within the ``with`` block, pause ``seconds`` after each batch an import commits."""
    remove = slow_batches(seconds)
    try:
        yield
    finally:
        remove()
