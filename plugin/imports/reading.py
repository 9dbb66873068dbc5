"""Reading an uploaded contact file (CSV or .xlsx) into rows, streaming, with no database.

Entry point: :func:`open_rows`. It checks the file (type, size, encoding, delimiter, header, row
count) *before* any row is handed out, raising :class:`FileRefused` with a message that says what
is wrong and how to fix it; then :attr:`ReadResult.rows` streams :class:`SourceRow` objects in
constant memory, however many rows the file has.

Line numbers are the row numbers a spreadsheet shows: the header is line 1. A quoted CSV cell
with line breaks is one row (one record), and blank rows are skipped but keep their number.

Memory stays bounded whatever the cells hold: the csv module is fed lines of at most
``max_row_chars`` characters and never more than that much of one row, so a row (a huge cell,
a quote that is never closed, countless cells) longer than that refuses the file, naming its line
and the cell where it passed the limit, after reading only that much of it.

This module runs the steps; each lives in a module of its own: ``upload_source.py`` (the bytes,
spooled when the stream cannot seek), ``file_type.py`` (extension and magic bytes),
``xlsx_guard.py`` (the zip-bomb guard), ``encoding.py`` and ``delimiter.py`` (detection),
``csv_records.py`` and ``xlsx_records.py`` (records), ``xlsx_row_count.py`` (the fast .xlsx row
count), ``row_checks.py`` (what is noted about one row), ``rows.py`` (the row type) and
``limits.py`` (the limits).
"""

import csv
import os

from .columns import COLUMN_BY_KEY, map_header
from .csv_records import allow_csv_fields_of, csv_records
from .delimiter import detect_delimiter
from .encoding import SNIFF_BYTES, detect_encoding
from .errors import FileRefused
from .file_type import CSV_EXTENSIONS, XLSX_EXTENSIONS, check_not_binary, unsupported_type
from .limits import ImportLimits, RowTooLong, check_row_count, file_too_large
from .row_checks import (
    SUSPECT_SPAN_LINES, clean_cells, long_row_refusal, too_many_cells, unclosed_quote,
)
from .rows import SourceRow, cell_picker
from .upload_source import UploadSource
from .xlsx_guard import check_xlsx_bytes
from .xlsx_records import xlsx_records
from .xlsx_row_count import count_xlsx_rows


class ReadResult:
    """An opened, checked import file.

    Attributes: ``filename``; ``kind`` ("csv" or "xlsx"); ``encoding`` ("utf-8", "utf-8-sig",
    "utf-16", "cp1252", "cp1250", ... or "xlsx"); ``delimiter`` ("," ";" "\\t", or ``None`` for
    .xlsx); ``header`` (:class:`HeaderMap`); ``header_line`` (its line number, normally 1);
    ``total_rows`` (data rows, blank rows not counted: the progress total); ``rows`` (an iterator
    of :class:`SourceRow`, streaming). Use it as a context manager, or call :meth:`close`, to
    release the file.
    """

    def __init__(self, source, filename, kind, encoding, delimiter, header, header_line,
                 total_rows, limits):
        self.filename = filename
        self.kind = kind
        self.encoding = encoding
        self.delimiter = delimiter
        self.header = header
        self.header_line = header_line
        self.total_rows = total_rows
        self.limits = limits
        self._source = source
        self.rows = self.iter_rows()

    def iter_rows(self, start_after_line=0):
        """Return a new iterator of :class:`SourceRow` from the start of the file.

        Rows whose line is ``<= start_after_line`` are skipped (resuming after a checkpoint).
        """
        records = _records(self._source, self.kind, self.encoding, self.delimiter, self.limits)
        return _source_rows(records, self, start_after_line)

    def close(self):
        """Stop the row iterator and close the file if this reader opened it."""
        close = getattr(self.rows, "close", None)
        if close:
            close()
        self._source.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __repr__(self):
        return (f"<ReadResult {self.filename!r} {self.kind} encoding={self.encoding} "
                f"delimiter={self.delimiter!r} rows={self.total_rows}>")


def open_rows(path_or_stream, filename, limits=None, *, counted_rows=None):
    """Open and check an uploaded import file, and return a :class:`ReadResult`.

    ``path_or_stream`` is a file path or a binary stream (for example a Werkzeug upload's
    ``.stream``; a caller's stream is never closed by the reader); ``filename`` is the name the
    user gave it (its extension decides CSV or .xlsx); ``limits`` an :class:`ImportLimits`.

    Everything that can refuse the whole file is checked here, before any row is yielded:
    type and extension, size, emptiness, encoding, zip-bomb guard, header columns, and a fast
    pre-pass that counts the data rows (``total_rows``) against ``limits.max_rows``. Raises
    :class:`FileRefused` (with ``.code`` and ``.message``).

    ``counted_rows``: the ``total_rows`` an earlier :func:`open_rows` of this same file found
    (an upload checked when it was stored). The pre-pass then stops at the header and trusts it,
    unless it is over ``limits.max_rows`` (counted again, so a stricter limit still refuses).
    """
    limits = limits or ImportLimits()
    source = UploadSource(path_or_stream, limits)
    try:
        return _open_checked(source, filename or "", limits, counted_rows)
    except BaseException:
        source.close()
        raise


