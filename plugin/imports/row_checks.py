"""What the reader notes about one row while reading it: more cells than the header, a cell over
the limit, NUL characters, a double quote never closed; and the refusal of a row too long to read.
"""

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
            where = "to the end of the file" if at_end else f"over {span:,} lines of the file"
            return RowIssue(
                line, None, "unbalanced_quote",
                f"Line {line}: a cell starts with a double quote (\") that is not closed, so "
                f"it runs {where} and the rows in it were read as one cell. Remove the stray "
                "quote or close it (a quote inside a quoted cell is written twice: \"\"), then "
                "upload the file again.",
            )
    return None


def long_row_refusal(too_long, header, limits):
    """The :class:`FileRefused` of a row over ``limits.max_row_chars`` (``header``: the file's
    :class:`HeaderMap`, ``None`` while the header itself is read)."""
    line, position = too_long.line, too_long.position
    advice = ("check for a stray double quote (\") that runs into the following rows, then upload "
              "the file again.")
    if too_long.cell_chars > limits.max_cell_chars:
        where = _column_label(position, header) if header is not None else f"column {position + 1}"
        return FileRefused(
            "cell_too_long",
            f"Line {line}: a cell ({where}) has more than {too_long.cell_chars:,} characters, far "
            f"over the limit of {limits.max_cell_chars:,}, so the file cannot be read. Shorten "
            f"the cell, or {advice}",
        )
    return FileRefused(
        "row_too_long",
        f"Line {line} has more than {limits.max_row_chars:,} characters (at least "
        f"{position + 1:,} cells), more than a row can hold, so the file cannot be read. Remove "
        f"the extra cells, or {advice}",
    )


def clean_cells(line, raw, max_chars, column_names, header, problems, warnings):
    """Cut cells over ``max_chars`` and remove NUL characters, in place, noting each."""
    for position, cell in enumerate(raw):
        if len(cell) > max_chars:
            raw[position] = cell[:max_chars]
            problems.append(RowIssue(
                line, column_names.get(position), "cell_too_long",
                f"Line {line}: a cell ({_column_label(position, header)}) has "
                f"{len(cell):,} characters, more than the limit of {max_chars:,}. "
                "Shorten it, or check for a stray double quote that runs into the "
                "following rows.",
            ))
        elif "\x00" in cell:
            raw[position] = cell.replace("\x00", "")
            warnings.append(RowIssue(
                line, column_names.get(position), "nul_removed",
                f"Line {line}: invisible NUL characters were removed from a cell "
                f"({_column_label(position, header)}).",
            ))


def _column_label(position, header):
    if position < len(header.headers) and header.headers[position]:
        return f"column \"{header.headers[position]}\""
    return f"column {position + 1}"


def too_many_cells(line, used, width, delimiter, header):
    """The :class:`RowIssue` of a row with ``used`` cells under a header of ``width``."""
    message = (f"Line {line} has {used} cells but the header has {width}: check for an "
               "unquoted delimiter")
    if delimiter and delimiter != "\t":
        message += (f" (a cell that contains \"{delimiter}\" must be put in double quotes")
        if delimiter == ";" and "segments" in header.index:
            message += ", for example \"Segment 1; Segment 2\""
        message += ")"
    return RowIssue(line, None, "too_many_cells", message + ".")
