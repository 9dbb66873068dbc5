"""The two kinds of trouble the import reader and validator report, as codes with params.

* :class:`FileRefused`: the whole file cannot be imported (wrong type, empty, over a limit,
  missing columns ...). Raised before any row is handed out.
* :class:`RowIssue`: one row (or one cell of it) has a problem; the rest of the file goes on.

Neither holds a sentence: :mod:`contact_segments.messages` words a ``code`` and its ``params``
for the API and the CLI (``message``, English) and for the pages (the reader's language).
"""

from typing import NamedTuple

from contact_segments import messages
from contact_segments.errors import SegmentsError


class FileRefused(SegmentsError):
    """The uploaded file cannot be imported at all.

    ``code`` is stable for programs (``empty_file``, ``no_rows``, ``not_a_spreadsheet``,
    ``unsupported_file_type``, ``corrupt_xlsx``, ``file_too_large``, ``too_many_rows``,
    ``missing_column``, ``duplicate_column``, ``unbalanced_quote``, ...); ``params`` holds the
    values its message speaks of (``params["variant"]`` picks one of the code's sentences, see
    :mod:`contact_segments.messages`); ``message`` is that message in English: what is wrong
    with the file and how to fix it. A ``str`` given as ``params`` is taken as the message
    itself (``params`` is then ``None``).
    """

    status = 422
    code = "file_refused"

    def __init__(self, code, params=None):
        if isinstance(params, str):
            super().__init__(params, code=code)
            self.params = None
            return
        params = dict(params or {})
        super().__init__(messages.english(code, params), code=code, params=params)

    def __repr__(self):
        return f"FileRefused({self.code!r}, {self.params!r})"


class RowIssue(NamedTuple):
    """A problem (error or warning) found in one row of an import file.

    ``line`` is the line number as a spreadsheet shows it (header = 1), ``column`` the template
    column name (for example ``"Mobile Number"``) or ``None`` when the issue is about the whole
    row, ``code`` a stable identifier and ``params`` the values its message speaks of (a
    ``str``: the English sentence of an issue stored by an earlier version). ``message`` is the
    English sentence.
    """

    line: int
    column: str | None
    code: str
    params: dict | str | None = None

    @property
    def message(self):
        """The issue's sentence in English (see :func:`contact_segments.messages.issue_text`)."""
        return messages.issue_text(self.line, self.column, self.code, self.params)
