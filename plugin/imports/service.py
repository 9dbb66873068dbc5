"""The import operations every interface calls (API, CLI, pages): upload, start, dry run,
resume, status, history, summary and report. Each takes a :class:`~contact_segments.scope.Scope`, checks
the ``import`` permission and sees only the imports of the scope's account (another account's
import is "not found").
"""

import sqlalchemy as sa

from ..errors import Conflict, InvalidInput, NotFound
from ..history import recording
from . import lifecycle
from .columns import check_replace
from .errors import FileRefused
from .launcher import resume_import, start_import
from .liveness import RECOVERING, STALLED, condition, is_stalled, waiting
from .models import FAILED, REFUSED, UPLOADED, Import
from .reading import open_rows
from .report import iter_report_csv, report_filename, summary
from .retention import EXPIRED_CODE, ensure_file_kept
from .runner import limits_from
from .storage import StoredFile, copy_file, store_file

FILENAME_MAX = 255


def _clean_filename(filename):
    name = (filename or "").replace("\\", "/").rsplit("/", 1)[-1].strip()
    if not name:
        raise InvalidInput("The file has no name: upload a .csv or .xlsx file.", field="file")
    if len(name) > FILENAME_MAX:
        stem, dot, extension = name.rpartition(".")
        name = (stem[:FILENAME_MAX - len(extension) - 1] + dot + extension) if dot else name[:FILENAME_MAX]
    return name


def create_import(scope, stream, filename, *, replace=False, dry_run=False, check=True):
    """Store an uploaded file as a new import of the scope's account; return the :class:`Import`.

    ``stream`` is a binary file object (for example a Werkzeug upload's ``.stream``);
    ``replace`` is the "Replace existing segment data" option; ``dry_run`` makes the import a
    dry run (the CLI's ``--dry-run``; the API uses :func:`dry_run` on an upload). With ``check`` the file is read
    once now (type, encoding, header, row count) so that a file that cannot be imported is
    refused at once: the import is recorded as ``refused`` and :class:`FileRefused` is raised
    with the reason (``replace_without_segments`` when ``replace`` is set and the file has no
    Segments column: it would remove every segment of its contacts). Over ``SEGMENTS_IMPORT_MAX_FILE_BYTES`` the upload stops and nothing is
    stored. The import waits in status ``uploaded`` until :func:`start` or :func:`dry_run`.
    """
    scope.require("import")
    session = scope.session
    config = scope.state.config
    imp = lifecycle.new_import(account_id=scope.account_id, user_id=scope.actor.user_id,
                               filename=_clean_filename(filename), replace=bool(replace),
                               dry_run=bool(dry_run))
    try:
        session.add(imp)
        session.flush()
        imp.change_id = recording.begin_import(scope, imp.id).id
        imp.file_size = store_file(session, imp.id, stream, config["SEGMENTS_IMPORT_MAX_FILE_BYTES"])
        session.commit()
    except BaseException:
        session.rollback()
        raise
    if check:
        try:
            with open_rows(StoredFile(session, imp.id, imp.file_size), imp.filename, limits_from(config)) as result:
                check_replace(result.header, imp.replace)
                imp.rows_total, imp.encoding, imp.delimiter = result.total_rows, result.encoding, result.delimiter
            session.commit()
        except FileRefused as refused:
            lifecycle.refuse(scope.state, imp, refused, notify=False)
            raise
    return imp


def account_import(scope, import_id):
    """Return import ``import_id`` of the scope's account, or ``None``; no permission check (the
    contacts list shows an import's contacts to whoever may see the contacts)."""
    return scope.session.execute(
        sa.select(Import).where(Import.id == import_id, Import.account_id == scope.account_id)
    ).scalar_one_or_none()


def get_import(scope, import_id):
    """Return import ``import_id`` of the scope's account, or raise :class:`NotFound`."""
    scope.require("import")
    imp = account_import(scope, import_id)
    if imp is None:
        raise NotFound(f"There is no import with id {import_id} in this account.")
    return imp


def start(scope, import_id, *, wait=False):
    """Queue an uploaded import and notify the user; return the :class:`Import`.

    It runs on RQ when ``SEGMENTS_REDIS_URL`` is set, else in this process (``wait=True`` runs it
    to the end before returning, as the CLI does; otherwise in a background thread). When Redis
    cannot be reached, :class:`~contact_segments.imports.queue.QueueUnavailable` is raised and
    the import stays ``uploaded``, ready to be started again.
    """
    imp = get_import(scope, import_id)
    if imp.status != UPLOADED or not start_import(scope.state, imp, wait=wait):
        scope.session.refresh(imp)
        raise Conflict(f"Import {imp.id} was already started (it is {imp.status}). Upload the file "
                       "again to import it once more.", code="already_started")
    scope.session.refresh(imp)
    return imp


def can_resume(scope, imp, stalled=None):
    """True when ``imp`` stopped before its end (failed, or stalled) and can be resumed.

    ``stalled``: :func:`~contact_segments.imports.liveness.is_stalled` when already known.
    """
    if imp.status == FAILED:
        return imp.error_code != EXPIRED_CODE
    return is_stalled(imp, scope.state) if stalled is None else stalled


