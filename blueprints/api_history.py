"""The JSON API of history (flask-smorest), nested in the segments API at its own prefix.

A contact's history and a segment's activity (who added or removed what, how and when), the
account's recently deleted segments and restoring one, and undoing an import: its plan (what it
will change, or why it cannot be undone: 409 with the refusal's code), asking for it (202, it
runs in the background) and its status. Every endpoint acts for the current actor (hook
``segments_current_actor``) on that actor's account only: another account's contact, segment or
import is a 404. Errors are the segments API's JSON errors (its handlers cover this nested
blueprint), and its POSTs need the ``X-CSRFToken`` header like every change.
"""

import marshmallow as ma
from flask_smorest import Blueprint

from .. import segments
from ..errors import NotFound
from ..extension import get_state
from ..history import deleted, queries, undo
from .schemas import MAX_ID

history_blp = Blueprint(
    "segments_history_api", __name__,
    description="History of the signed-in user's account: a contact's history, a segment's "
                "activity, recently deleted segments and restoring them, undoing an import.",
)


# ---------------------------------------------------------------- schemas


def _moment(**kwargs):
    """A moment as ISO 8601 text with its time zone."""
    return ma.fields.String(metadata={"format": "date-time"}, **kwargs)


class HistoryActorSchema(ma.Schema):
    """Who made a change and how."""

    user_id = ma.fields.Integer(allow_none=True, metadata={"description": "The host's user id; null: the system."})
    name = ma.fields.String(metadata={"description": "The user's name as the host reported it then."})
    via = ma.fields.String(metadata={"description": "page, api, cli, host or import"})


class ContactHistoryEntrySchema(ma.Schema):
    """One line of a contact's history."""

    at = _moment(allow_none=True)
    event = ma.fields.String(metadata={"description": "added, removed or segment_deleted"})
    segment_id = ma.fields.Integer()
    segment_name = ma.fields.String()
    segment_state = ma.fields.String(metadata={
        "description": "live, deleted (restorable) or gone (purged)"})
    change_id = ma.fields.Integer(allow_none=True)
    change_action = ma.fields.String(allow_none=True, metadata={
        "description": "segment_created, members_added, members_removed, import, import_undo, ..."})
    actor = ma.fields.Nested(HistoryActorSchema, allow_none=True)
    import_id = ma.fields.Integer(allow_none=True)
    import_filename = ma.fields.String(allow_none=True)


class ContactHistorySchema(ma.Schema):
    """A contact's history, newest first."""

    items = ma.fields.List(ma.fields.Nested(ContactHistoryEntrySchema), required=True)


class ActivityEntrySchema(ma.Schema):
    """One change to a segment."""

    change_id = ma.fields.Integer()
    at = _moment()
    action = ma.fields.String()
    added = ma.fields.Integer(metadata={"description": "Members it added."})
    removed = ma.fields.Integer(metadata={"description": "Members it removed."})
    segment_name = ma.fields.String(metadata={"description": "The segment's name then."})
    actor = ma.fields.Nested(HistoryActorSchema)
    import_id = ma.fields.Integer(allow_none=True)
    import_filename = ma.fields.String(allow_none=True)
    params = ma.fields.Dict(allow_none=True, metadata={"description": "The change's figures."})


class ActivityPageSchema(ma.Schema):
    """One page of a segment's activity, newest first; pass ``next_before`` as ``before`` for the
    next page (``null``: this page was the last)."""

    items = ma.fields.List(ma.fields.Nested(ActivityEntrySchema), required=True)
    next_before = ma.fields.Integer(allow_none=True, required=True)


class DeletedSegmentSchema(ma.Schema):
    """A recently deleted segment."""

    id = ma.fields.Integer()
    name = ma.fields.String()
    member_count = ma.fields.Integer()
    deleted_at = _moment()
    restorable_until = _moment()
    deleted_by = ma.fields.String()


class DeletedListSchema(ma.Schema):
    """The account's recently deleted segments, newest first."""

    items = ma.fields.List(ma.fields.Nested(DeletedSegmentSchema), required=True)


