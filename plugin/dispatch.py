"""Deliver change events to host hooks only after the transaction that made them commits.

Services call :func:`announce` inside their transaction; the event waits in ``session.info``
and is delivered by the ``after_commit`` listener, or dropped by ``after_rollback``, so a host
never hears of a change that was rolled back.
"""

from sqlalchemy import event
from sqlalchemy.orm import Session

_PENDING = "segments_pending_events"


def announce(session, pm, hook_name, event_object):
    """Queue ``event_object`` for hook ``hook_name``, to be fired when ``session`` commits."""
    session.info.setdefault(_PENDING, []).append((pm, hook_name, event_object))


@event.listens_for(Session, "after_commit")
def _fire_after_commit(session):
    pending = session.info.pop(_PENDING, None)
    for pm, hook_name, event_object in pending or ():
        getattr(pm.hook, hook_name)(event=event_object)


@event.listens_for(Session, "after_rollback")
def _drop_after_rollback(session):
    session.info.pop(_PENDING, None)