def resume(scope, import_id):
    """Continue a failed or stalled import of the account from its checkpoint; return it.

    Rows already imported are not imported again. Raises :class:`Conflict` when the import is
    not stopped (``not_resumable``) or its file was removed by the clean-up (``file_removed``),
    and :class:`~contact_segments.imports.queue.QueueUnavailable` when Redis cannot be reached
    (the import is left as it was).
    """
    imp = get_import(scope, import_id)
    if not can_resume(scope, imp):
        raise Conflict(f"Import {imp.id} is {imp.status}: only an import that failed or stalled "
                       "(no progress for a while) can be resumed.", code="not_resumable")
    ensure_file_kept(scope.session, imp)
    resume_import(scope.state, imp.id)
    scope.session.refresh(imp)
    return imp


def dry_run(scope, import_id, *, replace=None, wait=False):
    """Start a dry run of an uploaded file; return the new dry-run :class:`Import`.

    The dry run is a separate import of the same file (copied inside the database) that
    validates and matches every row and records what would happen, changing no contact and no
    segment; the uploaded import stays ready to :func:`start`. ``replace`` overrides the
    upload's option (:class:`FileRefused` ``replace_without_segments`` when the file has no
    Segments column).
    """
    source = get_import(scope, import_id)
    if source.status == REFUSED:
        raise Conflict(f"The file of import {source.id} was refused: {source.error_message}",
                       code="file_refused")
    session = scope.session
    if replace and not source.replace:
        with open_rows(StoredFile(session, source.id, source.file_size), source.filename,
                       limits_from(scope.state.config), counted_rows=source.rows_total) as result:
            check_replace(result.header, True)
    imp = lifecycle.new_import(
        account_id=source.account_id, user_id=scope.actor.user_id, filename=source.filename,
        file_size=source.file_size, dry_run=True,
        replace=source.replace if replace is None else bool(replace),
        rows_total=source.rows_total, encoding=source.encoding, delimiter=source.delimiter)
    try:
        session.add(imp)
        session.flush()
        copy_file(session, source.id, imp.id)
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return start(scope, imp.id, wait=wait)


def previewed_upload(scope, preview):
    """The upload that dry run ``preview`` previewed while it can still be started, or ``None``:
    the newest ``uploaded`` import of the same user before it, with the same file (name and
    size) and the same option."""
    return scope.session.execute(
        sa.select(Import).where(
            Import.account_id == scope.account_id, Import.id < preview.id, Import.status == UPLOADED,
            Import.dry_run.is_(False), Import.user_id == preview.user_id, Import.replace == preview.replace,
            Import.filename == preview.filename, Import.file_size == preview.file_size)
        .order_by(Import.id.desc()).limit(1)
    ).scalar_one_or_none()


def list_imports(scope, *, limit=20, before_id=None):
    """Return the account's imports, newest first (keyset: ``before_id`` for the next page)."""
    scope.require("import")
    query = sa.select(Import).where(Import.account_id == scope.account_id)
    if before_id is not None:
        query = query.where(Import.id < before_id)
    return list(scope.session.execute(query.order_by(Import.id.desc()).limit(limit)).scalars())


def status(imp, scope=None):
    """Return the status and progress of ``imp`` as a JSON-ready dict.

    With the ``scope`` of the reader it also says whether the import is ``recovering`` (its
    worker stopped and another takes it over), ``stalled`` and ``can_resume``, and, while it is
    queued on RQ, why it is ``waiting`` (see :mod:`contact_segments.imports.liveness`; the
    reason is worded for the reader's role).
    """
    total = imp.rows_total or 0
    extra = {}
    if scope is not None:
        health = scope.state.launcher.health()
        found = condition(imp, scope.state, health=health)
        extra = {"recovering": found == RECOVERING, "stalled": found == STALLED,
                 "can_resume": can_resume(scope, imp, found == STALLED),
                 "waiting": waiting(imp, scope.state.config, scope.actor, health)}
    return {
        "id": imp.id, "filename": imp.filename, "status": imp.status, "dry_run": imp.dry_run,
        "replace": imp.replace, "rows_total": total, "rows_validated": imp.rows_validated,
        "rows_done": imp.rows_done,
        "percent": round(100 * imp.rows_done / total, 1) if total else (100.0 if imp.ended else 0.0),
        **imp.counts(),
        "encoding": imp.encoding, "delimiter": imp.delimiter,
        "error": {"code": imp.error_code, "message": imp.error_message} if imp.error_code else None,
        "created_at": imp.created_at, "started_at": imp.started_at, "finished_at": imp.finished_at,
        "updated_at": imp.updated_at, **extra,
    }


def import_summary(scope, import_id, max_issues=None, max_lines=None, with_params=False):
    """Return the summary of an import of the account (see :func:`report.summary`)."""
    return summary(scope.session, get_import(scope, import_id), max_issues, max_lines, with_params)


def report_csv(scope, import_id, describe=None):
    """Return ``(filename, iterator of CSV text)``: the per-row report of an import (messages
    written by ``describe``, see :func:`report.iter_report_csv`)."""
    imp = get_import(scope, import_id)
    if imp.status == REFUSED:
        raise Conflict(f"The file was refused, so there is no per-row report: {imp.error_message}",
                       code="file_refused")
    return report_filename(imp), iter_report_csv(scope.session, imp, describe)
