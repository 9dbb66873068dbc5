"""What the user who asked for an undo is told when it ends (``segments_notify``; the plugin's
default stores it in-app), worded by :mod:`contact_segments.messages`."""

from .. import messages
from ..hooks.events import Notice
from .models import UNDO_FINISHED

UNDONE, UNDO_QUEUED = "import_undone", "import_undo_queued"


def undo_counts_phrase(summary):
    """The counts of an undo's ``summary`` as a message value."""
    count = messages.count
    return messages.phrase(
        "undo_counts", removed=count(summary.get("memberships_removed", 0)),
        restored=count(summary.get("memberships_restored", 0)), fields=count(summary.get("contacts_restored", 0)),
        deleted=count(summary.get("contacts_deleted", 0)), conflicts=count(summary.get("conflicts", 0)))


def undo_notice(imp, change):
    """The :class:`Notice` that the undo ``change`` of import ``imp`` ended (or stopped)."""
    summary = (change.params or {}).get("summary") or {}
    if change.status == UNDO_FINISHED:
        params, level = {"file": imp.filename, "counts": undo_counts_phrase(summary)}, "success"
    else:
        params, level = {"file": imp.filename, "variant": "failed"}, "error"
    return Notice(account_id=imp.account_id, user_id=change.user_id, kind=UNDONE,
                  message=messages.english(UNDONE, params), level=level, link=None,
                  import_id=imp.id, params=params)


def notify_undo_queued(state, imp, change):
    """Tell the user who asked that the undo of ``imp`` is on its way (after the commit)."""
    if change.user_id is not None:
        params = {"file": imp.filename}
        state.pm.hook.segments_notify(notice=Notice(
            account_id=imp.account_id, user_id=change.user_id, kind=UNDO_QUEUED,
            message=messages.english(UNDO_QUEUED, params), level="info", link=None, import_id=imp.id,
            params=params))


def notify_undo_ended(state, imp, change):
    """Tell the user who asked that the undo ended (call after the commit that ended it)."""
    if change is not None and change.user_id is not None:
        state.pm.hook.segments_notify(notice=undo_notice(imp, change))
