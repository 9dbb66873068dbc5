"""The two kinds of trouble the import reader and validator report.

* :class:`FileRefused`: the whole file cannot be imported (wrong type, empty, over a limit,
  missing columns ...). Raised before any row is handed out.
* :class:`RowIssue`: one row (or one cell of it) has a problem; the rest of the file goes on.
"""

from typing import NamedTuple

from contact_segments.errors import SegmentsError


class FileRefused(SegmentsError):
    """The uploaded file cannot be imported at all.

    ``code`` is stable for programs (``empty_file``, ``no_rows``, ``not_a_spreadsheet``,
    ``unsupported_file_type``, ``corrupt_xlsx``, ``file_too_large``, ``too_many_rows``,
    ``missing_column``, ``duplicate_column``, ``unbalanced_quote``, ...); ``message`` tells the
    user what is wrong with the file and how to fix it.
    """

    status = 422
    code = "file_refused"

    def __init__(self, code, message):
        super().__init__(message, code=code)

    def __repr__(self):
        return f"FileRefused({self.code!r}, {self.message!r})"


class RowIssue(NamedTuple):
    """A problem (error or warning) found in one row of an import file.

    ``line`` is the line number as a spreadsheet shows it (header = 1), ``column`` the template
    column name (for example ``"Mobile Number"``) or ``None`` when the issue is about the whole
    row, ``code`` a stable identifier and ``message`` a sentence for the user.
    """

    line: int
    column: str | None
    code: str
    message: str