class RestoreSchema(ma.Schema):
    """The name to restore a segment under (default: its own)."""

    name = ma.fields.String(load_default=None, allow_none=True, metadata={"example": "VIP (restored)"})


class RestoredSchema(ma.Schema):
    """A restored segment: its members again, and the members skipped (forgotten since)."""

    id = ma.fields.Integer()
    name = ma.fields.String()
    member_count = ma.fields.Integer()
    skipped = ma.fields.Integer()


class UndoPlanSchema(ma.Schema):
    """What undoing the import will change."""

    import_id = ma.fields.Integer()
    filename = ma.fields.String()
    memberships_to_remove = ma.fields.Integer()
    memberships_to_restore = ma.fields.Integer()
    contacts_to_restore = ma.fields.Integer()
    contacts_to_delete = ma.fields.Integer()


class UndoStartedSchema(ma.Schema):
    """An undo asked for: follow it at ``/imports/<id>/undo/status``."""

    import_id = ma.fields.Integer()
    change_id = ma.fields.Integer()
    status = ma.fields.String(metadata={"description": "queued"})


class UndoSummarySchema(ma.Schema):
    """What the undo changed so far."""

    memberships_removed = ma.fields.Integer()
    memberships_restored = ma.fields.Integer()
    contacts_restored = ma.fields.Integer()
    contacts_deleted = ma.fields.Integer()
    conflicts = ma.fields.Integer()


class UndoConflictSchema(ma.Schema):
    """Something the undo kept because somebody changed it after the import."""

    line = ma.fields.Integer(metadata={"description": "The import file's line."})
    contact_id = ma.fields.Integer()
    item = ma.fields.String(metadata={"description": "segment:<id>, field:<name> or contact"})
    kept = ma.fields.Dict(metadata={"description": "What was kept."})


class UndoStatusSchema(ma.Schema):
    """The state of an import's undo (``status`` null: never asked for)."""

    import_id = ma.fields.Integer()
    status = ma.fields.String(allow_none=True, metadata={"description": "null, queued, running, finished or failed"})
    change_id = ma.fields.Integer()
    summary = ma.fields.Nested(UndoSummarySchema)
    conflicts = ma.fields.List(ma.fields.Nested(UndoConflictSchema), metadata={"description": "The first 100."})
    finished_at = _moment(allow_none=True)


class ContactHistoryArgsSchema(ma.Schema):
    """How many entries."""

    limit = ma.fields.Integer(load_default=50, validate=ma.validate.Range(min=1, max=queries.MAX_LIMIT))


class ActivityArgsSchema(ma.Schema):
    """A page of activity: changes older than ``before`` (a change id), at most ``limit``."""

    before = ma.fields.Integer(load_default=None, validate=ma.validate.Range(
        min=1, max=MAX_ID, error="Ids are whole numbers from 1 up."))
    limit = ma.fields.Integer(load_default=20, validate=ma.validate.Range(min=1, max=queries.MAX_LIMIT))


# ---------------------------------------------------------------- helpers


def _scope():
    state = get_state()
    return state.scope(state.current_actor(), via="api")


@history_blp.url_value_preprocessor
def _ids_in_range(endpoint, values):
    """An id in the path beyond the database's range is no id of this account: 404."""
    for key in ("segment_id", "contact_id", "import_id"):
        if (values or {}).get(key, 0) > MAX_ID:
            raise NotFound(f"There is no {key.split('_')[0]} with id {values[key]} in this account.")


# ---------------------------------------------------------------- history


@history_blp.route("/contacts/<int:contact_id>/history", methods=["GET"])
@history_blp.arguments(ContactHistoryArgsSchema, location="query")
@history_blp.response(200, ContactHistorySchema)
def contact_history(args, contact_id):
    """Get a contact's history

    Newest first: each segment the contact joined or left, and each segment it was in that was
    deleted; who did it (``actor``), how (``via``: page, api, cli, host, import), when and with
    which import.
    """
    entries = queries.contact_history(_scope(), contact_id, limit=args["limit"])
    return {"items": [entry.to_dict() for entry in entries]}


