"""The contact import pages: "Create Contact" (the import form at the bottom, as in the help
article), the example file, preview (dry run), the import's progress page with its per-row
report, and the account's import history.

Uploading stores the file and checks it at once (a wrong type, an empty file or a file over the
limit is refused with a message, nothing imported). "Preview" runs a dry run of the stored file
and shows what the import would do; "Import Contacts" starts the import: the user is notified
(top-right) that it is queued, the page's progress bar follows it, and a second notification
says when it is done, with the counts and a link to the report.

A queued import that waits for a worker says why (an admin sees that no worker runs, and the
command that starts one); an import whose worker died says it is recovering while another worker
takes it over, and offers "Resume", on its page and in the history, when no worker can (stalled).
"""

from datetime import timedelta

from flask import Response, jsonify, redirect, request, stream_with_context, url_for
from flask_babel import format_datetime, format_timedelta

from contact_segments import messages
from contact_segments.errors import SegmentsError
from contact_segments.history import undo
from contact_segments.imports import liveness, service
from contact_segments.imports.models import ENDED, UPLOADED
from contact_segments.imports.notices import counts_phrase

from . import example_files
from .ui_common import current_scope, int_or_none, redisplays, render, say
from .ui_contacts import permissions_of
from .ui_i18n import _, label_of, megabytes, ngettext, number, page_words, refresh_locale
from .ui_messages import describe
from .ui_row_issues import column_label, error_text, issue_text
from .ui_undo import undo_panel


FIRST_ISSUES = 10
HISTORY_SIZE = 20

STATUS_LABELS = {
    "uploaded": lambda: _("Uploaded"),
    "queued": lambda: _("Waiting to start"),
    "running": lambda: _("Running"),
    "finished": lambda: _("Finished"),
    "failed": lambda: _("Failed"),
    "refused": lambda: _("Refused"),
}


def status_label(status):
    """The translated name of an import status."""
    return label_of(STATUS_LABELS, status)


def import_label(imp):
    """The translated status of ``imp``: "Stalled" when it stopped moving, "Recovering" while
    another worker takes it over, else its status."""
    found = liveness.condition(imp, current_scope().state)
    if found == liveness.STALLED:
        return _("Stalled")
    if found == liveness.RECOVERING:
        return _("Recovering")
    return status_label(imp.status)


def can_resume(imp):
    """True when the current user is offered "Resume" for ``imp`` (failed or stalled)."""
    return service.can_resume(current_scope(), imp)


def max_megabytes(config):
    """``SEGMENTS_IMPORT_MAX_FILE_BYTES`` in MB (see :func:`~.ui_i18n.megabytes`)."""
    return megabytes(config["SEGMENTS_IMPORT_MAX_FILE_BYTES"])


def refusal_text(error):
    """Why an upload or an action on an import was refused, in the user's language."""
    return describe(error, actor=current_scope().actor, action="import", what="import")


def counts_text(imp):
    """The counts of an ended import as one sentence."""
    return messages.render("import_counts", counts_phrase(imp)["params"], page_words())


def was_undone(imp):
    """True when the undo of ``imp`` has finished (the history table marks it "undone")."""
    if imp.undo_change_id is None:
        return False
    undo_change = undo.undo_of(current_scope().session, imp)
    return undo_change is not None and undo_change.status == undo.UNDO_FINISHED


def _history_helpers():
    """What the import history table needs besides the imports."""
    return {"import_label": import_label, "can_resume": can_resume, "was_undone": was_undone}


def _render_create(scope, error=None, status=200, saved=None):
    return render("segments/create_contact.html", status=status, can=permissions_of(scope),
                  replace=request.form.get("replace") == "1", error=error, saved=saved,
                  history=service.list_imports(scope, limit=5) if permissions_of(scope)["import"] else [],
                  max_mb=max_megabytes(scope.state.config), **_history_helpers())


def create_contact():
    """``GET /contacts/new``: the "Create Contact" page; scroll down for the bulk import."""
    scope = current_scope()
    scope.require("view")
    return _render_create(scope)


def example_file(kind):
    """``GET /import/example.csv`` or ``.xlsx``: the template with its header and one sample row,
    in the page's language, naming the account's segments (see :mod:`.example_files`)."""
    scope = current_scope()
    scope.require("view")
    body, mimetype = example_files.example_file(scope, kind)
    return Response(body, mimetype=mimetype, headers={
        "Content-Disposition": f'attachment; filename="contacts-import-example.{kind}"'})


class _NoFile(SegmentsError):
    status = 422
    code = "no_file"


