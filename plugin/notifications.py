"""The in-app notifications of a user (table ``segments_notification``): storing one, the unread
ones, marking one or all read. The default ``segments_notify`` hook stores them; a host that
routes notices to its own system leaves the table empty.

A user sees one notification per import: storing a notice about an import marks the earlier
unread ones of the same import and user read (the finished notice replaces the queued one).
"""

import sqlalchemy as sa

from .errors import NotFound
from .models import Notification, utcnow


def _mine(scope):
    actor = scope.actor
    return [Notification.account_id == actor.account_id, Notification.user_id == actor.user_id]


def store(session, notice):
    """Store ``notice`` (a :class:`~contact_segments.hooks.events.Notice` with a user) for its
    user, mark the user's earlier unread notifications about the same import read, and commit."""
    if notice.import_id is not None:
        session.execute(
            sa.update(Notification).where(
                Notification.account_id == notice.account_id, Notification.user_id == notice.user_id,
                Notification.import_id == notice.import_id, Notification.read_at.is_(None))
            .values(read_at=utcnow()).execution_options(synchronize_session=False))
    session.add(Notification(
        account_id=notice.account_id, user_id=notice.user_id, kind=notice.kind,
        level=notice.level, message=notice.message, link=notice.link,
        import_id=notice.import_id, params=notice.params,
    ))
    session.commit()


def unread(scope, after_id=None, limit=5):
    """The acting user's newest ``limit`` unread notifications (newer than ``after_id``), oldest
    first."""
    query = sa.select(Notification).where(*_mine(scope), Notification.read_at.is_(None))
    if after_id is not None:
        query = query.where(Notification.id > after_id)
    rows = scope.session.execute(query.order_by(Notification.id.desc()).limit(limit)).scalars().all()
    return list(reversed(rows))


def mark_read(scope, notification_id):
    """Mark the acting user's notification ``notification_id`` read and commit; any other id
    (another user's, or none) raises :class:`NotFound`."""
    marked = scope.session.execute(
        sa.update(Notification).where(Notification.id == notification_id, *_mine(scope))
        .values(read_at=utcnow()).execution_options(synchronize_session=False)
    ).rowcount
    scope.session.commit()
    if not marked:
        raise NotFound(f"There is no notification with id {notification_id} for this user.")


def mark_all_read(scope):
    """Mark every unread notification of the acting user read and commit; return how many."""
    marked = scope.session.execute(
        sa.update(Notification).where(*_mine(scope), Notification.read_at.is_(None))
        .values(read_at=utcnow()).execution_options(synchronize_session=False)
    ).rowcount
    scope.session.commit()
    return marked
