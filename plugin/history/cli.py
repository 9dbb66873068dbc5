"""The history commands of ``flask segments``: ``history``, ``undo-import``, ``deleted``,
``restore`` and ``purge`` (registered on the group of :mod:`contact_segments.cli`).

``history`` prints a contact's history or a segment's activity; ``undo-import`` undoes an import
(asking first unless ``--yes``), to its end in this process or queued on RQ (``--enqueue``);
``deleted`` and ``restore`` list and bring back recently deleted segments; ``purge`` applies the
retention windows to every account (a host runs it daily). Refusals are one line on stderr with
exit status 1 (see :mod:`contact_segments.cli_group`).
"""

import json

import click
from flask import current_app
from flask.cli import with_appcontext

from .. import segments
from ..actor import Actor
from ..cli_group import ID, OneLineCommand, account_command, find_segment, segments_cli
from ..errors import InvalidInput, NotFound
from ..imports.models import Import
from ..imports.queue import redis_url
from . import deleted, queries, undo


def _emit(as_json, data, text):
    """Print ``data`` as one JSON document, or ``text`` for people."""
    click.echo(json.dumps(data, ensure_ascii=False) if as_json else text)


def _when(at):
    """A moment as ``2026-12-02 14:03`` (UTC), or blanks when unknown."""
    return at.strftime("%Y-%m-%d %H:%M") if at is not None else " " * 16


def _how(entry, action):
    """How a change was made, for people: ``(import of customers.csv)``, ``(via api)``..."""
    if entry.import_filename is not None and action == "import_undo":
        return f" (undo of the import of {entry.import_filename})"
    if entry.import_filename is not None:
        return f" (import of {entry.import_filename})"
    if entry.actor is not None:
        return f" (via {entry.actor.via})"
    return ""


def _who(entry):
    if entry.actor is None:
        return ""
    return f"  by {entry.actor.name or 'the system'}"


def contact_line(entry):
    """One line of a contact's history (a :class:`~.queries.ContactEntry`) for people."""
    what = {queries.ADDED: f"added to {entry.segment_name}",
            queries.REMOVED: f"removed from {entry.segment_name}",
            queries.SEGMENT_GONE: f"segment {entry.segment_name} deleted"}[entry.event]
    if entry.segment_state != "live" and entry.event != queries.SEGMENT_GONE:
        what += f" ({entry.segment_state})"
    return f"{_when(entry.at)}  {what}{_who(entry)}{_how(entry, entry.change_action)}"


def activity_line(entry):
    """One line of a segment's activity (a :class:`~.queries.ActivityEntry`) for people."""
    counts = f"+{entry.added} -{entry.removed}"
    return (f"{_when(entry.at)}  {entry.action.replace('_', ' ')} {counts}  \"{entry.segment_name}\""
            f"{_who(entry)}{_how(entry, entry.action)}  [change {entry.change_id}]")


def _segment_id(scope, name_or_id):
    """The id of the account's segment ``name_or_id``: a live one, else a deleted one (kept for
    restoring), else the number itself (the service says when it is nobody's)."""
    try:
        return find_segment(scope, name_or_id).id
    except NotFound as not_found:
        try:
            return deleted.find_deleted(scope, name_or_id).id
        except NotFound:
            text = str(name_or_id).strip()
            if text.isascii() and text.isdigit():
                return int(text)
            raise not_found from None


@account_command("history")
@click.option("--contact", "contact_id", type=ID, help="The contact whose history to show.")
@click.option("--segment", "segment", metavar="NAME_OR_ID",
              help="The segment (live or recently deleted) whose activity to show.")
@click.option("--limit", type=click.IntRange(1, queries.MAX_LIMIT), default=None,
              help="At most N entries (default: 50 for a contact, 20 for a segment).")
@click.option("--before", "before_change_id", type=ID, default=None,
              help="With --segment: only changes older than this change id (the next page).")
def history_command(scope, as_json, contact_id, segment, limit, before_change_id):
    """Show a contact's history (--contact ID) or a segment's activity (--segment NAME_OR_ID),
    newest first: who added or removed what, how and when."""
    if (contact_id is None) == (segment is None):
        raise click.UsageError("Give either --contact ID or --segment NAME_OR_ID.")
    if before_change_id is not None and segment is None:
        raise click.UsageError("--before only goes with --segment.")
    if contact_id is not None:
        entries = queries.contact_history(scope, contact_id, limit=limit or 50)
        lines = [contact_line(entry) for entry in entries]
        empty = f"Contact {contact_id} has no history yet."
    else:
        segment_id = _segment_id(scope, segment)
        entries = queries.segment_activity(scope, segment_id, before_change_id=before_change_id,
                                           limit=limit or 20)
        lines = [activity_line(entry) for entry in entries]
        empty = f"Segment {segment_id} has no activity" + (" before that change." if before_change_id else " yet.")
    _emit(as_json, [entry.to_dict() for entry in entries], "\n".join(lines) if lines else empty)


# ---------------------------------------------------------------- undoing an import


def plan_text(plan):
    """What undoing an import will do (an :class:`~.undo.UndoPlan`), for people."""
    return (f"Undoing import {plan.import_id} ({plan.filename}) will remove "
            f"{plan.memberships_to_remove} segment memberships it added, put back "
            f"{plan.memberships_to_restore} it removed, restore the fields of "
            f"{plan.contacts_to_restore} contacts it changed and delete {plan.contacts_to_delete} "
            "contacts it created. What somebody changed since the import is kept.")


