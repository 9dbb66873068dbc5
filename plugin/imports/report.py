"""What an import did: its summary (counts, errors, warnings, unknown segments) and the per-row
report CSV (every row of the file as it was, plus its line, outcome, codes and messages).

The report's first columns are Line, Outcome, Codes and Messages, then every cell of the row as
it was read (extra cells included); a user can fix the failed rows in it and import it again, as
the importer ignores the four report columns. Every cell goes through
:func:`contact_segments.csv_safety.write_csv_rows`.
"""

import io

import sqlalchemy as sa

from .. import messages
from ..collector import collector_paused
from ..csv_safety import write_csv_rows
from .models import ImportPart, ImportRow, ImportUnknownSegment
from .storage import unpack_raw_cells

#: Columns the report puts before the file's own.
REPORT_COLUMNS = ("Line", "Outcome", "Codes", "Messages")
PENDING = "pending"
_STREAM_ROWS = 5000
#: Unknown segment names whose first lines a short summary lists (the others: their first line).
LISTED_NAMES = 100
#: Characters of report text per piece sent.
_PIECE_CHARS = 256 * 1024


def _issue_rows(session, import_id):
    """Yield ``(line, issues)`` of the rows with errors or warnings, in line order (through the
    index of those rows only); closing the generator stops the reading."""
    result = session.execute(
        sa.select(ImportRow.line, ImportRow.issues)
        .where(ImportRow.import_id == import_id, ImportRow.codes.is_not(None))
        .order_by(ImportRow.line).execution_options(yield_per=_STREAM_ROWS)
    )
    try:
        yield from result
    finally:
        result.close()


def unknown_segments(session, import_id, max_lines=None):
    """Return ``[{name, lines, lines_total, suggestion}]``: each unknown segment name, the lines
    using it (``lines_total`` of them), in the order of their first line.

    With ``max_lines``, ``lines`` holds the first ``max_lines`` lines of the first
    :data:`LISTED_NAMES` names and the first line of the others, read through the table's index
    without reading the rest: a file whose every row names a segment that does not exist yet (a
    common slip) has as many rows here as lines.
    """
    if max_lines is None:
        return _all_unknown_segments(session, import_id)
    table = ImportUnknownSegment
    first_line = sa.func.min(table.line)
    names = session.execute(
        sa.select(table.name_key, sa.func.count(), first_line, sa.func.min(table.name),
                  sa.func.min(table.suggestion))
        .where(table.import_id == import_id).group_by(table.name_key).order_by(first_line, table.name_key)
    ).all()
    found = []
    for index, (key, total, first, name, suggestion) in enumerate(names):
        lines = [first]
        if index < LISTED_NAMES:
            rows = session.execute(
                sa.select(table.line, table.name, table.suggestion)
                .where(table.import_id == import_id, table.name_key == key)
                .order_by(table.line).limit(max_lines)
            ).all()
            lines = [line for line, _, _ in rows]
            name, suggestion = rows[0].name, rows[0].suggestion
        found.append({"name": name, "lines": lines, "lines_total": total, "suggestion": suggestion})
    return found


def _all_unknown_segments(session, import_id):
    found = {}
    for key, name, line, suggestion in session.execute(
        sa.select(ImportUnknownSegment.name_key, ImportUnknownSegment.name, ImportUnknownSegment.line,
                  ImportUnknownSegment.suggestion)
        .where(ImportUnknownSegment.import_id == import_id)
        .order_by(ImportUnknownSegment.name_key, ImportUnknownSegment.line)
    ):
        entry = found.setdefault(key, {"name": name, "lines": [], "suggestion": suggestion})
        entry["lines"].append(line)
    for entry in found.values():
        entry["lines_total"] = len(entry["lines"])
    return sorted(found.values(), key=lambda entry: entry["lines"][0])


def summary(session, imp, max_issues=None, max_lines=None, with_params=False):
    """Return the summary of import ``imp`` as a JSON-ready dict.

    Keys: ``id``, ``filename``, ``status``, ``dry_run``, ``replace``, ``rows``, ``rows_done``,
    ``created``, ``updated``, ``unchanged``, ``failed``, ``warned`` (rows with warnings),
    ``memberships_added``, ``memberships_removed``, ``encoding``, ``delimiter``, ``errors`` and
    ``warnings`` (lists of ``{line, column, code, message}``, at most ``max_issues`` each, in
    line order; ``errors_total`` and ``warnings_total`` count them all), ``unknown_segments`` (list of
    ``{name, lines, lines_total, suggestion}``; at most ``max_lines`` lines each, see
    :func:`unknown_segments`) and ``error`` (``{code, message}`` when the file was refused or
    the import failed, else ``None``). ``message`` is English (in the conditional for a
    preview); ``with_params`` adds each one's ``params``, to word it in another language (see
    :func:`issue_dict`).
    """
    lists = {"error": [], "warning": []}
    totals = {"error": 0, "warning": 0}
    # The batches count the issues (ISSUE_COUNTERS): then only the first ones are read. An import
    # applied by an earlier version has no counts, and all of its issues are counted here.
    counted = imp.errors_total is not None and imp.warnings_total is not None
    enough = counted and max_issues is not None
    rows = _issue_rows(session, imp.id)
    for line, issues in rows:
        for level, column, code, params in issues or ():
            totals[level] += 1
            if max_issues is None or len(lists[level]) < max_issues:
                issue = issue_dict(line, column, code, params, preview=imp.dry_run)
                if not with_params:
                    del issue["params"]
                lists[level].append(issue)
        if enough and len(lists["error"]) >= max_issues and len(lists["warning"]) >= max_issues:
            break
    rows.close()
    if counted:
        totals = {"error": imp.errors_total, "warning": imp.warnings_total}
    return {
        "id": imp.id, "filename": imp.filename, "status": imp.status, "dry_run": imp.dry_run,
        "replace": imp.replace, "rows": imp.rows_total or 0, "rows_done": imp.rows_done,
        **imp.counts(),
        "encoding": imp.encoding, "delimiter": imp.delimiter,
        "errors": lists["error"], "warnings": lists["warning"],
        "errors_total": totals["error"], "warnings_total": totals["warning"],
        "unknown_segments": unknown_segments(session, imp.id, max_lines),
        "error": error_dict(imp, with_params),
    }


