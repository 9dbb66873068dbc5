"""The row of an import file as the reader hands it out (:class:`SourceRow`), and the picking of
a row's cells by the header's columns (:func:`cell_picker`). No parsing here: storage and
validation use these without importing the reader.
"""

import operator
from dataclasses import dataclass, field

from .errors import RowIssue


@dataclass(slots=True)
class SourceRow:
    """One data row of the file, before validation.

    ``line``: the row number a spreadsheet shows (header = 1); ``cells``: field key -> stripped
    cell text ("" when blank or absent; only fields the header has); ``raw``: every cell as read;
    ``problems``: :class:`RowIssue` errors found while reading (the row must fail);
    ``warnings``: :class:`RowIssue` notes that do not fail the row.
    """

    line: int
    cells: dict[str, str]
    raw: list[str]
    problems: list[RowIssue] = field(default_factory=list)
    warnings: list[RowIssue] = field(default_factory=list)


def cell_picker(index):
    """Return a function that maps a row's raw cells to ``{column key: stripped cell}`` for a
    header ``index`` (column key -> position); a cell the row lacks is ``""``.

    It runs once per row of every import: when the row has all the mapped cells (the usual case)
    they are picked, stripped and keyed in C.
    """
    items = list(index.items())
    keys = tuple(key for key, _ in items)
    positions = tuple(position for _, position in items)
    pick = operator.itemgetter(*positions) if len(positions) > 1 else None
    needed = max(positions, default=-1) + 1
    strip = str.strip

    def cells_of(raw):
        if pick is not None and len(raw) >= needed:
            return dict(zip(keys, map(strip, pick(raw))))
        size = len(raw)
        return {key: (raw[position].strip() if position < size else "") for key, position in items}

    return cells_of
