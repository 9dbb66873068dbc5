"""How the history pages word what happened, in the reader's language: who made a change, how
(dashboard, API, command line, host app, import) and when; a line of a contact's history; a line
of a segment's activity; what undoing an import will do and what it kept.
"""

from flask_babel import format_datetime

from .ui_i18n import _, label_of, ngettext, number

VIA_LABELS = {
    "page": lambda: _("on the dashboard"),
    "api": lambda: _("through the API"),
    "cli": lambda: _("from the command line"),
    "host": lambda: _("by the host app"),
    "import": lambda: _("by an import"),
}

UNDO_STATUS_LABELS = {
    "queued": lambda: _("Undo waiting to start"),
    "running": lambda: _("Undo running"),
    "finished": lambda: _("Import undone"),
    "failed": lambda: _("Undo failed"),
}

FIELD_LABELS = {
    "first_name": lambda: _("First name"),
    "last_name": lambda: _("Last name"),
    "mobile": lambda: _("Mobile"),
    "email": lambda: _("Email"),
    "country_code": lambda: _("Country code"),
    "account_number": lambda: _("Account number"),
    "organization": lambda: _("Organization"),
    "external_id": lambda: _("External ID"),
}


def who(actor):
    """Who made a change: the user's name, "the system" (no user and no name), or "user 12"."""
    if actor is None:
        return _("someone")
    if actor.user_id is None and actor.name in ("", "system"):
        return _("the system")
    return actor.name or _("user %(id)s", id=actor.user_id)


def how(via):
    """How a change was asked for ("on the dashboard", "through the API", ...)."""
    return label_of(VIA_LABELS, via)


def when(moment):
    """When a change was made, written the page language's short way (empty when unknown)."""
    return format_datetime(moment, "short") if moment is not None else ""


def contact_entry_text(entry):
    """What a line of a contact's history says happened, and by whom: 'Added to “VIP” by
    Morgan Manager', 'Removed from “North” by the system', '“VIP” was deleted by Alex Admin'."""
    name = entry.segment_name
    if entry.actor is None:
        if entry.event == "added":
            return _("Added to “%(segment)s”", segment=name)
        if entry.event == "removed":
            return _("Removed from “%(segment)s”", segment=name)
        return _("“%(segment)s” was deleted", segment=name)
    by = who(entry.actor)
    if entry.event == "added":
        return _("Added to “%(segment)s” by %(who)s", segment=name, who=by)
    if entry.event == "removed":
        return _("Removed from “%(segment)s” by %(who)s", segment=name, who=by)
    return _("“%(segment)s” was deleted by %(who)s", segment=name, who=by)


def contact_entry_context(entry):
    """How a line of a contact's history came about: "import of “customers.csv”", "undo of the
    import of “customers.csv”", "when the segment was created", or how it was asked for."""
    action, filename = entry.change_action, entry.import_filename or ""
    if action == "import":
        return _("import of “%(file)s”", file=filename)
    if action == "import_undo":
        return _("undo of the import of “%(file)s”", file=filename)
    if action == "segment_created":
        return _("when the segment was created, %(how)s", how=how(entry.actor.via))
    if action == "segment_restored":
        return _("when the segment was restored, %(how)s", how=how(entry.actor.via))
    if action == "contacts_forgotten":
        return _("the contact was deleted in the host app")
    return how(entry.actor.via) if entry.actor is not None else ""


def activity_text(entry):
    """What one change did to a segment (a line of its activity)."""
    action, added, removed = entry.action, entry.added, entry.removed
    params = entry.params or {}
    filename = entry.import_filename or params.get("filename") or ""
    if action == "segment_created":
        return ngettext("Created with %(num)s contact", "Created with %(num)s contacts", added)
    if action == "segment_renamed":
        return _("Renamed from “%(old)s” to “%(new)s”", old=params.get("old_name", ""),
                 new=params.get("new_name", entry.segment_name))
    if action == "members_added":
        return ngettext("%(num)s contact added", "%(num)s contacts added", added)
    if action == "members_removed":
        return ngettext("%(num)s contact removed", "%(num)s contacts removed", removed)
    if action == "segment_deleted":
        return ngettext("Deleted: %(num)s contact lost it", "Deleted: %(num)s contacts lost it", removed)
    if action == "segment_restored":
        return ngettext("Restored with %(num)s contact", "Restored with %(num)s contacts", added)
    if action == "contacts_forgotten":
        return ngettext("%(num)s contact deleted in the host app left it",
                        "%(num)s contacts deleted in the host app left it", removed)
    if action == "import":
        return _("Import of “%(file)s”: %(added)s added, %(removed)s removed", file=filename,
                 added=number(added), removed=number(removed))
    if action == "import_undo":
        return _("Undo of the import of “%(file)s”: %(added)s put back, %(removed)s removed",
                 file=filename, added=number(added), removed=number(removed))
    return action


def undo_plan_text(plan):
    """What undoing an import will do (its :class:`~contact_segments.history.undo.UndoPlan`)."""
    return " ".join((
        _("This removes %(removed)s segment memberships, puts back %(restored)s, gives %(fields)s "
          "contacts their earlier values and deletes %(deleted)s contacts created by this import.",
          removed=number(plan.memberships_to_remove), restored=number(plan.memberships_to_restore),
          fields=number(plan.contacts_to_restore), deleted=number(plan.contacts_to_delete)),
        _("Changes made since by others are kept."),
    ))


def undo_status_label(status):
    """The translated state of an undo (queued, running, finished, failed)."""
    return label_of(UNDO_STATUS_LABELS, status)


def conflict_text(conflict):
    """What an undo kept of a later change (a conflict: ``item`` and ``kept``)."""
    item, kept = conflict.get("item") or "", conflict.get("kept") or {}
    if item.startswith("field:"):
        field = item.split(":", 1)[1]
        return _("%(field)s kept as “%(value)s”: it was changed since by someone else",
                 field=label_of(FIELD_LABELS, field), value=kept.get("value") or "")
    if item.startswith("segment:"):
        return _("Not put back in “%(segment)s”: removed from it since by someone else",
                 segment=kept.get("segment") or item.split(":", 1)[1])
    if kept.get("reason") == "in_use":
        return _("Contact kept: the host app still uses it")
    return _("Contact kept: it was changed since by someone else")


def restored_text(result):
    """The notice after a restore: 'Restored “VIP” with 2 members (1 contact deleted since was
    skipped).'"""
    restored = ngettext("Restored “%(name)s” with %(num)s member.", "Restored “%(name)s” with %(num)s members.",
                        result.restored, name=result.segment.name)
    if not result.skipped:
        return restored
    return " ".join((restored, ngettext("(%(num)s contact deleted since was skipped.)",
                                        "(%(num)s contacts deleted since were skipped.)", result.skipped)))
