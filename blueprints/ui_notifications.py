"""In-app notifications, shown top-right on every plugin page.

The plugin's default ``segments_notify`` hook stores notifications in ``segments_notification``;
a host that routes them to its own system (its hook returns ``True``) simply leaves this list
empty. Pages render the unread ones and a small script polls ``notifications.json`` for new ones
and marks them read when dismissed (a plain form does the same without JavaScript).
"""

import sqlalchemy as sa
from flask import jsonify, request, url_for

from contact_segments.errors import NotFound, SegmentsError
from contact_segments.models import Notification, utcnow

from .redirects import redirect_back
from .ui_common import current_scope, int_or_none
from .ui_imports import linked_import_id, notice_text

SHOWN = 5


def _mine(scope):
    actor = scope.actor
    return [Notification.account_id == actor.account_id, Notification.user_id == actor.user_id]


def unread(scope, after_id=None, limit=SHOWN):
    """The acting user's newest unread notifications (newer than ``after_id``), oldest first."""
    query = sa.select(Notification).where(*_mine(scope), Notification.read_at.is_(None))
    if after_id is not None:
        query = query.where(Notification.id > after_id)
    rows = scope.session.execute(query.order_by(Notification.id.desc()).limit(limit)).scalars().all()
    return list(reversed(rows))


def as_json(scope, notification):
    """A notification as the pages show it: text in the reader's language, and an import's
    report link pointing at the plugin's own report download."""
    link = notification.link
    import_id = linked_import_id(link)
    if import_id is not None:
        link = url_for("segments.import_report", import_id=import_id)
    return {
        "id": notification.id, "kind": notification.kind, "level": notification.level,
        "message": notice_text(scope, notification.kind, notification.link, notification.message),
        "link": link,
        "read_url": url_for("segments.read_notification", notification_id=notification.id),
    }


def notifications_json():
    """``GET /notifications.json?after=<id>``: unread notifications newer than ``after``."""
    scope = current_scope()
    found = unread(scope, after_id=int_or_none(request.args.get("after")))
    return jsonify({"items": [as_json(scope, item) for item in found]})


def read_notification(notification_id):
    """``POST /notifications/<id>/read``: dismiss one notification (the user's own only: any
    other id is 404), then go back to the page named by ``next`` (a path of this site)."""
    scope = current_scope()
    marked = scope.session.execute(
        sa.update(Notification).where(Notification.id == notification_id, *_mine(scope))
        .values(read_at=utcnow()).execution_options(synchronize_session=False)
    ).rowcount
    scope.session.commit()
    if not marked:
        raise NotFound(f"There is no notification with id {notification_id} for this user.")
    if request.accept_mimetypes.best == "application/json" or request.is_json:
        return jsonify({"ok": True})
    return redirect_back(request.form.get("next"), url_for("segments.contacts"))


def page_notifications():
    """Template global: the unread notifications of the signed-in user (empty when nobody is)."""
    try:
        scope = current_scope()
        return [as_json(scope, item) for item in unread(scope)]
    except SegmentsError:  # nobody signed in: the error page still renders
        return []


def register(blueprint):
    """Add the notification endpoints to ``blueprint``."""
    blueprint.add_url_rule("/notifications.json", "notifications_json", notifications_json)
    blueprint.add_url_rule("/notifications/<int:notification_id>/read", "read_notification",
                           read_notification, methods=["POST"])
