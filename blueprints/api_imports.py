"""The JSON API of bulk imports (flask-smorest), nested in the segments API under ``/imports``.

Upload a file (multipart), start it or run a dry run of it, resume it when it stopped, follow its
progress (and why it waits, when no worker takes it), read its
summary, download its per-row report (CSV), list the account's imports, and download the example
file (CSV or .xlsx). Every endpoint acts for the current actor (hook ``segments_current_actor``),
needs the ``import`` permission and sees only the actor's account: another account's import is a
404. Errors are the segments API's JSON errors (its handlers cover this nested blueprint).
"""

import marshmallow as ma
from flask import Response, stream_with_context
from flask_smorest import Blueprint
from flask_smorest.fields import Upload
from webargs.flaskparser import FlaskParser
from werkzeug.datastructures import CombinedMultiDict

from ..errors import InvalidInput, NotFound
from ..extension import get_state
from ..imports import service
from . import example_files
from .example_files import XLSX_TYPE
from .schemas import MAX_ID

class MultipartParser(FlaskParser):
    """webargs' Flask parser whose ``files`` location holds a multipart form's fields as well as
    its files, so one schema (and one OpenAPI ``multipart/form-data`` request body) describes
    the whole upload."""

    def load_files(self, req, schema):
        """Return the form fields and the files of the request as one MultiDictProxy."""
        return self._makeproxy(CombinedMultiDict([req.form, req.files]), schema)


class ImportsBlueprint(Blueprint):
    """A flask-smorest Blueprint parsing ``files`` arguments with :class:`MultipartParser`."""

    ARGUMENTS_PARSER = MultipartParser()


imports_blp = ImportsBlueprint(
    "segments_imports_api", __name__,
    description="Bulk contact imports of the signed-in user's account: upload a CSV or .xlsx "
                "file, preview it with a dry run, start it, follow its progress, read its "
                "summary and download the per-row report.",
)


# ---------------------------------------------------------------- schemas


class UploadSchema(ma.Schema):
    """The upload (multipart form): the file and its option."""

    file = Upload(required=True, metadata={"description": "The CSV (.csv, .txt) or Excel (.xlsx) file."})
    replace = ma.fields.Boolean(load_default=False, metadata={
        "description": "Replace existing segment data: each imported contact gets exactly the "
                       "segments of its row (else the row's segments are added)."})


class DryRunSchema(ma.Schema):
    """Options of a dry run."""

    replace = ma.fields.Boolean(load_default=None, allow_none=True, metadata={
        "description": "Override the upload's replace option for this dry run."})


class HistoryArgsSchema(ma.Schema):
    """Paging of the import history."""

    limit = ma.fields.Integer(load_default=20, validate=ma.validate.Range(min=1, max=200))
    before_id = ma.fields.Integer(load_default=None, validate=ma.validate.Range(min=1, max=MAX_ID))


class TemplateArgsSchema(ma.Schema):
    """The language of the example file."""

    lang = ma.fields.String(load_default="en", validate=ma.validate.OneOf(example_files.LANGUAGES), metadata={
        "description": "The example's language: its headers, its cell separator (\",\" in en, "
                       "\";\" in the others, as their Excel expects), its sample row (a contact of "
                       "that country) and, in the .xlsx, its Instructions sheet."})


class SummaryArgsSchema(ma.Schema):
    """How many errors and warnings a summary lists."""

    max_issues = ma.fields.Integer(load_default=1000, validate=ma.validate.Range(min=0, max=100_000))


class ProblemSchema(ma.Schema):
    """Why a file was refused or an import failed."""

    code = ma.fields.String()
    message = ma.fields.String()


class ImportCountsSchema(ma.Schema):
    """What an import has done so far: the file as read and its counts."""

    id = ma.fields.Integer()
    filename = ma.fields.String()
    status = ma.fields.String(metadata={
        "description": "uploaded, queued, running, finished, failed or refused"})
    dry_run = ma.fields.Boolean()
    replace = ma.fields.Boolean()
    rows_done = ma.fields.Integer(metadata={"description": "Rows applied (committed) so far."})
    created = ma.fields.Integer()
    updated = ma.fields.Integer()
    unchanged = ma.fields.Integer()
    failed = ma.fields.Integer()
    warned = ma.fields.Integer(metadata={"description": "Rows with at least one warning."})
    memberships_added = ma.fields.Integer()
    memberships_removed = ma.fields.Integer()
    encoding = ma.fields.String(allow_none=True)
    delimiter = ma.fields.String(allow_none=True)
    error = ma.fields.Nested(ProblemSchema, allow_none=True)


