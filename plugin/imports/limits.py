"""The limits an import file is held to, and the refusals for going over them.

:class:`ImportLimits` gathers them;
:class:`RowTooLong` is what the record readers raise when a row passes ``max_row_chars``.
"""

from dataclasses import dataclass

from ..messages import count, size
from .errors import FileRefused

MIB = 1024 * 1024


@dataclass(frozen=True)
class ImportLimits:
    """Limits on an uploaded file; going over one refuses the file (or fails the row, for a cell).

    ``max_file_bytes``: size of the upload; ``max_rows``: data rows (blank rows not counted);
    ``max_cell_chars``: characters in one cell (a longer cell fails its row);
    ``max_row_chars``: characters in one row of a CSV file, line breaks of its quoted cells
    included (a longer row refuses the file: the reader holds at most about this much of it);
    ``max_xlsx_uncompressed_bytes``: total uncompressed size of an .xlsx workbook.
    """

    max_file_bytes: int = 50 * MIB
    max_rows: int = 1_048_576
    max_cell_chars: int = 10_000
    max_row_chars: int = 262_144
    max_xlsx_uncompressed_bytes: int = 200 * MIB


def file_too_large(max_bytes):
    """The :class:`FileRefused` of an upload over ``max_bytes``."""
    return FileRefused("file_too_large", {"size": size(max_bytes)})


def check_row_count(total, max_rows):
    """Refuse the file when it has more than ``max_rows`` data rows (``total`` so far)."""
    if total > max_rows:
        raise FileRefused("too_many_rows", {"rows": count(max_rows)})


class RowTooLong(Exception):
    """A CSV row longer than ``max_row_chars``: at ``line``, its cell ``position`` (0-based) had
    at least ``cell_chars`` characters when the limit was passed."""

    def __init__(self, line, position, cell_chars):
        super().__init__(line, position, cell_chars)
        self.line, self.position, self.cell_chars = line, position, cell_chars
