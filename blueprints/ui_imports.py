"""The contact import pages: "Create Contact" (the import form at the bottom, as in the help
article), the example file, preview (dry run), the import's progress page with its per-row
report, and the account's import history.

Uploading stores the file and checks it at once (a wrong type, an empty file or a file over the
limit is refused with a message, nothing imported). "Preview" runs a dry run of the stored file
and shows what the import would do; "Import Contacts" starts the import: the user is notified
(top-right) that it is queued, the page's progress bar follows it, and a second notification
says when it is done, with the counts and a link to the report.
"""

from flask import Response, jsonify, redirect, request, stream_with_context, url_for

from contact_segments.errors import SegmentsError
from contact_segments.imports import service
from contact_segments.imports.models import ENDED, UPLOADED
from contact_segments.imports.template import template_csv, template_xlsx

from .ui_common import current_scope, int_or_none, redisplays, render, say
from .ui_contacts import permissions_of
from .ui_i18n import _, ngettext
from .ui_messages import describe



def N_(message):  # noqa: N802 - the usual name of a gettext no-op marker
    """Mark ``message`` for the catalog without translating it here."""
    return message


#: Stored by the import service in English; shown translated (it is in the catalog).
QUEUED_NOTICE = N_("You will be notified when your bulk import is ready.")

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
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
    label = STATUS_LABELS.get(status)
    return label() if label else status


def max_megabytes(config):
    """``SEGMENTS_IMPORT_MAX_FILE_BYTES`` in MB, as people write it ("50", "0.3")."""
    return f"{round(config['SEGMENTS_IMPORT_MAX_FILE_BYTES'] / (1024 * 1024), 1):g}"


def refusal_text(error):
    """A refused file's reason in the user's language (the reader's own message otherwise)."""
    config = current_scope().state.config
    code = error.code
    if code in ("empty_file", "no_rows"):
        return _("The file is empty: it needs the header row and at least one contact. "
                 "Download the Example file to see the columns.")
    if code in ("unsupported_file_type", "not_a_spreadsheet"):
        return _("This is not a CSV or Excel (.xlsx) file. Save your spreadsheet as "
                 "“CSV UTF-8” or “Excel Workbook (.xlsx)” and upload it again.")
    if code == "file_too_large":
        return _("The file is larger than the limit of %(mb)s MB. Split it into smaller files "
                 "(keep the header row in each) and import them one after the other.",
                 mb=max_megabytes(config))
    if code == "too_many_rows":
        return _("The file has more than %(rows)s rows. Split it into smaller files and import "
                 "them one after the other.", rows=f"{config['SEGMENTS_IMPORT_MAX_ROWS']:,}")
    if code == "no_file":
        return _("Choose a file first (drag it onto the box or use “Choose file”).")
    return describe(error, actor=current_scope().actor, action="import", what="import")


def counts_text(imp):
    """The counts of an ended import as one sentence."""
    return _("%(created)s created, %(updated)s updated, %(unchanged)s unchanged, %(failed)s failed; "
             "%(added)s segment memberships added, %(removed)s removed.",
             created=f"{imp.created:,}", updated=f"{imp.updated:,}", unchanged=f"{imp.unchanged:,}",
             failed=f"{imp.failed:,}", added=f"{imp.memberships_added:,}",
             removed=f"{imp.memberships_removed:,}")


def linked_import_id(link):
    """The import id in a notification's link (``.../imports/<id>/report.csv``), else ``None``."""
    if not link or "/imports/" not in link:
        return None
    return int_or_none(link.rsplit("/imports/", 1)[1].split("/", 1)[0])


def notice_text(scope, kind, link, message):
    """The text of an import notification in the reader's language, rebuilt from the import
    it is about when it can be found; else the stored message (translated when catalogued)."""
    import_id = linked_import_id(link)
    if kind == "import_finished" and import_id is not None:
        try:
            imp = service.get_import(scope, import_id)
        except SegmentsError:
            return _(message)
        if imp.status == "finished":
            if imp.dry_run:
                return _('The preview of "%(file)s" is ready; nothing was changed. The import would give: %(counts)s',
                         file=imp.filename, counts=counts_text(imp))
            return _('Your bulk import of "%(file)s" is ready: %(counts)s', file=imp.filename,
                     counts=counts_text(imp))
    return _(message)


def _render_create(scope, error=None, status=200):
    return render("segments/create_contact.html", status=status, can=permissions_of(scope),
                  replace=request.form.get("replace") == "1", error=error,
                  history=service.list_imports(scope, limit=5) if permissions_of(scope)["import"] else [],
                  status_label=status_label,
                  max_mb=max_megabytes(scope.state.config))


def create_contact():
    """``GET /contacts/new``: the "Create Contact" page; scroll down for the bulk import."""
    scope = current_scope()
    scope.require("view")
    return _render_create(scope)


def example_file(kind):
    """``GET /import/example.csv`` or ``.xlsx``: the template with its header and one example row."""
    current_scope().require("view")
    if kind == "xlsx":
        body, mimetype = template_xlsx(), XLSX_TYPE
    else:
        body, mimetype = template_csv(), "text/csv; charset=utf-8"
    return Response(body, mimetype=mimetype, headers={
        "Content-Disposition": f'attachment; filename="contacts-import-example.{kind}"'})