def upload():
    """``POST /imports``: store and check the file, then preview it (dry run) or import it. A
    "Replace existing segment data" import is previewed first: its page says what it would remove
    and imports on the user's confirmation."""
    scope = current_scope()
    upload_file = request.files.get("file")
    replace = request.form.get("replace") == "1"
    imp = None
    try:
        if upload_file is None or not upload_file.filename:
            raise _NoFile("Choose a file first.")
        imp = service.create_import(scope, upload_file.stream, upload_file.filename, replace=replace)
        # A Replace import first shows what it would remove, and starts when the user confirms.
        if request.form.get("action") == "preview" or replace:
            preview = service.dry_run(scope, imp.id)
            return redirect(url_for(".import_detail", import_id=preview.id, source=imp.id))
        service.start(scope, imp.id)
    except SegmentsError as error:
        saved = imp if imp is not None and imp.status == UPLOADED else None
        return _render_create(scope, error=refusal_text(error), status=error.status, saved=saved)
    return redirect(url_for(".import_detail", import_id=imp.id))


@redisplays("segments.upload")
def _upload_again(form, message):
    return _render_create(current_scope(), error=message, status=400)


def refused_request_page(error):
    """The page answering a request refused before its view ran (see
    :mod:`~contact_segments.blueprints.request_limits`): over the size limit, or malformed."""
    refresh_locale()
    if error.status == 413:
        message = messages.render("file_too_large", {"size": messages.size(error.largest_file)},
                                  page_words())
    else:
        message = _("The request could not be read: it was cut short or is not a well-formed form. "
                    "Nothing was changed: go back and send it again.")
    return render("segments/error.html", status=error.status, message=message,
                  status_code=error.status)


def start_import(import_id):
    """``POST /imports/<id>/start``: import a file that was previewed."""
    scope = current_scope()
    service.get_import(scope, import_id)  # 404 when the account has no such import
    try:
        service.start(scope, import_id)
    except SegmentsError as error:
        say(refusal_text(error), "error")
    return redirect(url_for(".import_detail", import_id=import_id))


def resume_import(import_id):
    """``POST /imports/<id>/resume``: continue a failed or stalled import from its checkpoint."""
    scope = current_scope()
    service.get_import(scope, import_id)  # 404 when the account has no such import
    try:
        service.resume(scope, import_id)
        say(_("The import continues from where it stopped."), "success")
    except SegmentsError as error:
        say(refusal_text(error), "error")
    return redirect(url_for(".import_detail", import_id=import_id))


def _previewed_source(scope, imp):
    """The uploaded import a dry run previewed, while it can still be started with the same
    option: the one named by ``?source=`` (the upload form's link), else the one found by
    :func:`service.previewed_upload` (the preview opened from its notification or the history)."""
    if not imp.dry_run:
        return None
    source_id = int_or_none(request.args.get("source"))
    if source_id is None:
        return service.previewed_upload(scope, imp)
    try:
        source = service.get_import(scope, source_id)
    except SegmentsError:
        return None
    if source.status != UPLOADED or source.filename != imp.filename or source.replace != imp.replace:
        return None
    return source


def import_detail(import_id):
    """``GET /imports/<id>``: progress while it runs; counts, first errors, unknown segment
    names and the report link when it has ended."""
    scope = current_scope()
    imp = service.get_import(scope, import_id)
    ended = imp.status in ENDED
    body = service.status(imp, scope)
    return render(
        "segments/import_detail.html", imp=imp, ended=ended, import_label=import_label,
        summary=(service.import_summary(scope, imp.id, max_issues=FIRST_ISSUES, max_lines=FIRST_ISSUES,
                                        with_params=True) if ended else None),
        source=_previewed_source(scope, imp), removal_text=removal_text, counts_text=counts_text,
        issue_text=lambda issue: issue_text(issue, preview=imp.dry_run),
        column_label=column_label, ended_error_text=error_text,
        progress=progress(imp), progress_label=progress_label(imp, body),
        resumable=body["can_resume"], problem=(body["waiting"] or {}).get("problem"),
        status_url=url_for(".import_status", import_id=imp.id), undo=undo_panel(scope, imp),
    )


def removal_text(imp):
    """What a Replace import would remove, from its ended preview ``imp``: "This will remove 1,234
    segment memberships from 567 contacts.", or ``None`` when it removes nothing."""
    removed, losing = imp.memberships_removed, imp.contacts_losing_memberships or 0
    if not removed:
        return None
    contacts = ngettext("%(num)s contact", "%(num)s contacts", losing)
    return ngettext("This will remove %(num)s segment membership from %(contacts)s.",
                    "This will remove %(num)s segment memberships from %(contacts)s.", removed,
                    contacts=contacts)


def progress(imp):
    """``(value, maximum)`` of the progress bar: rows checked plus rows written, out of twice
    the rows of the file (checking and writing are the two halves of an import). ``value`` is
    ``None`` (a bar without an amount) while the import waits to start, as its status and its
    sentence say, even when a resumed import has rows checked already."""
    total = imp.rows_total or 0
    if imp.status in ENDED:
        return (1, 1) if not total else (2 * total, 2 * total)
    if imp.status in ("queued", UPLOADED):
        return None, max(1, 2 * total)
    return min(imp.rows_validated, total) + min(imp.rows_done, total), max(1, 2 * total)