def issue_dict(line, column, code, params, worded=True, preview=False):
    """A stored row problem as the summary lists it: ``{line, column, code, message, params}``
    (``message`` in English, in the conditional for a ``preview``, left ``None`` unless
    ``worded``; ``params`` is ``None`` for one stored as a sentence by an earlier version, which
    is then its ``message``)."""
    if isinstance(params, str):
        return {"line": line, "column": column, "code": code, "message": params, "params": None}
    message = messages.issue_text(line, column, code, params, preview=preview) if worded else None
    return {"line": line, "column": column, "code": code, "message": message, "params": params}


def error_dict(imp, with_params=False):
    """Why ``imp`` was refused or failed, ``{code, message}`` (and ``params`` when
    ``with_params``), or ``None``."""
    if not imp.error_code:
        return None
    error = {"code": imp.error_code, "message": imp.error_message}
    if with_params:
        error["params"] = imp.error_params
    return error


def _outcomes(session, import_id, first_line, last_line):
    return {
        line: (outcome, codes, issues)
        for line, outcome, codes, issues in session.execute(
            sa.select(ImportRow.line, ImportRow.outcome, ImportRow.codes, ImportRow.issues)
            .where(ImportRow.import_id == import_id, ImportRow.line.between(first_line, last_line))
        )
    }


def _english(issue, preview=False):
    if issue["message"] is not None:
        return issue["message"]
    return messages.issue_text(issue["line"], issue["column"], issue["code"], issue["params"],
                               preview=preview)


def iter_report_csv(session, imp, describe=None):
    """Yield the per-row report of ``imp`` as CSV text, a few thousand rows per piece.

    One row per data row of the file, in file order: its line, outcome (``pending`` while the
    import has not reached it), codes and messages, then the row's cells as read. ``describe``
    turns a row's problem (a dict of :func:`issue_dict`) into its message (default: its English
    sentence, in the conditional when ``imp`` is a preview; the pages pass their reader's
    language, and say a preview's in the conditional too).
    """
    describe = describe or (lambda issue: _english(issue, imp.dry_run))
    parts = session.execute(
        sa.select(ImportPart.seq, ImportPart.first_line, ImportPart.last_line)
        .where(ImportPart.import_id == imp.id).order_by(ImportPart.seq)
    ).all()
    if not parts:
        yield _csv_text(REPORT_COLUMNS, ())
        return
    for index, (seq, first_line, last_line) in enumerate(parts):
        # A part's text is built with automatic garbage collection paused (its tens of
        # thousands of short-lived cells would set off collections of the whole heap: a third
        # of the time), never across a yield; it is then sent in pieces.
        with collector_paused():
            text = _part_csv(session, imp.id, seq, first_line, last_line, describe, header=index == 0)
        for start in range(0, len(text), _PIECE_CHARS):
            yield text[start:start + _PIECE_CHARS]


def _csv_text(header, rows):
    """``header`` (or none) and ``rows`` as safe CSV text (:func:`write_csv_rows`)."""
    buffer = io.StringIO()
    write_csv_rows(buffer, header, rows)
    return buffer.getvalue()


def _part_csv(session, import_id, seq, first_line, last_line, describe, header):
    """The report's CSV text of one part (after the header row when ``header``)."""
    source = session.execute(sa.select(ImportPart.source).where(
        ImportPart.import_id == import_id, ImportPart.seq == seq)).scalar_one()
    headers, rows = unpack_raw_cells(source)
    outcomes = _outcomes(session, import_id, first_line, last_line)

    def report_rows():
        for line, raw in rows:
            outcome, codes, issues = outcomes.get(line, (PENDING, None, None))
            texts = " | ".join(describe(issue_dict(line, column, code, params, worded=False))
                               for _level, column, code, params in issues or ())
            yield (line, outcome, (codes or "").replace(" ", ", "), texts, *raw)

    return _csv_text((*REPORT_COLUMNS, *headers) if header else None, report_rows())


def report_filename(imp):
    """Return the download name of the report of ``imp`` (``import-12-report.csv``)."""
    kind = "dry-run" if imp.dry_run else "import"
    return f"{kind}-{imp.id}-report.csv"