class _NoFile(SegmentsError):
    status = 422
    code = "no_file"


def upload():
    """``POST /imports``: store and check the file, then preview it (dry run) or import it."""
    scope = current_scope()
    upload_file = request.files.get("file")
    replace = request.form.get("replace") == "1"
    try:
        if upload_file is None or not upload_file.filename:
            raise _NoFile("Choose a file first.")
        imp = service.create_import(scope, upload_file.stream, upload_file.filename, replace=replace)
        if request.form.get("action") == "preview":
            preview = service.dry_run(scope, imp.id)
            return redirect(url_for(".import_detail", import_id=preview.id, source=imp.id))
        service.start(scope, imp.id)
    except SegmentsError as error:
        return _render_create(scope, error=refusal_text(error), status=error.status)
    return redirect(url_for(".import_detail", import_id=imp.id))


@redisplays("segments.upload")
def _upload_again(form, message):
    return _render_create(current_scope(), error=message, status=400)


def start_import(import_id):
    """``POST /imports/<id>/start``: import a file that was previewed."""
    scope = current_scope()
    try:
        service.start(scope, import_id)
    except SegmentsError as error:
        say(refusal_text(error), "error")
    return redirect(url_for(".import_detail", import_id=import_id))


def _previewed_source(scope, imp):
    """The uploaded import a dry run previewed (``?source=``), while it can still be started."""
    source_id = int_or_none(request.args.get("source"))
    if not imp.dry_run or source_id is None:
        return None
    try:
        source = service.get_import(scope, source_id)
    except SegmentsError:
        return None
    if source.status != UPLOADED or source.filename != imp.filename:
        return None
    return source


def import_detail(import_id):
    """``GET /imports/<id>``: progress while it runs; counts, first errors, unknown segment
    names and the report link when it has ended."""
    scope = current_scope()
    imp = service.get_import(scope, import_id)
    ended = imp.status in ENDED
    return render(
        "segments/import_detail.html", imp=imp, ended=ended, status_label=status_label,
        summary=service.import_summary(scope, imp.id, max_issues=FIRST_ISSUES) if ended else None,
        source=_previewed_source(scope, imp), counts_text=counts_text,
        progress=progress(imp), progress_label=progress_label(imp),
        status_url=url_for(".import_status", import_id=imp.id),
    )


def progress(imp):
    """``(value, maximum)`` of the progress bar: rows checked plus rows written, out of twice
    the rows of the file (checking and writing are the two halves of an import)."""
    total = imp.rows_total or 0
    if imp.status in ENDED:
        return (1, 1) if not total else (2 * total, 2 * total)
    return min(imp.rows_validated, total) + min(imp.rows_done, total), max(1, 2 * total)


def progress_label(imp):
    """The sentence under the progress bar."""
    total = imp.rows_total or 0
    if imp.status in ENDED:
        return ngettext("%(num)d row in the file", "%(num)d rows in the file", total)
    if imp.status in ("queued", "uploaded"):
        return _("Waiting to start…")
    return ngettext("%(checked)s of %(num)d row checked, %(done)s written",
                    "%(checked)s of %(num)d rows checked, %(done)s written", total,
                    checked=f"{min(imp.rows_validated, total):,}", done=f"{imp.rows_done:,}")


def import_status(import_id):
    """``GET /imports/<id>/status.json``: status and progress, for the progress bar."""
    scope = current_scope()
    imp = service.get_import(scope, import_id)
    body = service.status(imp)
    value, maximum = progress(imp)
    body.update(ended=imp.status in ENDED, status_label=status_label(imp.status),
                progress_label=progress_label(imp), progress_value=value, progress_max=maximum)
    return jsonify(body)


def import_report(import_id):
    """``GET /imports/<id>/report.csv``: the per-row report (line, outcome, reason, the row)."""
    scope = current_scope()
    try:
        filename, chunks = service.report_csv(scope, import_id)
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
    return render("segments/imports.html", imports=imports[:HISTORY_SIZE], status_label=status_label,
                  older_url=url_for(".import_history", before=older) if older else None)


def register(blueprint):
    """Add the import pages to ``blueprint``."""
    blueprint.add_url_rule("/contacts/new", "create_contact", create_contact)
    blueprint.add_url_rule("/import/example.<any(csv, xlsx):kind>", "example_file", example_file)
    blueprint.add_url_rule("/imports", "upload", upload, methods=["POST"])
    blueprint.add_url_rule("/imports", "import_history", import_history)
    blueprint.add_url_rule("/imports/<int:import_id>", "import_detail", import_detail)
    blueprint.add_url_rule("/imports/<int:import_id>/start", "start_import", start_import, methods=["POST"])
    blueprint.add_url_rule("/imports/<int:import_id>/status.json", "import_status", import_status)
    blueprint.add_url_rule("/imports/<int:import_id>/report.csv", "import_report", import_report)