def undo_text(result):
    """The result of an undo (a :func:`~.undo.status` dict), for people."""
    summary = result["summary"]
    lines = [f"Undid import {result['import_id']}: {summary.get('memberships_removed', 0)} memberships "
             f"removed, {summary.get('memberships_restored', 0)} put back, "
             f"{summary.get('contacts_restored', 0)} contacts' fields restored, "
             f"{summary.get('contacts_deleted', 0)} contacts deleted, {summary.get('conflicts', 0)} "
             "conflicts (kept as changed since)."]
    for conflict in result["conflicts"]:
        lines.append(f"  line {conflict['line']}, contact {conflict['contact_id']}: kept "
                     f"{conflict['item']} {json.dumps(conflict['kept'], ensure_ascii=False)}")
    return "\n".join(lines)


@segments_cli.command("undo-import", cls=OneLineCommand)
@click.argument("import_id", type=ID)
@click.option("--account", "account_id", type=ID, default=None,
              help="The account of the import (default: the import's own).")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@click.option("--enqueue", is_flag=True, help="Queue the undo on RQ instead of running it here.")
@click.option("--json", "as_json", is_flag=True, help="Print machine-readable JSON.")
@with_appcontext
def undo_import_command(import_id, account_id, yes, enqueue, as_json):
    """Undo import IMPORT_ID: remove the memberships it added, put back those it removed, restore
    the contact fields it changed and delete the contacts it created (what somebody changed
    since is kept and listed as a conflict)."""
    state = current_app.extensions["segments"]
    if account_id is None:
        imp = state.db.session.get(Import, import_id)
        if imp is None:
            raise NotFound(f"There is no import with id {import_id}.", code="import_not_found")
        account_id = imp.account_id
    if enqueue and not redis_url(state.config):
        raise InvalidInput("--enqueue needs SEGMENTS_REDIS_URL (RQ); without it, leave --enqueue "
                           "out to run the undo here.")
    scope = state.scope(Actor.system(account_id), via="cli")
    plan = undo.plan(scope, import_id)
    if not yes:
        click.echo(plan_text(plan), err=as_json)
        click.confirm("Undo it?", abort=True, err=True)
    change = undo.request(scope, import_id)
    if enqueue:
        job_id = undo.launch(state, change.id, wait=False)
        _emit(as_json, {"import_id": plan.import_id, "change_id": change.id, "status": "queued", "job_id": job_id},
              f"Undo of import {plan.import_id} queued (change {change.id}, RQ job {job_id}).")
        return
    undo.launch(state, change.id, wait=True)
    result = undo.status(scope, import_id)
    _emit(as_json, result, undo_text(result))


# ---------------------------------------------------------------- deleted segments


@account_command("deleted")
def deleted_command(scope, as_json):
    """List the account's recently deleted segments (restorable for SEGMENTS_DELETED_SEGMENT_DAYS
    days), newest first."""
    items = deleted.list_deleted(scope)
    lines = [f"{'ID':>8}  {'MEMBERS':>9}  {'DELETED':16}  {'RESTORABLE UNTIL':16}  NAME (DELETED BY)"] + [
        f"{item.id:>8}  {item.member_count:>9}  {_when(item.deleted_at)}  {_when(item.restorable_until)}  "
        f"{item.name} ({item.deleted_by or 'the system'})" for item in items]
    _emit(as_json, {"items": [item.to_dict() for item in items]},
          "\n".join(lines) if items else "No recently deleted segments.")


@account_command("restore")
@click.argument("name_or_id")
@click.option("--as", "new_name", default=None, metavar="NEW_NAME",
              help="Restore it under this name (when its own is taken meanwhile).")
def restore_command(scope, as_json, name_or_id, new_name):
    """Restore the recently deleted segment NAME_OR_ID with the members it had."""
    if new_name is not None:  # --as "" is a name to refuse, not the segment's own
        new_name = segments.validate_name(new_name)
    result = deleted.restore(scope, name_or_id, new_name)
    skipped = f"; {result.skipped} contacts forgotten since were skipped" if result.skipped else ""
    _emit(as_json, result.to_dict(),
          f'Restored segment "{result.segment.name}" (id {result.segment.id}) with '
          f"{result.restored} contacts{skipped}.")


@segments_cli.command("purge", cls=OneLineCommand)
@click.option("--json", "as_json", is_flag=True, help="Print machine-readable JSON.")
@with_appcontext
def purge_command(as_json):
    """Apply the retention windows to every account: delete segments deleted more than
    SEGMENTS_DELETED_SEGMENT_DAYS days ago, the before-images of imports older than
    SEGMENTS_UNDO_DAYS and history older than SEGMENTS_HISTORY_DAYS. Run it daily."""
    state = current_app.extensions["segments"]
    result = deleted.purge(state.db.session, state.config)
    _emit(as_json, result.to_dict(),
          f"Purged {result.segments} deleted segments ({result.memberships} memberships), "
          f"{result.changes} history changes ({result.removals} membership removals) and the "
          f"before-images of {result.before_images} import rows.")