@history_blp.route("/<int:segment_id>/activity", methods=["GET"])
@history_blp.arguments(ActivityArgsSchema, location="query")
@history_blp.response(200, ActivityPageSchema)
def segment_activity(args, segment_id):
    """Get a segment's activity

    Its changes, newest first, with the members each added and removed: a live segment, or a
    deleted one not purged yet. Keyset pages: pass ``next_before`` as ``before``.
    """
    limit = args["limit"]
    entries = queries.segment_activity(_scope(), segment_id, before_change_id=args["before"], limit=limit)
    return {"items": [entry.to_dict() for entry in entries],
            "next_before": entries[-1].change_id if len(entries) == limit else None}


# ---------------------------------------------------------------- deleted segments


@history_blp.route("/deleted", methods=["GET"])
@history_blp.response(200, DeletedListSchema)
def list_deleted():
    """List the recently deleted segments

    Deleted within ``SEGMENTS_DELETED_SEGMENT_DAYS`` days, newest first; each can be restored
    until ``restorable_until``.
    """
    return {"items": [item.to_dict() for item in deleted.list_deleted(_scope())]}


@history_blp.route("/deleted/<int:segment_id>/restore", methods=["POST"])
@history_blp.arguments(RestoreSchema, required=False)
@history_blp.response(200, RestoredSchema)
def restore(data, segment_id):
    """Restore a deleted segment (managers and admins)

    With the members it had (contacts forgotten since are skipped), under its own name or
    ``name``. 409 (``name_taken``, ``name_confusable``) when the name is taken meanwhile: restore
    it under another name; 404 (``deleted_segment_not_found``) when it is not restorable.
    """
    scope = _scope()
    scope.require("restore")
    if segment_id not in {item.id for item in deleted.list_deleted(scope)}:
        days = scope.state.config["SEGMENTS_DELETED_SEGMENT_DAYS"]
        raise NotFound(f"No deleted segment with id {segment_id} can be restored in this account: it was "
                       f"never deleted, was restored already, or was deleted more than {days} days ago.",
                       code="deleted_segment_not_found")
    name = (data or {}).get("name")
    if name is not None:  # "" is a name to refuse, not the segment's own
        name = segments.validate_name(name)
    return deleted.restore(scope, str(segment_id), name).to_dict()


# ---------------------------------------------------------------- undoing an import


@history_blp.route("/imports/<int:import_id>/undo", methods=["GET"])
@history_blp.response(200, UndoPlanSchema)
def undo_plan(import_id):
    """See what undoing an import will change (managers and admins)

    The memberships it will remove and put back, the contacts whose fields it will restore and
    those it will delete. 409 with the reason's code when the import cannot be undone now:
    ``undo_dry_run``, ``undo_not_finished``, ``undo_no_history``, ``undo_too_old``
    (``SEGMENTS_UNDO_DAYS``), ``undo_done``, ``undo_running``, ``undo_account_importing``.
    """
    return undo.plan(_scope(), import_id).to_dict()


@history_blp.route("/imports/<int:import_id>/undo", methods=["POST"])
@history_blp.response(202, UndoStartedSchema)
def undo_import(import_id):
    """Undo an import (managers and admins)

    It runs in the background (on RQ when ``SEGMENTS_REDIS_URL`` is set): follow it at
    ``/imports/<id>/undo/status``. 409 as the plan's refusals; 503 (``queue_unavailable``) when
    Redis cannot be reached (nothing was undone; ask again later).
    """
    state = get_state()
    scope = _scope()
    change = undo.request(scope, import_id)
    started = {"import_id": import_id, "change_id": change.id, "status": change.status}
    undo.launch(state, change.id, wait=False)
    return started


@history_blp.route("/imports/<int:import_id>/undo/status", methods=["GET"])
@history_blp.response(200, UndoStatusSchema)
def undo_status(import_id):
    """Get the status of an import's undo

    ``status`` is null when no undo was asked for, then queued, running, finished or failed (ask
    again: it resumes); ``summary`` counts what it changed so far, ``conflicts`` lists what it
    kept because somebody changed it after the import.
    """
    scope = _scope()
    scope.require("view")
    return undo.status(scope, import_id)
