"""What the notifications about an import say, and the host's finished-import event.

A notification is a :class:`~contact_segments.hooks.events.Notice`: its ``kind``
(``import_queued``, ``import_finished``), the import it is about and the ``params`` its
sentence speaks of, worded by :mod:`contact_segments.messages` (in English in ``message``, for
hosts; in the reader's language on the pages). Notifications go through the ``segments_notify``
hook (the plugin's default stores them in-app); they are sent after the change they describe has
committed.
"""

from .. import messages
from ..dispatch import announce
from ..hooks.events import ImportFinished, Notice
from .models import FAILED, FINISHED, REFUSED

QUEUED, ENDED = "import_queued", "import_finished"
#: What the user is told when an import is queued (the help article's words).
QUEUED_MESSAGE = messages.english(QUEUED)
#: What the user is told when a preview (dry run) is queued: it is not the import.
PREVIEW_QUEUED_MESSAGE = messages.english(QUEUED, {"variant": "preview"})


def report_link(config, import_id):
    """Return the path of the per-row report (CSV) of import ``import_id`` in the JSON API."""
    return f"{config['SEGMENTS_API_URL_PREFIX'].rstrip('/')}/imports/{import_id}/report.csv"


def counts_phrase(imp):
    """The counts of ``imp`` as a message value ("3 created, 1 updated, ...")."""
    count = messages.count
    return messages.phrase(
        "import_counts", created=count(imp.created), updated=count(imp.updated),
        unchanged=count(imp.unchanged), failed=count(imp.failed),
        added=count(imp.memberships_added), removed=count(imp.memberships_removed))


def reason_phrase(imp):
    """Why ``imp`` was refused or stopped, as a message value (its stored sentence when it has
    no params: stored by an earlier version)."""
    if imp.error_params is None or not messages.knows(imp.error_code):
        return imp.error_message
    return messages.phrase(imp.error_code, **imp.error_params)


def ended_params(imp):
    """``(level, params)`` of the notification that ``imp`` ended."""
    name = imp.filename
    if imp.status == FINISHED:
        params = {"file": name, "counts": counts_phrase(imp)}
        if imp.dry_run:
            params["variant"] = "preview"
        return "success", params
    variant = "refused" if imp.status == REFUSED else "stopped"
    return "error", {"variant": variant, "file": name, "reason": reason_phrase(imp)}


def queued_notice(imp):
    """The :class:`Notice` that ``imp`` (an import or a preview) is queued."""
    params = {"variant": "preview"} if imp.dry_run else {}
    return _notice(imp, QUEUED, "info", params)


def ended_notice(config, imp):
    """The :class:`Notice` that ``imp`` ended, with its counts or why it stopped, and a link to
    its report when it has one."""
    level, params = ended_params(imp)
    link = report_link(config, imp.id) if imp.status in (FINISHED, FAILED) else None
    return _notice(imp, ENDED, level, params, link)


def _notice(imp, kind, level, params, link=None):
    return Notice(account_id=imp.account_id, user_id=imp.user_id, kind=kind,
                  message=messages.english(kind, params), level=level, link=link,
                  import_id=imp.id, params=params)


def notify_queued(state, imp):
    """Tell the user the import (or the preview) is queued (call after the commit that queued it)."""
    state.pm.hook.segments_notify(notice=queued_notice(imp))


def notify_ended(state, imp):
    """Tell the user the import ended, with its counts and a link to the report."""
    state.pm.hook.segments_notify(notice=ended_notice(state.config, imp))


def announce_ended(session, pm, imp):
    """Queue the ``segments_import_finished`` event, fired when ``session`` commits."""
    announce(session, pm, "segments_import_finished", ImportFinished(
        account_id=imp.account_id, import_id=imp.id, status=imp.status, dry_run=imp.dry_run,
        counts=imp.counts(), actor_user_id=imp.user_id,
    ))