class WaitingSchema(ma.Schema):
    """Why a queued import has not started yet (imports on RQ only)."""

    since = ma.fields.DateTime(metadata={"description": "When it was queued."})
    seconds = ma.fields.Integer(metadata={"description": "How long it has been waiting."})
    problem = ma.fields.String(allow_none=True, metadata={
        "description": "no_worker (no RQ worker listens on the queue), queue_unreachable (Redis "
                       "does not answer), or null (workers run; it waits its turn)."})
    message = ma.fields.String(metadata={
        "description": "The reason for people: technical (with the command that starts a worker) "
                       "for an admin, 'Queued, waiting to start' with the time for other roles."})
    queue = ma.fields.String(allow_none=True, metadata={"description": "The queue (admins only)."})
    workers = ma.fields.Integer(allow_none=True, metadata={
        "description": "Workers listening on the queue (admins only)."})


class ImportStatusSchema(ImportCountsSchema):
    """An import's status, progress and counts."""

    rows_total = ma.fields.Integer()
    rows_validated = ma.fields.Integer()
    percent = ma.fields.Float()
    created_at = ma.fields.DateTime()
    started_at = ma.fields.DateTime(allow_none=True)
    finished_at = ma.fields.DateTime(allow_none=True)
    updated_at = ma.fields.DateTime(metadata={
        "description": "Last sign of life: every committed batch touches it."})
    recovering = ma.fields.Boolean(metadata={
        "description": "Running, but the worker carrying it stopped renewing its lease "
                       "(SEGMENTS_IMPORT_LEASE_SECONDS): a live worker takes it over within "
                       "seconds and it continues from its checkpoint by itself."})
    stalled = ma.fields.Boolean(metadata={
        "description": "Running (or queued in-process) and its worker stopped, with no live "
                       "worker to take it over (or still not taken over after "
                       "SEGMENTS_IMPORT_STALE_AFTER seconds). Resume it."})
    can_resume = ma.fields.Boolean(metadata={
        "description": "Failed or stalled: POST /imports/<id>/resume continues it."})
    waiting = ma.fields.Nested(WaitingSchema, allow_none=True, metadata={
        "description": "While queued on RQ: why it has not started."})


class ImportListSchema(ma.Schema):
    """A page of the account's imports, newest first."""

    items = ma.fields.List(ma.fields.Nested(ImportStatusSchema))
    next_before_id = ma.fields.Integer(allow_none=True)


class IssueSchema(ma.Schema):
    """An error or warning of one row."""

    line = ma.fields.Integer(metadata={"description": "As a spreadsheet shows it (header = 1)."})
    column = ma.fields.String(allow_none=True)
    code = ma.fields.String()
    message = ma.fields.String(metadata={
        "description": "In English; in the conditional for a dry run (\"the rows would be merged\")."})


class UnknownSegmentSchema(ma.Schema):
    """A segment name of the file that matches no segment (it was not created)."""

    name = ma.fields.String()
    lines = ma.fields.List(ma.fields.Integer())
    lines_total = ma.fields.Integer(metadata={"description": "How many lines use the name."})
    suggestion = ma.fields.String(allow_none=True, metadata={"description": "The closest existing name."})


class ImportSummarySchema(ImportCountsSchema):
    """What an import did (or, for a dry run, would do)."""

    rows = ma.fields.Integer()
    errors = ma.fields.List(ma.fields.Nested(IssueSchema))
    warnings = ma.fields.List(ma.fields.Nested(IssueSchema))
    errors_total = ma.fields.Integer()
    warnings_total = ma.fields.Integer()
    unknown_segments = ma.fields.List(ma.fields.Nested(UnknownSegmentSchema))
    error = ma.fields.Nested(ProblemSchema, allow_none=True)


# ---------------------------------------------------------------- helpers


def _scope():
    state = get_state()
    return state.scope(state.current_actor(), via="api")


@imports_blp.url_value_preprocessor
def _id_in_range(endpoint, values):
    """An import id beyond the database's range is no import of this account: 404."""
    if (values or {}).get("import_id", 0) > MAX_ID:
        raise NotFound(f"There is no import with id {values['import_id']} in this account.")


