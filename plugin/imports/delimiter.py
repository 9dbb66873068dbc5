"""The delimiter of a CSV upload: Excel's "sep=;" first line, or the one of comma, semicolon and
tab that splits the header into the most known columns.
"""

import codecs
import csv
import io
import re

from .columns import field_for_header
from .encoding import LENIENT_ERRORS


#: The delimiters a CSV upload may use.
DELIMITERS = (",", ";", "\t")
#: Excel's first line naming the delimiter ("sep=;").
SEP_LINE = re.compile(r"^\ufeff?sep=(.)\s*$", re.IGNORECASE)


#: Characters at the start of a text file in which the delimiter is chosen (from the header).
_HEADER_SAMPLE_CHARS = 64 * 1024


def detect_delimiter(head, encoding, complete):
    """Return the delimiter of a CSV file from its first bytes ``head`` in ``encoding``
    (``complete``: ``head`` is the whole file)."""
    text = codecs.getincrementaldecoder(encoding)(LENIENT_ERRORS).decode(head, final=complete)
    text = text[:_HEADER_SAMPLE_CHARS]
    first_line = text.lstrip("\ufeff").split("\n", 1)[0].split("\r", 1)[0]
    sep = SEP_LINE.match(first_line)
    if sep and sep.group(1) in DELIMITERS:
        return sep.group(1)
    best, best_score = ",", (-1, -1)
    for delimiter in DELIMITERS:
        header = []
        for record in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter):
            if any(cell.strip() for cell in record):
                header = record
                break
        known = {field_for_header(cell) for cell in header} - {None}
        score = (len(known), len(header))
        if score > best_score:
            best, best_score = delimiter, score
    return best
