"""What the reader notes about one row while reading it: more cells than the header, a cell over
the limit, NUL characters, a double quote never closed; and the refusal of a row too long to read.
"""

from ..messages import count, phrase
from .errors import FileRefused, RowIssue


#: A quoted cell running over more physical lines than this, mostly made of lines that contain
#: the delimiter, is taken for a quote that was never closed.
SUSPECT_SPAN_LINES = 10


def unclosed_quote(line, cells, span, delimiter, width, at_end=False):
    """Return a RowIssue when a record looks like a quote that swallowed following rows: a cell
    of more than SUSPECT_SPAN_LINES lines, half of which hold about half a row's delimiters."""
    if span <= SUSPECT_SPAN_LINES:
        return None
    row_like = max(2, (width - 1) // 2)
    for cell in cells:
        parts = cell.splitlines()
        if (len(parts) > SUSPECT_SPAN_LINES
                and sum(p.count(delimiter) >= row_like for p in parts) * 2 >= len(parts)):
            params = {"variant": "at_end"} if at_end else {"lines": count(span)}
            return RowIssue(line, None, "unbalanced_quote", params)
    return None


def long_row_refusal(too_long, header, limits):
    """The :class:`FileRefused` of a row over ``limits.max_row_chars`` (``header``: the file's
    :class:`HeaderMap`, ``None`` while the header itself is read)."""
    line, position = too_long.line, too_long.position
    if too_long.cell_chars > limits.max_cell_chars:
        where = _cell_place(position, header) if header is not None else phrase(
            "cell_at_position", position=position + 1)
        return FileRefused("cell_too_long", {
            "variant": "unreadable", "line": line, "cell": where,
            "length": count(too_long.cell_chars), "limit": count(limits.max_cell_chars)})
    return FileRefused("row_too_long", {"line": line, "limit": count(limits.max_row_chars),
                                        "cells": count(position + 1)})


def clean_cells(line, raw, max_chars, column_names, header, problems, warnings):
    """Cut cells over ``max_chars`` and remove NUL characters, in place, noting each."""
    for position, cell in enumerate(raw):
        if len(cell) > max_chars:
            raw[position] = cell[:max_chars]
            problems.append(RowIssue(line, column_names.get(position), "cell_too_long", {
                "cell": _cell_place(position, header), "length": count(len(cell)),
                "limit": count(max_chars)}))
        elif "\x00" in cell:
            raw[position] = cell.replace("\x00", "")
            warnings.append(RowIssue(line, column_names.get(position), "nul_removed",
                                     {"cell": _cell_place(position, header)}))


def _cell_place(position, header):
    """Where a cell is, as a message value: its column's header, else its column's number."""
    if position < len(header.headers) and header.headers[position]:
        return phrase("cell_in_column", name=header.headers[position])
    return phrase("cell_at_position", position=position + 1)


def too_many_cells(line, used, width, delimiter, header):
    """The :class:`RowIssue` of a row with ``used`` cells under a header of ``width``."""
    params = {"cells": used, "width": width}
    if delimiter and delimiter != "\t":
        segments = delimiter == ";" and "segments" in header.index
        params.update(variant="segments" if segments else "quote", delimiter=delimiter)
    return RowIssue(line, None, "too_many_cells", params)
