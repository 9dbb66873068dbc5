"""In-app notifications, a stack at the bottom-right of every plugin page (the bottom on phones),
never over the host's top bar or the page's toolbar.

The plugin's default ``segments_notify`` hook stores notifications in ``segments_notification``;
a host that routes them to its own system (its hook returns ``True``) simply leaves this list
empty. Pages render the unread ones (one per import: a finished notice replaces the queued one),
three at a time (the tray's ``data-visible``) with "+N more" and "Dismiss all"; a small script (``notifications.js``)
polls ``notifications.json`` for new ones, hides success notices after the tray's
``data-hide-after-ms`` and marks them read when dismissed (plain forms do the same without
JavaScript).
"""

from flask import jsonify, request, url_for

from contact_segments import messages, notifications
from contact_segments.errors import SegmentsError

from .redirects import redirect_back
from .ui_common import current_scope, int_or_none
from .ui_i18n import page_words

#: Unread notifications a page loads at once (the newest).
SHOWN = 20


def notice_text(notification, words):
    """The sentence of a notification in the reader's language: worded from its kind and params
    (:mod:`contact_segments.messages`); one stored without params (built by a host, or by an
    earlier version) is its stored sentence, translated when the catalog has it."""
    if notification.params is not None:
        text = messages.render(notification.kind, notification.params, words)
        if text is not None:
            return text
    return words.gettext(notification.message)


def as_json(notification, words):
    """A notification as the pages show it: text in the reader's language, and an import's
    report link pointing at the plugin's own report download."""
    link = notification.link
    if link and notification.import_id is not None:
        link = url_for("segments.import_report", import_id=notification.import_id)
    return {
        "id": notification.id, "kind": notification.kind, "level": notification.level,
        "import_id": notification.import_id,
        "message": notice_text(notification, words), "link": link,
        "read_url": url_for("segments.read_notification", notification_id=notification.id),
    }


def notifications_json():
    """``GET /notifications.json?after=<id>``: unread notifications newer than ``after``."""
    scope = current_scope()
    found = notifications.unread(scope, after_id=int_or_none(request.args.get("after")), limit=SHOWN)
    words = page_words()
    return jsonify({"items": [as_json(item, words) for item in found]})


def read_notification(notification_id):
    """``POST /notifications/<id>/read``: dismiss one notification (the user's own only: any
    other id is 404), then go back to the page named by ``next`` (a path of this site)."""
    notifications.mark_read(current_scope(), notification_id)
    return _dismissed({"ok": True})


def read_all_notifications():
    """``POST /notifications/read``: dismiss all of the user's notifications ("Dismiss all"),
    then go back to the page named by ``next`` (JSON ``{"ok": true, "read": n}`` for scripts)."""
    return _dismissed({"ok": True, "read": notifications.mark_all_read(current_scope())})


def _dismissed(answer):
    """``answer`` as JSON to a script, else a redirect to the form's ``next``."""
    if request.accept_mimetypes.best == "application/json" or request.is_json:
        return jsonify(answer)
    return redirect_back(request.form.get("next"), url_for("segments.contacts"))


def page_notifications():
    """Template global: the unread notifications of the signed-in user (empty when nobody is)."""
    try:
        scope = current_scope()
        words = page_words()
        return [as_json(item, words) for item in notifications.unread(scope, limit=SHOWN)]
    except SegmentsError:  # nobody signed in: the error page still renders
        return []


def register(blueprint):
    """Add the notification endpoints to ``blueprint``."""
    blueprint.add_url_rule("/notifications.json", "notifications_json", notifications_json)
    blueprint.add_url_rule("/notifications/<int:notification_id>/read", "read_notification",
                           read_notification, methods=["POST"])
    blueprint.add_url_rule("/notifications/read", "read_all_notifications", read_all_notifications,
                           methods=["POST"])
