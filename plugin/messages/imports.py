"""The sentences about an import as a whole: the notifications of its user (``Notice`` kinds),
its counts, why it stopped, and the refusals of the import pages' actions.
"""

from .text import N_

IMPORT_MESSAGES = {
    # Notifications (``Notice.kind``; the variant follows the import: preview, refused, stopped)
    "import_queued": N_("You will be notified when your bulk import is ready."),
    "import_queued.preview": N_(
        "Your preview is being prepared: you will be notified when it is ready. A preview "
        "changes nothing."),
    "import_finished": N_('Your bulk import of "%(file)s" is ready: %(counts)s'),
    "import_finished.preview": N_(
        'The preview of "%(file)s" is ready; nothing was changed. The import would give: %(counts)s'),
    "import_finished.refused": N_('Your bulk import of "%(file)s" was refused: %(reason)s'),
    "import_finished.stopped": N_('Your bulk import of "%(file)s" stopped: %(reason)s'),
    "import_counts": N_(
        "%(created)s created, %(updated)s updated, %(unchanged)s unchanged, %(failed)s failed; "
        "%(added)s segment memberships added, %(removed)s removed."),
    # Why an import stopped (``Import.error_code`` of a failed import)
    "internal_error": N_(
        "the import stopped because of an error (%(error)s). The rows imported so far are kept; "
        "ask an administrator to check the log and resume the import."),
    "internal_error.job": N_(
        "the import job failed (%(reason)s). The rows imported so far are kept; ask an "
        "administrator to check the worker's log and resume the import (flask segments "
        "import-resume %(import_id)s)."),
    "upload_expired": N_(
        "The file was not imported within %(days)s days and was removed. Upload it again to "
        "import it."),
    # What the import pages say when an action cannot be done
    "no_file": N_("Choose a file first (drag it onto the box or use “Choose file”)."),
    "queue_unavailable": N_(
        "The import could not be started: the service that runs imports is not reachable right "
        "now. Your file is saved: start it again in a few minutes from its page, or tell your "
        "administrator."),
    "not_resumable": N_("This import is not stopped, so there is nothing to resume."),
    "file_removed": N_(
        "This import cannot be resumed: its file was removed because it is old. Upload the file "
        "again; contacts already imported are updated, not duplicated."),
}