def waiting_text(waiting):
    """Why a queued import has not started (see :func:`liveness.waiting`), in the reader's
    language: the technical reason for an admin, "queued, waiting to start" for others."""
    since = format_datetime(waiting["since"], "short")
    ago = format_timedelta(timedelta(seconds=waiting["seconds"]), threshold=1.1)
    problem = waiting["problem"]
    if waiting["queue"] is not None and problem == liveness.NO_WORKER:
        return _("Waiting for a worker: none is running for queue %(queue)s. Start one with "
                 "“%(command)s”. Queued since %(time)s.", queue=waiting["queue"],
                 command=liveness.worker_command(current_scope().state.config), time=since)
    if waiting["queue"] is not None and problem == liveness.QUEUE_UNREACHABLE:
        return _("Waiting for Redis: it cannot be reached, so no worker can take the import. Check "
                 "SEGMENTS_REDIS_URL and that Redis is running. Queued since %(time)s.", time=since)
    return _("Queued, waiting to start (queued %(ago)s ago, at %(time)s).", ago=ago, time=since)


def stalled_text(imp):
    """What a stalled import's page says."""
    return _("No progress since %(time)s: the import stopped (the process running it may have been "
             "stopped). %(done)s rows are imported; resume it to continue from there.",
             time=format_datetime(liveness.as_utc(imp.updated_at), "short"), done=number(imp.rows_done))


def recovering_text(imp):
    """What the page of an import being taken over by another worker says."""
    return _("Recovering: the worker running this import stopped responding. Another worker is "
             "taking it over and will continue after the %(done)s rows already imported; there "
             "is nothing to do.", done=number(imp.rows_done))


def progress_label(imp, body):
    """The sentence under the progress bar (``body``: :func:`service.status` with the scope)."""
    total = imp.rows_total or 0
    if imp.status in ENDED:
        return ngettext("%(num)s row in the file", "%(num)s rows in the file", total)
    if body["stalled"]:
        return stalled_text(imp)
    if body["recovering"]:
        return recovering_text(imp)
    if body["waiting"]:
        return waiting_text(body["waiting"])
    if imp.status in ("queued", "uploaded"):
        return _("Waiting to start…")
    return ngettext("%(checked)s of %(num)s row checked, %(done)s written",
                    "%(checked)s of %(num)s rows checked, %(done)s written", total,
                    checked=number(min(imp.rows_validated, total)), done=number(imp.rows_done))


def import_status(import_id):
    """``GET /imports/<id>/status.json``: status and progress, for the progress bar."""
    scope = current_scope()
    imp = service.get_import(scope, import_id)
    body = service.status(imp, scope)
    value, maximum = progress(imp)
    body.update(ended=imp.status in ENDED, status_label=import_label(imp),
                progress_label=progress_label(imp, body), progress_value=value, progress_max=maximum)
    return jsonify(body)


def import_report(import_id):
    """``GET /imports/<id>/report.csv``: the per-row report (line, outcome, reason, the row),
    its messages in the user's language (in the conditional for a preview)."""
    scope = current_scope()
    imp = service.get_import(scope, import_id)  # 404 when the account has no such import
    preview = imp.dry_run
    try:
        words = page_words()
        filename, chunks = service.report_csv(scope, import_id,
                                              describe=lambda issue: issue_text(issue, words, preview))
    except SegmentsError as error:
        say(describe(error, actor=scope.actor, action="import", what="import"), "error")
        return redirect(url_for(".import_detail", import_id=import_id))
    return Response(stream_with_context(chunks), mimetype="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def import_history():
    """``GET /imports``: the account's imports, newest first (``?before=<id>`` for older ones)."""
    scope = current_scope()
    before = int_or_none(request.args.get("before"))
    imports = service.list_imports(scope, limit=HISTORY_SIZE + 1, before_id=before)
    older = imports[HISTORY_SIZE - 1].id if len(imports) > HISTORY_SIZE else None
    return render("segments/imports.html", imports=imports[:HISTORY_SIZE],
                  older_url=url_for(".import_history", before=older) if older else None,
                  **_history_helpers())


def register(blueprint):
    """Add the import pages to ``blueprint``."""
    blueprint.add_url_rule("/contacts/new", "create_contact", create_contact)
    blueprint.add_url_rule("/import/example.<any(csv, xlsx):kind>", "example_file", example_file)
    blueprint.add_url_rule("/imports", "upload", upload, methods=["POST"])
    blueprint.add_url_rule("/imports", "import_history", import_history)
    blueprint.add_url_rule("/imports/<int:import_id>", "import_detail", import_detail)
    blueprint.add_url_rule("/imports/<int:import_id>/start", "start_import", start_import, methods=["POST"])
    blueprint.add_url_rule("/imports/<int:import_id>/resume", "resume_import", resume_import, methods=["POST"])
    blueprint.add_url_rule("/imports/<int:import_id>/status.json", "import_status", import_status)
    blueprint.add_url_rule("/imports/<int:import_id>/report.csv", "import_report", import_report)
