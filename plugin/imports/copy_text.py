"""Rows as the text of PostgreSQL's ``COPY ... FROM STDIN`` (text format), built a column at a time.

psycopg's ``Copy.write_row`` formats one row per Python call (about 2 µs a row in an import
batch, most of it call overhead). An import writes three to four rows per data row (the contact,
its memberships, its outcome), so :func:`copy_text` builds the whole payload instead with a few
C-speed operations per *column*: values become text with one list comprehension, a column is
checked for the characters COPY must escape (tab, line feed, carriage return, backslash) in one
pass over its joined text, and only a column that holds one of them is escaped value by value.
Rows are then joined with ``str.join`` over ``zip``.

Values may be ``None`` (SQL ``NULL``), ``str``, ``int``, ``float``, ``bool``, ``datetime`` or
``date``; :func:`copy_text` returns ``None`` for anything else, and the caller falls back to
psycopg's own formatting.
"""

import datetime
from itertools import repeat

NULL = "\\N"


def _escape(text):
    """``text`` with the characters COPY escapes written as escapes (backslash first).

    Four ``str.replace`` calls run in C; ``str.translate`` with a table looks up every character
    in Python (20 µs for a 300-character message: an import whose every row has a warning spent
    4 s per 200,000 rows there)."""
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


class _Unsupported(Exception):
    """A value of a type this module does not format."""


def _literal(value):
    """The COPY text of a non-string, non-``None`` value."""
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, int):
        return str(int(value))
    if isinstance(value, float):
        return repr(float(value))
    if isinstance(value, datetime.date):  # and datetime.datetime
        return value.isoformat()
    raise _Unsupported(type(value).__name__)


def _text_column(values):
    """The COPY text of one column's values, escaped where needed."""
    texts = [NULL if value is None else value if value.__class__ is str
             else str(value) if value.__class__ is int else _literal(value) for value in values]
    joined = "".join(texts)
    # Each NULL brings one backslash; any other backslash (a value such as "\\N" included) is data.
    if joined.count("\\") == values.count(None) and "\t" not in joined and "\n" not in joined \
            and "\r" not in joined:
        return texts
    return [NULL if value is None else _escape(text) for value, text in zip(values, texts)]


def copy_text(rows, suffix=()):
    """Return the COPY text of ``rows`` (tuples of equal length), each followed by the ``suffix``
    values (the same for every row), one line per row; or ``None`` when a value's type is not
    one this module formats."""
    if not rows:
        return ""
    try:
        columns = [_text_column(column) for column in zip(*rows)]
        columns += [repeat(_text_column([value])[0]) for value in suffix]
    except _Unsupported:
        return None
    return "\n".join(map("\t".join, zip(*columns))) + "\n"
