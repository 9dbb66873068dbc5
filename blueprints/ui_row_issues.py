"""The import engine's row issues and refusal reasons, worded for the reader of the page.

The engine records each problem as a code with params (``RowIssue(line, column, code,
params)``, ``FileRefused(code, params)``); :mod:`contact_segments.messages` words them, here
in the page's language (:func:`~.ui_i18n.page_words`). An issue stored by an earlier version has
an English sentence instead of params: it is shown as it is in English, and as its code's
general sentence in the other languages.
"""

from contact_segments import messages

from .ui_i18n import page_words


def column_label(column):
    """The translated name of a template column (the name itself when unknown, "—" for none)."""
    if not column:
        return "—"
    return messages.column_label(column, page_words())


def issue_text(issue, words=None, preview=False):
    """The sentence of a row problem (a ``RowIssue`` or a ``{line, column, code, params,
    message}`` dict of a summary), starting with its line when the sentence does not name it;
    in the conditional when the row is one of a ``preview``."""
    get = issue.get if isinstance(issue, dict) else lambda key, default=None: getattr(issue, key, default)
    params = get("params")
    return messages.issue_text(get("line"), get("column"), get("code"),
                               get("message") if params is None else params,
                               words or page_words(), located=True, preview=preview)


def error_text(error, words=None):
    """Why an import was refused or failed (its summary's ``{code, message, params}``)."""
    return messages.refusal_text(error["code"], error.get("params"), error["message"],
                                 words or page_words())