def count_rows(path_or_stream, filename, limits=None):
    """Return the number of data rows of a file (blank rows not counted), checking it like
    :func:`open_rows` does."""
    result = open_rows(path_or_stream, filename, limits)
    result.close()
    return result.total_rows


def _open_checked(source, filename, limits, counted_rows=None):
    if source.size > limits.max_file_bytes:
        raise file_too_large(limits.max_file_bytes)
    extension = os.path.splitext(filename)[1].lower()
    with source.open() as fh:
        head = fh.read(SNIFF_BYTES)
    if not head.strip(b" \t\r\n\x00\xef\xbb\xbf\xfe\xff"):
        raise FileRefused("empty_file")
    if extension in XLSX_EXTENSIONS:
        kind, encoding, delimiter = "xlsx", "xlsx", None
        check_xlsx_bytes(source, head, limits)
    elif extension in CSV_EXTENSIONS:
        kind = "csv"
        check_not_binary(head)
        allow_csv_fields_of(max(limits.max_row_chars, len(head)))
        encoding = detect_encoding(head, complete=len(head) >= source.size)
        delimiter = detect_delimiter(head, encoding, complete=len(head) >= source.size)
    else:
        raise unsupported_type(extension)

    records = _records(source, kind, encoding, delimiter, limits)
    header_line, header, total = _prepass(source, records, kind, delimiter, limits, counted_rows)
    return ReadResult(source, filename, kind, encoding, delimiter, header, header_line, total,
                      limits)


def _records(source, kind, encoding, delimiter, limits):
    """Yield ``(line, cells, span)`` for every record of the file, blank ones included:
    ``span`` is the number of physical lines the record took (1 for .xlsx). A CSV record over
    ``limits.max_row_chars`` raises :class:`RowTooLong`."""
    if kind == "xlsx":
        return xlsx_records(source)
    return csv_records(source, encoding, delimiter, limits.max_row_chars)


def _is_blank(cells):
    for cell in cells:
        if cell and not cell.isspace():
            return False
    return True


def _prepass(source, records, kind, delimiter, limits, counted_rows=None):
    """Find the header, map it, and count the data rows; raise FileRefused for whole-file faults.

    An .xlsx sheet is counted from its XML (:func:`count_xlsx_rows`), several times faster than
    openpyxl; CSV records are counted with the csv module, which also finds unclosed quotes.
    With ``counted_rows`` (an earlier pass's count, within the limit) it stops at the header.
    """
    header_line, header, total = 0, None, 0
    max_rows = limits.max_rows
    trusted = counted_rows is not None and 0 < counted_rows <= max_rows
    last = counted = None
    try:
        if kind == "xlsx" and not trusted:
            # Before openpyxl opens the workbook (it holds every shared string): this pass also
            # refuses a cell longer than a row may be.
            counted = count_xlsx_rows(source, stop_after=max_rows + 2,  # header + 1 too many
                                      max_cell_chars=limits.max_row_chars)
        for record in records:
            cells = record[1]
            if _is_blank(cells):
                continue
            if header is None:
                header_line, header = record[0], map_header(cells)
                if trusted:
                    total = counted_rows
                    break
                if counted is not None:
                    total = max(counted - 1, 0)
                    check_row_count(total, max_rows)
                    break
                continue
            total += 1
            last = record
            check_row_count(total, max_rows)
    except csv.Error as error:
        raise FileRefused("unreadable_csv", {"error": str(error)})
    except RowTooLong as too_long:
        raise long_row_refusal(too_long, header, limits) from None
    finally:
        records.close()
    if header is None:
        raise FileRefused("empty_file", {"variant": "no_header"})
    if total == 0:
        raise FileRefused("no_rows")
    if last is not None and kind == "csv":
        issue = unclosed_quote(last[0], last[1], last[2], delimiter, header.width, at_end=True)
        if issue is not None:
            raise FileRefused(issue.code, {"line": issue.line, **issue.params})
    return header_line, header, total


def _source_rows(records, result, start_after_line):
    header = result.header
    width = header.width
    max_chars = result.limits.max_cell_chars
    delimiter = result.delimiter
    column_names = {i: COLUMN_BY_KEY[key].header for key, i in header.index.items()}
    skip_through = max(result.header_line, start_after_line)
    cells_of = cell_picker(header.index)
    try:
        for line, raw, span in records:
            if line <= skip_through:
                continue
            # One joined string answers "blank row?", "a cell over the limit?" (only if the
            # row is) and "a NUL anywhere?" without a Python loop over the cells.
            joined = "".join(raw)
            if not joined or joined.isspace():
                continue
            problems, warnings = [], []
            size = len(raw)
            if size > width:
                used = size
                while used > width and not raw[used - 1].strip():
                    used -= 1
                if used > width:
                    problems.append(too_many_cells(line, used, width, delimiter, header))
            if len(joined) > max_chars or "\x00" in joined:
                clean_cells(line, raw, max_chars, column_names, header, problems, warnings)
            if span > SUSPECT_SPAN_LINES and delimiter:
                issue = unclosed_quote(line, raw, span, delimiter, width)
                if issue:
                    problems.append(issue)
            yield SourceRow(line, cells_of(raw), raw, problems, warnings)
    except RowTooLong as too_long:
        raise long_row_refusal(too_long, header, result.limits) from None
    finally:
        records.close()
