"""Undoing an import from its page: "Undo this import" (managers and admins, for a finished
import that was not a preview) opens a confirmation stating what the undo will do; confirming
asks for the undo and runs it in the background, and the import's page then shows its state
(waiting, running, finished or failed), its counts and what it kept of later changes.

An undo that cannot be done now (already undone, too old, an import running, ...) is explained
on the import's page, and nothing changes; a role that may not undo reads why (403).
"""

from flask import redirect, url_for

from contact_segments.errors import Conflict, PermissionDenied, SegmentsError
from contact_segments.history import undo
from contact_segments.imports.models import FINISHED
from contact_segments.permissions import is_allowed

from .ui_common import current_scope, render, say
from .ui_history_words import conflict_text, undo_plan_text, undo_status_label
from .ui_i18n import _
from .ui_messages import describe

#: How often (ms) the import's page reloads while its undo is waiting or running.
RELOAD_MS = 1500


def undo_panel(scope, imp):
    """What the import's page shows about undoing ``imp``: ``offer`` (the "Undo this import"
    link), ``status`` (``None``, queued, running, finished or failed), its ``label``,
    ``summary``, ``conflicts`` (each with its ``text``) and ``reload_ms`` while it is under way."""
    may_undo = is_allowed(scope.pm, scope.actor, "undo")
    state = undo.status(scope, imp.id) if not imp.dry_run else {"status": None}
    status = state.get("status")
    conflicts = [{**conflict, "text": conflict_text(conflict)} for conflict in state.get("conflicts", [])]
    return {
        "offer": may_undo and not imp.dry_run and imp.status == FINISHED and status in (None, "failed"),
        "may_undo": may_undo,
        "status": status,
        "label": undo_status_label(status) if status else "",
        "summary": state.get("summary") or {},
        "conflicts": conflicts,
        "reload_ms": RELOAD_MS if status in ("queued", "running") else None,
    }


def _forbidden(scope, error):
    message = describe(error, actor=scope.actor, action="undo")
    return render("segments/error.html", status=403, message=message, status_code=403)


def _refused(scope, import_id, error):
    say(describe(error, actor=scope.actor, action="undo", what="import"), "error")
    return redirect(url_for(".import_detail", import_id=import_id))


def confirm_undo(import_id):
    """``GET /imports/<id>/undo``: what undoing the import will do, with Confirm and Cancel."""
    scope = current_scope()
    try:
        plan = undo.plan(scope, import_id)
    except PermissionDenied as error:
        return _forbidden(scope, error)
    except Conflict as error:
        return _refused(scope, import_id, error)
    return render("segments/import_undo.html", import_id=import_id, plan=plan, plan_text=undo_plan_text(plan))


def undo_import(import_id):
    """``POST /imports/<id>/undo``: ask for the undo and run it in the background, then show the
    import's page, which follows it."""
    scope = current_scope()
    try:
        change = undo.request(scope, import_id)
    except PermissionDenied as error:
        return _forbidden(scope, error)
    except Conflict as error:
        return _refused(scope, import_id, error)
    try:
        undo.launch(scope.state, change.id)
    except SegmentsError as error:
        say(describe(error, actor=scope.actor, action="undo", what="import"), "error")
        return redirect(url_for(".import_detail", import_id=import_id))
    say(_("The undo has started: this page shows how it goes, and you will be notified when it is done."))
    return redirect(url_for(".import_detail", import_id=import_id))


def register(blueprint):
    """Add the undo confirmation and its form to ``blueprint``."""
    blueprint.add_url_rule("/imports/<int:import_id>/undo", "confirm_undo", confirm_undo)
    blueprint.add_url_rule("/imports/<int:import_id>/undo", "undo_import", undo_import, methods=["POST"])
