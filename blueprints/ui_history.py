"""The history pages: a contact's history (each segment it joined or left, who did it, how and
when), a segment's activity (every change to it, newest first, in keyset pages), "Recently
deleted" with Restore, and the newest lines of a contact's history for the host's contact
panel (the ``segments_contact_history`` template global, used by ``segments/macros.html``).

Restore is a plain form (POST/redirect/GET): a name taken since the segment was deleted shows a
form asking for another name, with the reason; a role that may not restore reads why, and
nothing changes.
"""

from flask import redirect, request, url_for

from contact_segments import segments
from contact_segments.contact_query import ContactFilter, list_contacts
from contact_segments.errors import NotFound, PermissionDenied, SegmentsError
from contact_segments.history import deleted as deleted_segments
from contact_segments.history.queries import contact_history, segment_activity
from contact_segments.permissions import is_allowed

from .ui_common import current_scope, int_or_none, redisplays, render, say
from .ui_history_words import (
    activity_text, contact_entry_context, contact_entry_text, how, restored_text, when, who,
)
from .ui_i18n import _
from .ui_messages import describe, forbidden

#: Lines of a contact's history on its page.
CONTACT_HISTORY_SIZE = 200
#: Changes per page of a segment's activity.
ACTIVITY_PAGE_SIZE = 20
#: Lines of a contact's history in the host's contact panel.
PANEL_SIZE = 3


def _contact_name(scope, contact_id):
    """The contact's full name (empty when it has none)."""
    rows = list_contacts(scope.session, scope.contacts, scope.account_id, ContactFilter(),
                         after_id=contact_id - 1, limit=1)
    if not rows or rows[0]["id"] != contact_id:
        return ""
    return " ".join(filter(None, (rows[0].get("first_name"), rows[0].get("last_name"))))


def history_lines(entries):
    """The lines of a contact's history as the pages show them: ``text`` (what, by whom),
    ``when``, ``context`` (how), ``import_id``, ``segment_id`` and ``segment_state``."""
    return [{"text": contact_entry_text(entry), "when": when(entry.at), "at": entry.at,
             "context": contact_entry_context(entry), "import_id": entry.import_id,
             "segment_id": entry.segment_id, "segment_state": entry.segment_state, "event": entry.event}
            for entry in entries]


def contact_history_page(contact_id):
    """``GET /contacts/<id>/history``: every segment the contact joined or left, newest first."""
    scope = current_scope()
    entries = contact_history(scope, contact_id, limit=CONTACT_HISTORY_SIZE)
    return render("segments/contact_history.html", contact_id=contact_id,
                  name=_contact_name(scope, contact_id), lines=history_lines(entries),
                  limited=len(entries) >= CONTACT_HISTORY_SIZE)


def _segment_name(scope, segment_id, entries):
    """``(name, live)`` of a live or deleted segment whose activity is shown."""
    try:
        return segments.get(scope, segment_id).name, True
    except NotFound:
        pass
    for summary in deleted_segments.list_deleted(scope):
        if summary.id == segment_id:
            return summary.name, False
    return (entries[0].segment_name if entries else ""), False


def segment_activity_page(segment_id):
    """``GET /<segment id>/activity``: the segment's changes, newest first; ``before=<change id>``
    shows the older ones."""
    scope = current_scope()
    before = int_or_none(request.args.get("before"))
    entries = segment_activity(scope, segment_id, before_change_id=before, limit=ACTIVITY_PAGE_SIZE + 1)
    older = entries[ACTIVITY_PAGE_SIZE - 1].change_id if len(entries) > ACTIVITY_PAGE_SIZE else None
    entries = entries[:ACTIVITY_PAGE_SIZE]
    name, live = _segment_name(scope, segment_id, entries)
    lines = [{"text": activity_text(entry), "who": who(entry.actor), "how": how(entry.actor.via),
              "when": when(entry.at), "at": entry.at, "import_id": entry.import_id, "action": entry.action}
             for entry in entries]
    return render("segments/segment_activity.html", segment_id=segment_id, name=name, live=live,
                  lines=lines, newer=before is not None,
                  older_url=url_for(".segment_activity", segment_id=segment_id, before=older) if older else None)


def _render_deleted(scope, error=None, status=200):
    days = scope.state.config["SEGMENTS_DELETED_SEGMENT_DAYS"]
    return render("segments/deleted_segments.html", status=status, error=error, days=days,
                  deleted=deleted_segments.list_deleted(scope), when=when,
                  can_restore=is_allowed(scope.pm, scope.actor, "restore"))


def deleted_page():
    """``GET /deleted``: the segments deleted within the window, with Restore for managers and
    admins."""
    return _render_deleted(current_scope())


def _render_restore_name(scope, summary, name, error=None, status=200):
    return render("segments/restore_segment.html", status=status, summary=summary, name=name, error=error)


def _restorable(scope, segment_id):
    """The account's restorable deleted segment ``segment_id`` (a ``DeletedSummary``), or
    ``None``."""
    return next((summary for summary in deleted_segments.list_deleted(scope) if summary.id == segment_id), None)


def _not_restorable(scope):
    days = scope.state.config["SEGMENTS_DELETED_SEGMENT_DAYS"]
    return _render_deleted(scope, status=404, error=_(
        "This deleted segment cannot be restored: it was restored already, or was deleted more than "
        "%(days)s days ago. The list below is up to date.", days=days))


def restore_segment(segment_id):
    """``GET /deleted/<id>/restore``: the restore form (a new name may be given); ``POST``:
    restore the segment with its members, then show the contacts in it."""
    scope = current_scope()
    summary = _restorable(scope, segment_id)
    if summary is None:
        return _not_restorable(scope)
    name = request.form.get("name", "").strip()
    if request.method == "GET":
        if not is_allowed(scope.pm, scope.actor, "restore"):
            return _render_deleted(scope, error=forbidden(scope.actor.role, "restore"), status=403)
        return _render_restore_name(scope, summary, summary.name)
    try:
        result = deleted_segments.restore(scope, str(segment_id), new_name=name or None)
    except PermissionDenied as error:
        return _render_deleted(scope, error=describe(error, actor=scope.actor, action="restore"), status=403)
    except NotFound:
        return _not_restorable(scope)
    except SegmentsError as error:  # the name is taken, looks like another, or is not valid
        message = describe(error, actor=scope.actor, action="restore", name=name or summary.name)
        return _render_restore_name(scope, summary, name or summary.name, error=message, status=error.status)
    say(restored_text(result))
    return redirect(url_for(".contacts", segment=result.segment.id))


@redisplays("segments.restore_segment")
def _restore_again(form, message):
    return _render_deleted(current_scope(), error=message, status=400)


def contact_panel_history(contact_id, limit=PANEL_SIZE):
    """The newest ``limit`` lines of a contact's history for the host's contact panel
    (``segments/macros.html``); empty when nobody is signed in or the contact is not the
    account's."""
    try:
        scope = current_scope()
        return history_lines(contact_history(scope, contact_id, limit=limit))
    except SegmentsError:
        return []


def register(blueprint):
    """Add the history pages to ``blueprint`` and the contact panel's history to every template."""
    blueprint.add_app_template_global(contact_panel_history, "segments_contact_history")
    blueprint.add_url_rule("/contacts/<int:contact_id>/history", "contact_history", contact_history_page)
    blueprint.add_url_rule("/<int:segment_id>/activity", "segment_activity", segment_activity_page)
    blueprint.add_url_rule("/deleted", "deleted_segments", deleted_page)
    blueprint.add_url_rule("/deleted/<int:segment_id>/restore", "restore_segment", restore_segment,
                           methods=["GET", "POST"])
