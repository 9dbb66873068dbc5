"""Safe CSV output: every CSV the plugin writes goes through :func:`safe_cell` (a row at a time:
:func:`safe_row`).

A cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is read by Excel,
LibreOffice and Google Sheets as a formula ("CSV injection"), so it is written with a leading
``'``. A plain number is left as it is (``+5511987654321``, ``-12.5``): an E.164 phone number
in an export must import back unchanged, and no spreadsheet runs a number as a formula.
"""

import csv
import re

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?[0-9]+(?:\.[0-9]+)?")


def safe_cell(value):
    """Return ``value`` as text that no spreadsheet will run as a formula.

    ``None`` becomes ``""``; other non-text values are converted with ``str``.
    """
    if value is None:
        return ""
    text = value if isinstance(value, str) else str(value)
    if text.startswith(FORMULA_PREFIXES) and not _PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


#: A cell start (the text's start, or after the separator :func:`safe_row` joins cells with)
#: followed by a formula prefix.
_RISKY_START = re.compile(r"(?:^|\x00)[=+\-@\t\r]")


def safe_row(values):
    """Return the row ``values`` as a list of cells, each as :func:`safe_cell` makes it.

    Most rows hold no cell that starts like a formula: one search over the row's joined text
    tells, and only the other rows are checked cell by cell (a report of a million rows writes
    13 million cells).
    """
    cells = [value if type(value) is str else ("" if value is None else str(value)) for value in values]
    if _RISKY_START.search("\x00".join(cells)):
        return [safe_cell(cell) for cell in cells]
    return cells


def write_csv_rows(fileobj, header, rows, delimiter=","):
    """Write ``header`` then ``rows`` (iterables of values) as CSV to text file ``fileobj``,
    every cell passed through :func:`safe_cell`. Open the file with ``newline=""``.
    Returns the number of data rows written."""
    writer = csv.writer(fileobj, delimiter=delimiter, lineterminator="\r\n")
    if header is not None:
        writer.writerow(safe_row(header))
    count = 0
    for row in rows:
        writer.writerow(safe_row(row))
        count += 1
    return count
