"""The sentences of history: undoing an import (its notifications, its counts, why it cannot be
done now) and restoring a deleted segment."""

from .text import N_

HISTORY_MESSAGES = {
    # Notifications (``Notice.kind``)
    "import_undo_queued": N_('Undoing the import of "%(file)s": you will be notified when it is done.'),
    "import_undone": N_('The import of "%(file)s" was undone: %(counts)s'),
    "import_undone.failed": N_(
        'Undoing the import of "%(file)s" stopped because of an error. What was undone so far is '
        "kept; ask for the undo again to finish it."),
    "undo_counts": N_(
        "%(removed)s segment memberships removed, %(restored)s put back, %(fields)s contacts given "
        "their earlier values, %(deleted)s contacts deleted; %(conflicts)s later changes kept."),
    # Why an import cannot be undone now
    "undo_dry_run": N_("Import %(import_id)s was a preview: it changed nothing, so there is nothing to undo."),
    "undo_not_finished": N_("Import %(import_id)s has not finished: only a finished import can be undone."),
    "undo_no_history": N_(
        "Import %(import_id)s was made before imports kept their history, so it cannot be undone."),
    "undo_too_old": N_("Import %(import_id)s is more than %(days)s days old: it can no longer be undone."),
    "undo_done": N_("Import %(import_id)s was already undone."),
    "undo_running": N_("Import %(import_id)s is being undone right now."),
    "undo_account_importing": N_(
        "Import %(running_import_id)s of this account is running: undo import %(import_id)s once it "
        "has ended."),
    # Restoring a deleted segment
    "deleted_segment_not_found": N_(
        "No deleted segment “%(name)s” can be restored: it was never deleted, was restored already, "
        "or was deleted more than %(days)s days ago."),
}
