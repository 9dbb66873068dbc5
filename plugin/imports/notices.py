"""Telling people about an import: the user's notifications and the host's finished-import event.

Notifications go through the ``segments_notify`` hook (the plugin's default stores them in-app);
they are sent after the change they describe has committed.
"""

from ..dispatch import announce
from ..hooks.events import ImportFinished, Notice
from .models import FAILED, FINISHED, REFUSED

QUEUED_MESSAGE = "You will be notified when your bulk import is ready."
#: A preview (dry run) is not the import: it says so, and that nothing will change.
PREVIEW_QUEUED_MESSAGE = ("Your preview is being prepared: you will be notified when it is ready. "
                          "A preview changes nothing.")


def report_link(config, import_id):
    """Return the path of the per-row report (CSV) of import ``import_id`` in the JSON API."""
    return f"{config['SEGMENTS_API_URL_PREFIX'].rstrip('/')}/imports/{import_id}/report.csv"


def counts_sentence(imp):
    """Return the counts of ``imp`` as a sentence ("3 created, 1 updated, ...")."""
    parts = [f"{imp.created:,} created", f"{imp.updated:,} updated", f"{imp.unchanged:,} unchanged",
             f"{imp.failed:,} failed"]
    memberships = f"{imp.memberships_added:,} segment memberships added"
    if imp.memberships_removed:
        memberships += f", {imp.memberships_removed:,} removed"
    return ", ".join(parts) + "; " + memberships


def _ended_message(imp):
    name = f'"{imp.filename}"'
    if imp.status == FINISHED and imp.dry_run:
        return "success", (f"The dry run of {name} is ready; nothing was changed. The import would "
                           f"give: {counts_sentence(imp)}.")
    if imp.status == FINISHED:
        return "success", f"Your bulk import of {name} is ready: {counts_sentence(imp)}."
    if imp.status == REFUSED:
        return "error", f"Your bulk import of {name} was refused: {imp.error_message}"
    return "error", f"Your bulk import of {name} stopped: {imp.error_message}"


def notify(state, imp, kind, level, message, link=None):
    """Send one notification about ``imp`` to the user who started it (hook ``segments_notify``)."""
    state.pm.hook.segments_notify(notice=Notice(
        account_id=imp.account_id, user_id=imp.user_id, kind=kind, message=message, level=level,
        link=link,
    ))


def notify_queued(state, imp):
    """Tell the user the import (or the preview) is queued (call after the commit that queued it)."""
    notify(state, imp, "import_queued", "info", PREVIEW_QUEUED_MESSAGE if imp.dry_run else QUEUED_MESSAGE)


def notify_ended(state, imp):
    """Tell the user the import ended, with its counts and a link to the report."""
    level, message = _ended_message(imp)
    link = report_link(state.config, imp.id) if imp.status in (FINISHED, FAILED) else None
    notify(state, imp, "import_finished", level, message, link)


def announce_ended(session, pm, imp):
    """Queue the ``segments_import_finished`` event, fired when ``session`` commits."""
    announce(session, pm, "segments_import_finished", ImportFinished(
        account_id=imp.account_id, import_id=imp.id, status=imp.status, dry_run=imp.dry_run,
        counts=imp.counts(), actor_user_id=imp.user_id,
    ))