def _download(body, mimetype, filename):
    return Response(body, mimetype=mimetype,
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


# ---------------------------------------------------------------- endpoints


@imports_blp.route("", methods=["POST"])
@imports_blp.arguments(UploadSchema, location="files")
@imports_blp.response(201, ImportStatusSchema)
def upload(form):
    """Upload a file to import

    Multipart form: ``file`` (.csv, .txt or .xlsx) and ``replace`` (true/false). The file is
    stored and checked at once: a file that cannot be imported (wrong type, empty, over a limit,
    a required column missing) is refused with 422 and a message saying how to fix it. The
    upload then waits: start it (``/start``) or preview it (``/dry-run``).
    """
    upload_file = form["file"]
    if not upload_file.filename:
        raise InvalidInput("Choose a file to upload (multipart field 'file').", field="file")
    scope = _scope()
    imp = service.create_import(scope, upload_file.stream, upload_file.filename,
                                replace=form["replace"])
    return service.status(imp, scope)


@imports_blp.route("", methods=["GET"])
@imports_blp.arguments(HistoryArgsSchema, location="query")
@imports_blp.response(200, ImportListSchema)
def history(args):
    """List the account's imports, newest first

    Keyset paging: pass ``next_before_id`` of a page as ``before_id`` to get the next one.
    """
    scope = _scope()
    items = service.list_imports(scope, limit=args["limit"], before_id=args["before_id"])
    return {"items": [service.status(imp, scope) for imp in items],
            "next_before_id": items[-1].id if len(items) == args["limit"] else None}


def _example(kind, lang):
    scope = _scope()
    scope.require("import")
    body, _ = example_files.example_file(scope, kind, lang)
    return body


@imports_blp.route("/template.csv", methods=["GET"])
@imports_blp.arguments(TemplateArgsSchema, location="query")
@imports_blp.response(200, description="The example file, CSV (UTF-8).",
                      content_type="text/csv")
def template_as_csv(args):
    """Download the example file (CSV)

    The template's header and one sample row (naming two of the account's segments when it has
    some), in English unless ``lang`` names another language.
    """
    return _download(_example("csv", args["lang"]), "text/csv", "contacts-example.csv")


@imports_blp.route("/template.xlsx", methods=["GET"])
@imports_blp.arguments(TemplateArgsSchema, location="query")
@imports_blp.response(200, description="The example file, Excel workbook.", content_type=XLSX_TYPE)
def template_as_xlsx(args):
    """Download the example file (.xlsx)

    The template's header and one sample row, and an Instructions sheet with the rules, in
    English unless ``lang`` names another language.
    """
    return _download(_example("xlsx", args["lang"]), XLSX_TYPE, "contacts-example.xlsx")


@imports_blp.route("/<int:import_id>", methods=["GET"])
@imports_blp.response(200, ImportStatusSchema)
def import_status(import_id):
    """Get an import's status and progress

    ``rows_done`` of ``rows_total`` rows are applied; ``rows_validated`` are checked. While it is
    queued on RQ, ``waiting`` says why it has not started (no worker on the queue, Redis not
    reachable, or waiting its turn); ``stalled`` and ``can_resume`` say when it stopped.
    """
    scope = _scope()
    return service.status(service.get_import(scope, import_id), scope)


@imports_blp.route("/<int:import_id>/start", methods=["POST"])
@imports_blp.response(202, ImportStatusSchema)
def start(import_id):
    """Start an uploaded import

    The import is queued (the user is notified: "You will be notified when your bulk import is
    ready") and runs in the background; a second notification says when it is done. 409 if it
    was already started; 503 (``queue_unavailable``) when Redis cannot be reached: the import
    stays uploaded, start it again later.
    """
    scope = _scope()
    return service.status(service.start(scope, import_id), scope)


@imports_blp.route("/<int:import_id>/resume", methods=["POST"])
@imports_blp.response(202, ImportStatusSchema)
def resume(import_id):
    """Resume a failed or stalled import

    Continues from its checkpoint: rows already imported are not imported again. 409
    (``not_resumable``) when it is not stopped, or (``file_removed``) when its file was removed
    by the clean-up; 503 (``queue_unavailable``) when Redis cannot be reached.
    """
    scope = _scope()
    return service.status(service.resume(scope, import_id), scope)


@imports_blp.route("/<int:import_id>/dry-run", methods=["POST"])
@imports_blp.arguments(DryRunSchema, required=False)
@imports_blp.response(202, ImportStatusSchema)
def dry_run(options, import_id):
    """Preview an uploaded import (dry run)

    Starts a dry run of the uploaded file: a new import (its id is in the answer) that validates
    and matches every row and reports what would be created, updated, unchanged or failed and
    the memberships that would be added or removed, changing nothing. The upload stays ready to
    start.
    """
    replace = (options or {}).get("replace")
    scope = _scope()
    return service.status(service.dry_run(scope, import_id, replace=replace), scope)


@imports_blp.route("/<int:import_id>/summary", methods=["GET"])
@imports_blp.arguments(SummaryArgsSchema, location="query")
@imports_blp.response(200, ImportSummarySchema)
def summary(args, import_id):
    """Get an import's summary

    Counts, the rows' errors and warnings (at most ``max_issues`` of each; ``errors_total`` and
    ``warnings_total`` count all), and each unknown segment name with its lines and the closest
    existing name.
    """
    return service.import_summary(_scope(), import_id, max_issues=args["max_issues"])


@imports_blp.route("/<int:import_id>/report.csv", methods=["GET"])
@imports_blp.response(200, description="The per-row report (CSV).", content_type="text/csv")
def report(import_id):
    """Download an import's per-row report (CSV)

    One row per data row of the file: Line, Outcome (created, updated, unchanged, failed, or
    pending while the import runs), Codes, Messages, then the row's cells as read. Cells a
    spreadsheet would run as a formula are neutralized.
    """
    filename, pieces = service.report_csv(_scope(), import_id)
    return _download(stream_with_context(pieces), "text/csv", filename)
