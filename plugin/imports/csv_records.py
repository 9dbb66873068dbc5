"""The records of a CSV upload, in bounded memory: the csv module is fed lines of at most
``max_row_chars`` characters and never more than that much of one row, so a row longer than that
raises :class:`~contact_segments.imports.limits.RowTooLong` naming its line and cell.
"""

import csv
import io

from .delimiter import SEP_LINE
from .encoding import LENIENT_ERRORS
from .limits import RowTooLong


#: The longest first line taken for Excel's "sep=;" line.
_SEP_LINE_CHARS = 64


def csv_records(source, encoding, delimiter, max_row_chars):
    """Yield ``(line, cells, span)`` for every CSV record of ``source``; raise
    :class:`RowTooLong` at a record over ``max_row_chars`` characters."""
    with source.open() as binary:
        text = io.TextIOWrapper(binary, encoding=encoding, errors=LENIENT_ERRORS, newline="")
        try:
            # Excel's "sep=;" first line names the delimiter and is not shown as a row.
            first = text.readline(_SEP_LINE_CHARS)
            if not (first.endswith(("\n", "\r")) and SEP_LINE.match(first.rstrip("\r\n"))):
                text.seek(0)
            row_lines = []
            reader = csv.reader(_bounded_lines(text, max_row_chars, row_lines), delimiter=delimiter)
            start_row = row_lines.clear
            line = previous = 0
            try:
                for record in reader:
                    line += 1
                    yield line, record, reader.line_num - previous
                    previous = reader.line_num
                    start_row()
            except _RowOverflow:
                raise RowTooLong(line + 1, *_open_cell("".join(row_lines), delimiter)) from None
        finally:
            text.detach()


class _RowOverflow(Exception):
    """Raised by :func:`_bounded_lines` when a row passes its limit."""


def allow_csv_fields_of(chars):
    """Let the csv module read a cell of ``chars`` characters (its limit is only ever raised)."""
    if csv.field_size_limit() <= chars:
        csv.field_size_limit(chars + 1)


#: Lines of one row kept apart before they are joined into one string (a row over countless
#: short lines then holds one string, not countless small ones).
_JOIN_ROW_LINES = 256


def _bounded_lines(text, max_chars, row_lines):
    """Yield the physical lines of ``text`` for ``csv.reader``, keeping the text of the row being
    read in ``row_lines`` (the caller empties it after each row); raise :class:`_RowOverflow`,
    without handing it out, at the line that takes a row over ``max_chars`` characters."""
    readline = text.readline
    piece = max_chars + 1
    append = row_lines.append
    row_chars = 0
    while line := readline(piece):
        if not row_lines:
            row_chars = 0
        elif len(row_lines) >= _JOIN_ROW_LINES:
            row_lines[:] = ["".join(row_lines)]
        row_chars += len(line)
        append(line)
        if row_chars > max_chars:
            raise _RowOverflow
        yield line


def _open_cell(text, delimiter):
    """Return ``(position, characters)`` of the cell that the start of a CSV row ``text`` ends in
    (the csv module's default dialect: a cell that starts with a double quote is quoted, a
    doubled quote inside it is one quote)."""
    position = start = at = 0
    quoted = False
    end = len(text)
    while at < end:
        if quoted:
            close = text.find('"', at)
            if close < 0:
                break
            at = close + 2 if text.startswith('"', close + 1) else close + 1
            quoted = text[close + 1:close + 2] == '"'
        elif at == start and text.startswith('"', at):
            quoted, at = True, at + 1
        else:
            next_cell = text.find(delimiter, at)
            if next_cell < 0:
                break
            position, start = position + 1, next_cell + 1
            at = start
    return position, end - start
