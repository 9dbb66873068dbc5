"""Reading an uploaded contact file (CSV or .xlsx) into rows, streaming, with no database.

Entry point: :func:`open_rows`. It checks the file (type, size, encoding, delimiter, header, row
count) *before* any row is handed out, raising :class:`FileRefused` with a message that says what
is wrong and how to fix it; then :attr:`ReadResult.rows` streams :class:`SourceRow` objects in
constant memory, however many rows the file has.

Line numbers are the row numbers a spreadsheet shows: the header is line 1. A quoted CSV cell
with line breaks is one row (one record), and blank rows are skipped but keep their number.

Memory stays bounded whatever the cells hold: the csv module is fed lines of at most
``max_row_chars`` characters and never more than that much of one row, so a row (a huge cell,
a quote that is never closed, countless cells) longer than that refuses the file, naming its line
and the cell where it passed the limit, after reading only that much of it.
"""

import codecs
import csv
import io
import operator
import os
import re
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime, time

import charset_normalizer

from .columns import COLUMN_BY_KEY, HeaderMap, field_for_header, map_header
from .errors import FileRefused, RowIssue

MIB = 1024 * 1024

CSV_EXTENSIONS = frozenset({".csv", ".txt", ".tsv"})
XLSX_EXTENSIONS = frozenset({".xlsx", ".xlsm"})
DELIMITERS = (",", ";", "\t")

#: Bytes read at the start of a text file to detect its encoding and delimiter.
SNIFF_BYTES = MIB
#: Bytes of lines with non-ASCII characters used to choose a legacy code page.
CHARSET_SAMPLE_BYTES = 64 * 1024
#: Legacy code pages the reader chooses between when a file is not UTF-8 or UTF-16.
LEGACY_ENCODINGS = ("cp1252", "cp1250")
#: A quoted cell running over more physical lines than this, mostly made of lines that contain
#: the delimiter, is taken for a quote that was never closed.
SUSPECT_SPAN_LINES = 10
#: Most members an .xlsx zip may hold, and the highest compression ratio a large member may have.
MAX_XLSX_MEMBERS = 10_000
MAX_XLSX_RATIO = 100
XLSX_RATIO_MIN_BYTES = MIB

_ERROR_HANDLER = "contact_segments.lenient"


def _lenient_decode(error):
    """Codec error handler: read undecodable bytes as Windows-1252 (Latin-1 where undefined).

    A UTF-8 file with a few Windows-1252 bytes further down (two exports pasted together) is
    then read as a person would, instead of failing or showing replacement characters.
    """
    if not isinstance(error, UnicodeDecodeError):
        raise error
    bad = error.object[error.start:error.end]
    text = "".join(
        bytes((b,)).decode("cp1252", errors="ignore") or chr(b) for b in bad
    )
    return text, error.end


codecs.register_error(_ERROR_HANDLER, _lenient_decode)

_MAGIC = (
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"%PDF-", "a PDF document"),
    (b"PK\x03\x04", "a ZIP archive (an Excel .xlsx workbook is one)"),
    (b"PK\x05\x06", "a ZIP archive"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old Excel 97-2003 (.xls) or other Office file"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"Rar!", "a RAR archive"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"MZ", "a Windows program"),
    (b"\x7fELF", "a program"),
    (b"RIFF", "a media file"),
)

_SAVE_AS = "Open it in Excel and use File > Save As > \"CSV UTF-8\" or \"Excel Workbook (.xlsx)\"."


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


class ReadResult:
    """An opened, checked import file.

    Attributes: ``filename``; ``kind`` ("csv" or "xlsx"); ``encoding`` ("utf-8", "utf-8-sig",
    "utf-16", "cp1252", "cp1250", ... or "xlsx"); ``delimiter`` ("," ";" "\\t", or ``None`` for
    .xlsx); ``header`` (:class:`HeaderMap`); ``header_line`` (its line number, normally 1);
    ``total_rows`` (data rows, blank rows not counted: the progress total); ``rows`` (an iterator
    of :class:`SourceRow`, streaming). Use it as a context manager, or call :meth:`close`, to
    release the file.
    """

    def __init__(self, source, filename, kind, encoding, delimiter, header, header_line,
                 total_rows, limits):
        self.filename = filename
        self.kind = kind
        self.encoding = encoding
        self.delimiter = delimiter
        self.header = header
        self.header_line = header_line
        self.total_rows = total_rows
        self.limits = limits
        self._source = source
        self.rows = self.iter_rows()

    def iter_rows(self, start_after_line=0):
        """Return a new iterator of :class:`SourceRow` from the start of the file.

        Rows whose line is ``<= start_after_line`` are skipped (resuming after a checkpoint).
        """
        records = _records(self._source, self.kind, self.encoding, self.delimiter, self.limits)
        return _source_rows(records, self, start_after_line)

    def close(self):
        """Stop the row iterator and close the file if this reader opened it."""
        close = getattr(self.rows, "close", None)
        if close:
            close()
        self._source.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __repr__(self):
        return (f"<ReadResult {self.filename!r} {self.kind} encoding={self.encoding} "
                f"delimiter={self.delimiter!r} rows={self.total_rows}>")


class _Source:
    """The uploaded bytes: a path, or a seekable binary stream (copied first when not seekable)."""

    def __init__(self, path_or_stream, limits):
        self._owned = None
        if isinstance(path_or_stream, (str, os.PathLike)):
            self.path, self.stream = os.fspath(path_or_stream), None
            self.size = os.path.getsize(self.path)
        else:
            stream = path_or_stream
            if not (hasattr(stream, "seekable") and stream.seekable()):
                stream = _spool(stream, limits.max_file_bytes)
                self._owned = stream
            self.path, self.stream = None, stream
            stream.seek(0, io.SEEK_END)
            self.size = stream.tell()
            stream.seek(0)

    def open(self):
        """Return a binary file positioned at the start (closing it never closes a caller's stream)."""
        if self.path is not None:
            return open(self.path, "rb")
        self.stream.seek(0)
        return io.BufferedReader(_Unclosed(self.stream), buffer_size=256 * 1024)

    def close(self):
        """Release a temporary copy made for a non-seekable stream."""
        if self._owned is not None:
            self._owned.close()
            self._owned = None


class _Unclosed(io.RawIOBase):
    """A view of a caller's binary stream that leaves it open when closed."""

    def __init__(self, stream):
        super().__init__()
        self._stream = stream

    def readable(self):
        return True

    def seekable(self):
        return True

    def readinto(self, buffer):
        data = self._stream.read(len(buffer))
        buffer[:len(data)] = data
        return len(data)

    def seek(self, offset, whence=io.SEEK_SET):
        return self._stream.seek(offset, whence)

    def tell(self):
        return self._stream.tell()


def _spool(stream, max_bytes):
    import tempfile

    copy = tempfile.SpooledTemporaryFile(max_size=8 * MIB)
    total = 0
    while chunk := stream.read(MIB):
        total += len(chunk)
        if total > max_bytes:
            copy.close()
            raise _too_large(max_bytes)
        copy.write(chunk)
    copy.seek(0)
    return copy


def _too_large(max_bytes):
    return FileRefused(
        "file_too_large",
        f"The file is larger than the limit of {size_text(max_bytes)}. Split it into smaller files "
        "(keep the header row in each) and import them one after the other.",
    )


def size_text(n):
    """``n`` bytes for people: "50 MB", "300 KB", "12 bytes"."""
    if n >= MIB:
        return f"{n / MIB:g} MB"
    if n >= 1024:
        return f"{n / 1024:g} KB"
    return f"{n} bytes"


def open_rows(path_or_stream, filename, limits=None, *, counted_rows=None):
    """Open and check an uploaded import file, and return a :class:`ReadResult`.

    ``path_or_stream`` is a file path or a binary stream (for example a Werkzeug upload's
    ``.stream``; a caller's stream is never closed by the reader); ``filename`` is the name the
    user gave it (its extension decides CSV or .xlsx); ``limits`` an :class:`ImportLimits`.

    Everything that can refuse the whole file is checked here, before any row is yielded:
    type and extension, size, emptiness, encoding, zip-bomb guard, header columns, and a fast
    pre-pass that counts the data rows (``total_rows``) against ``limits.max_rows``. Raises
    :class:`FileRefused` (with ``.code`` and ``.message``).

    ``counted_rows``: the ``total_rows`` an earlier :func:`open_rows` of this same file found
    (an upload checked when it was stored). The pre-pass then stops at the header and trusts it,
    unless it is over ``limits.max_rows`` (counted again, so a stricter limit still refuses).
    """
    limits = limits or ImportLimits()
    source = _Source(path_or_stream, limits)
    try:
        return _open_checked(source, filename or "", limits, counted_rows)
    except BaseException:
        source.close()
        raise


def count_rows(path_or_stream, filename, limits=None):
    """Return the number of data rows of a file (blank rows not counted), checking it like
    :func:`open_rows` does."""
    result = open_rows(path_or_stream, filename, limits)
    result.close()
    return result.total_rows


def _open_checked(source, filename, limits, counted_rows=None):
    if source.size > limits.max_file_bytes:
        raise _too_large(limits.max_file_bytes)
    extension = os.path.splitext(filename)[1].lower()
    with source.open() as fh:
        head = fh.read(SNIFF_BYTES)
    if not head.strip(b" \t\r\n\x00\xef\xbb\xbf\xfe\xff"):
        raise FileRefused(
            "empty_file",
            "The file is empty. Fill in the example file (header row plus one row per contact) "
            "and upload it again.",
        )
    if extension in XLSX_EXTENSIONS:
        kind, encoding, delimiter = "xlsx", "xlsx", None
        _check_xlsx_bytes(source, head, limits)
    elif extension in CSV_EXTENSIONS:
        kind = "csv"
        _check_not_binary(head)
        _allow_csv_fields_of(max(limits.max_row_chars, len(head)))
        encoding = detect_encoding(head, complete=len(head) >= source.size)
        delimiter = _detect_delimiter(head, encoding, complete=len(head) >= source.size)
    else:
        raise _unsupported(extension)

    records = _records(source, kind, encoding, delimiter, limits)
    header_line, header, total = _prepass(source, records, kind, delimiter, limits, counted_rows)
    return ReadResult(source, filename, kind, encoding, delimiter, header, header_line, total,
                      limits)


def _unsupported(extension):
    if extension == ".xls":
        what = "an old Excel 97-2003 workbook (.xls)"
    elif extension in (".ods", ".numbers"):
        what = f"a {extension} spreadsheet"
    elif extension:
        what = f"a {extension} file"
    else:
        what = "a file without an extension"
    return FileRefused(
        "unsupported_file_type",
        f"This is {what}; only CSV (.csv, .txt) and Excel (.xlsx) files can be imported. "
        + _SAVE_AS,
    )


def _magic(head):
    for signature, what in _MAGIC:
        if head.startswith(signature):
            return what
    return None


def _check_not_binary(head):
    what = _magic(head)
    if what:
        hint = (" If it is an Excel workbook, rename it to .xlsx, or save it as CSV."
                if what.startswith("a ZIP") else f" {_SAVE_AS}")
        raise FileRefused(
            "not_a_spreadsheet",
            f"This file is {what}, not a CSV file, even though its name ends in .csv.{hint}",
        )


def _check_xlsx_bytes(source, head, limits):
    if not head.startswith(b"PK\x03\x04"):
        what = _magic(head)
        if what is None:
            what = "a text file (perhaps a CSV file)"
        raise FileRefused(
            "not_a_spreadsheet",
            f"This file is named .xlsx but it is {what}, not an Excel workbook. "
            "If it is a CSV file, rename it to .csv; otherwise " + _SAVE_AS[0].lower() + _SAVE_AS[1:],
        )
    try:
        with source.open() as fh, zipfile.ZipFile(fh) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, ValueError):
        raise _corrupt_xlsx("it is damaged or incomplete (was the upload or download cut short?)")
    if len(members) > MAX_XLSX_MEMBERS:
        raise _xlsx_bomb(f"it holds {len(members):,} parts (at most {MAX_XLSX_MEMBERS:,})")
    total = sum(member.file_size for member in members)
    if total > limits.max_xlsx_uncompressed_bytes:
        raise _xlsx_bomb(
            f"it unpacks to {size_text(total)}, over the limit of "
            f"{size_text(limits.max_xlsx_uncompressed_bytes)}"
        )
    for member in members:
        if (member.file_size > XLSX_RATIO_MIN_BYTES
                and member.file_size > MAX_XLSX_RATIO * max(member.compress_size, 1)):
            raise _xlsx_bomb(
                f"its part {member.filename!r} is compressed more than {MAX_XLSX_RATIO} times"
            )
    names = {member.filename for member in members}
    if "xl/workbook.xml" not in names:
        raise _corrupt_xlsx("it is a ZIP archive without an Excel workbook inside")


def _xlsx_bomb(reason):
    return FileRefused(
        "xlsx_too_large",
        f"This Excel file cannot be imported: {reason}. Save the sheet as CSV UTF-8, or split it "
        "into smaller files, and upload again.",
    )


def _corrupt_xlsx(reason):
    return FileRefused(
        "corrupt_xlsx",
        f"This Excel file cannot be read: {reason}. Open it in Excel, save it again as "
        "\"Excel Workbook (.xlsx)\" or \"CSV UTF-8\", and upload the new file.",
    )


# --- encoding -------------------------------------------------------------------------------

def detect_encoding(head, complete=False):
    """Return the encoding of a text file from its first bytes ``head``.

    A BOM decides first (``utf-8-sig``, ``utf-16``, ``utf-32``); then UTF-16 without BOM is
    recognized by its zero bytes; then ``utf-8`` when ``head`` decodes as UTF-8 (``complete``
    says ``head`` is the whole file, so a cut multi-byte character at its end is an error);
    otherwise :func:`guess_legacy_encoding` chooses among :data:`LEGACY_ENCODINGS` from the lines
    that have non-ASCII bytes. Raises :class:`FileRefused`
    (``not_a_spreadsheet``) for binary content.
    """
    if head.startswith(codecs.BOM_UTF8):
        encoding = "utf-8-sig"
    elif head.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        encoding = "utf-32"
    elif head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding = "utf-16"
    else:
        encoding = _utf16_without_bom(head) or _utf8_or_legacy(head, complete)
    text = codecs.getincrementaldecoder(encoding)(_ERROR_HANDLER).decode(head[:SNIFF_BYTES])
    controls = sum(text.count(ch) for ch in _CONTROL_CHARS)
    if controls > max(8, len(text) // 100):
        raise FileRefused(
            "not_a_spreadsheet",
            "This file does not contain text: it looks like a program, an image or another binary "
            "file saved with a .csv name. " + _SAVE_AS,
        )
    return encoding


_CONTROL_CHARS = tuple(chr(c) for c in range(32) if chr(c) not in "\t\n\r") + ("\x7f",)


def _utf16_without_bom(head):
    sample = head[:4096]
    pairs = len(sample) // 2
    if pairs < 2 or b"\x00" not in sample:
        return None
    odd_zeros = sample[1::2].count(0)
    even_zeros = sample[0::2].count(0)
    if odd_zeros > 0.4 * pairs and even_zeros < 0.05 * pairs:
        return "utf-16-le"
    if even_zeros > 0.4 * pairs and odd_zeros < 0.05 * pairs:
        return "utf-16-be"
    return None


def _utf8_or_legacy(head, complete):
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=complete)
        return "utf-8"
    except UnicodeDecodeError:
        pass
    # Mostly valid UTF-8 with a few stray legacy bytes (two exports pasted together): UTF-8, the
    # stray bytes are read as Windows-1252 by the lenient error handler.
    text = codecs.getincrementaldecoder("utf-8")("surrogateescape").decode(head, final=complete)
    invalid = sum(1 for ch in text if "\udc80" <= ch <= "\udcff")
    if sum(1 for ch in text if ch > "\x7f") - invalid > invalid:
        return "utf-8"
    lines = [line for line in head.splitlines() if max(line, default=0) >= 0x80]
    return guess_legacy_encoding(b"\n".join(lines)[:CHARSET_SAMPLE_BYTES])


#: Letters frequent in the languages written with each legacy code page (names and places).
_FREQUENT_LETTERS = {
    "cp1252": set("áàâãäçéèêëíîïñóòôõöúùûüßœ"),
    "cp1250": set("ąćęłńóśźżčďěňřšťůžőűăâîșțţşáéíúýöüäôĺľŕ"),
}


def _readable_encodings(sample):
    """The code pages of :data:`LEGACY_ENCODINGS` in which charset-normalizer finds ``sample``
    readable: those whose "chaos" (mess) is within 0.1 of the least chaotic one."""
    chaos = {}
    for match in charset_normalizer.from_bytes(sample, cp_isolation=list(LEGACY_ENCODINGS)):
        for encoding in (match.encoding, *match.could_be_from_charset):
            chaos.setdefault(encoding, match.chaos)
    if not chaos:
        return LEGACY_ENCODINGS
    least = min(chaos.values())
    readable = tuple(encoding for encoding in LEGACY_ENCODINGS if chaos.get(encoding, 1.0) <= least + 0.1)
    return readable or LEGACY_ENCODINGS


def guess_legacy_encoding(sample):
    """Return "cp1252" or "cp1250" for non-UTF-8 text bytes ``sample``.

    charset-normalizer (a maintained detector) first rules out a code page in which the text
    reads as a mess. It gives both the same (zero) chaos on names such as "João" or
    "Paweł Wiśniewski", though, so among the readable ones letters decide: each non-ASCII
    character scores 2 when it is a letter frequent in that code page's languages, 1 for another
    letter, -3 for a symbol or control character (cp1252 reads Polish "ł" as "³"); a tie goes
    to cp1252.
    """
    candidates = _readable_encodings(sample)
    best, best_score = candidates[0], None
    for encoding in candidates:
        frequent = _FREQUENT_LETTERS[encoding]
        text = sample.decode(encoding, errors="replace")
        score = 0
        for ch in text:
            if ch < "\x80":
                continue
            if ch.lower() in frequent:
                score += 2
            elif ch.isalpha():
                score += 1
            else:
                score -= 3
        if best_score is None or score > best_score:
            best, best_score = encoding, score
    return best


# --- delimiter ------------------------------------------------------------------------------

_SEP_LINE = re.compile(r"^\ufeff?sep=(.)\s*$", re.IGNORECASE)


#: Characters at the start of a text file in which the delimiter is chosen (from the header).
_HEADER_SAMPLE_CHARS = 64 * 1024


def _detect_delimiter(head, encoding, complete):
    text = codecs.getincrementaldecoder(encoding)(_ERROR_HANDLER).decode(head, final=complete)
    text = text[:_HEADER_SAMPLE_CHARS]
    first_line = text.lstrip("\ufeff").split("\n", 1)[0].split("\r", 1)[0]
    sep = _SEP_LINE.match(first_line)
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


# --- records --------------------------------------------------------------------------------

def _records(source, kind, encoding, delimiter, limits):
    """Yield ``(line, cells, span)`` for every record of the file, blank ones included:
    ``span`` is the number of physical lines the record took (1 for .xlsx). A CSV record over
    ``limits.max_row_chars`` raises :class:`_RowTooLong`."""
    if kind == "xlsx":
        return _xlsx_records(source)
    return _csv_records(source, encoding, delimiter, limits.max_row_chars)


#: The longest first line taken for Excel's "sep=;" line.
_SEP_LINE_CHARS = 64


def _csv_records(source, encoding, delimiter, max_row_chars):
    with source.open() as binary:
        text = io.TextIOWrapper(binary, encoding=encoding, errors=_ERROR_HANDLER, newline="")
        try:
            # Excel's "sep=;" first line names the delimiter and is not shown as a row.
            first = text.readline(_SEP_LINE_CHARS)
            if not (first.endswith(("\n", "\r")) and _SEP_LINE.match(first.rstrip("\r\n"))):
                text.seek(0)
            row_lines = []
            reader = csv.reader(_bounded_lines(text, max_row_chars, row_lines), delimiter=delimiter)
            start_row = row_lines.clear
            line = previous = 0
            try:
                for record in reader:
                    line += 1
                    yield line, record, reader.line_num - previous
                    previous = reader.line_num
                    start_row()
            except _RowOverflow:
                raise _RowTooLong(line + 1, *_open_cell("".join(row_lines), delimiter)) from None
        finally:
            text.detach()


class _RowOverflow(Exception):
    """Raised by :func:`_bounded_lines` when a row passes its limit."""


class _RowTooLong(Exception):
    """A CSV row longer than ``max_row_chars``: at ``line``, its cell ``position`` (0-based) had
    at least ``cell_chars`` characters when the limit was passed."""

    def __init__(self, line, position, cell_chars):
        super().__init__(line, position, cell_chars)
        self.line, self.position, self.cell_chars = line, position, cell_chars


def _allow_csv_fields_of(chars):
    """Let the csv module read a cell of ``chars`` characters (its limit is only ever raised)."""
    if csv.field_size_limit() <= chars:
        csv.field_size_limit(chars + 1)


#: Lines of one row kept apart before they are joined into one string (a row over countless
#: short lines then holds one string, not countless small ones).
_JOIN_ROW_LINES = 256


def _bounded_lines(text, max_chars, row_lines):
    """Yield the physical lines of ``text`` for ``csv.reader``, keeping the text of the row being
    read in ``row_lines`` (the caller empties it after each row); raise :class:`_RowOverflow`,
    without handing it out, at the line that takes a row over ``max_chars`` characters."""
    readline = text.readline
    piece = max_chars + 1
    append = row_lines.append
    row_chars = 0
    while line := readline(piece):
        if not row_lines:
            row_chars = 0
        elif len(row_lines) >= _JOIN_ROW_LINES:
            row_lines[:] = ["".join(row_lines)]
        row_chars += len(line)
        append(line)
        if row_chars > max_chars:
            raise _RowOverflow
        yield line


def _open_cell(text, delimiter):
    """Return ``(position, characters)`` of the cell that the start of a CSV row ``text`` ends in
    (the csv module's default dialect: a cell that starts with a double quote is quoted, a
    doubled quote inside it is one quote)."""
    position = start = at = 0
    quoted = False
    end = len(text)
    while at < end:
        if quoted:
            close = text.find('"', at)
            if close < 0:
                break
            at = close + 2 if text.startswith('"', close + 1) else close + 1
            quoted = text[close + 1:close + 2] == '"'
        elif at == start and text.startswith('"', at):
            quoted, at = True, at + 1
        else:
            next_cell = text.find(delimiter, at)
            if next_cell < 0:
                break
            position, start = position + 1, next_cell + 1
            at = start
    return position, end - start


def _xlsx_records(source):
    import openpyxl

    with source.open() as binary:
        try:
            workbook = openpyxl.load_workbook(binary, read_only=True, data_only=True,
                                              keep_links=False)
        except _XLSX_ERRORS as error:
            raise _corrupt_xlsx(f"its workbook structure is damaged ({type(error).__name__})")
        try:
            if not workbook.worksheets:
                raise _corrupt_xlsx("it has no worksheet")
            sheet = workbook.worksheets[0]
            sheet.reset_dimensions()
            rows = enumerate(sheet.iter_rows(values_only=True), start=1)
            while True:
                try:
                    line, values = next(rows)
                except StopIteration:
                    return
                except _XLSX_ERRORS as error:
                    raise _corrupt_xlsx(f"its first sheet is damaged ({type(error).__name__})")
                yield line, [_cell_text(value) for value in values], 1
        finally:
            workbook.close()


def _xlsx_error_types():
    import xml.etree.ElementTree as ElementTree
    import zlib

    from openpyxl.utils.exceptions import InvalidFileException

    return (zipfile.BadZipFile, zlib.error, ElementTree.ParseError, InvalidFileException,
            KeyError, ValueError, TypeError, IndexError, AttributeError, EOFError, OSError)


#: What openpyxl raises on a damaged workbook (turned into FileRefused "corrupt_xlsx").
_XLSX_ERRORS = _xlsx_error_types()


def _cell_text(value):
    """Return an Excel cell value as the text a person sees (no ".0" on whole numbers)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e17:
            return str(int(value))
        return repr(value)
    if isinstance(value, datetime):
        if value.time() == time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, (date, time)):
        return value.isoformat()
    return str(value)


def _is_blank(cells):
    for cell in cells:
        if cell and not cell.isspace():
            return False
    return True


def _prepass(source, records, kind, delimiter, limits, counted_rows=None):
    """Find the header, map it, and count the data rows; raise FileRefused for whole-file faults.

    An .xlsx sheet is counted from its XML (:func:`count_xlsx_rows`), several times faster than
    openpyxl; CSV records are counted with the csv module, which also finds unclosed quotes.
    With ``counted_rows`` (an earlier pass's count, within the limit) it stops at the header.
    """
    header_line, header, total = 0, None, 0
    max_rows = limits.max_rows
    trusted = counted_rows is not None and 0 < counted_rows <= max_rows
    last = counted = None
    try:
        if kind == "xlsx" and not trusted:
            # Before openpyxl opens the workbook (it holds every shared string): this pass also
            # refuses a cell longer than a row may be.
            counted = count_xlsx_rows(source, stop_after=max_rows + 2,  # header + 1 too many
                                      max_cell_chars=limits.max_row_chars)
        for record in records:
            cells = record[1]
            if _is_blank(cells):
                continue
            if header is None:
                header_line, header = record[0], map_header(cells)
                if trusted:
                    total = counted_rows
                    break
                if counted is not None:
                    total = max(counted - 1, 0)
                    _check_row_count(total, max_rows)
                    break
                continue
            total += 1
            last = record
            _check_row_count(total, max_rows)
    except csv.Error as error:
        raise FileRefused(
            "unreadable_csv",
            f"The file cannot be read as CSV ({error}). {_SAVE_AS}",
        )
    except _RowTooLong as too_long:
        raise _long_row_refusal(too_long, header, limits) from None
    finally:
        records.close()
    if header is None:
        raise FileRefused(
            "empty_file",
            "The file has no header row and no contacts. Fill in the example file and upload it "
            "again.",
        )
    if total == 0:
        raise FileRefused(
            "no_rows",
            "The file has a header row but no contacts below it. Add one row per contact under "
            "the header and upload it again.",
        )
    if last is not None and kind == "csv":
        issue = _unclosed_quote(last[0], last[1], last[2], delimiter, header.width, at_end=True)
        if issue is not None:
            raise FileRefused("unbalanced_quote", issue.message)
    return header_line, header, total


def _check_row_count(total, max_rows):
    if total > max_rows:
        raise FileRefused(
            "too_many_rows",
            f"The file has more than {max_rows:,} rows, the most one import can take. "
            "Split it into smaller files (keep the header row in each) and import them "
            "one after the other.",
        )


# --- fast .xlsx row count -------------------------------------------------------------------

_WORKSHEET_REL = "/relationships/worksheet"


class _EnoughRows(Exception):
    pass


def count_xlsx_rows(source, stop_after=None, max_cell_chars=None):
    """Return the number of non-blank rows (header included) of the first sheet of an .xlsx,
    read from the sheet's XML with expat, or ``None`` when the workbook's layout is not the
    usual one (the caller then counts with openpyxl).

    A row counts when one of its cells has a value that is not only spaces, as openpyxl with
    ``data_only=True`` reads it: a formula without a cached value is blank, and a shared string
    made of spaces is blank. Counting stops after ``stop_after`` rows. A cell of more than
    ``max_cell_chars`` characters (never held whole) raises :class:`_RowTooLong`.
    """
    from xml.parsers import expat

    try:
        with source.open() as binary, zipfile.ZipFile(binary) as archive:
            sheet = _first_sheet_path(archive, expat)
            if sheet is None:
                return None
            blank, long = _shared_string_kinds(archive, expat, max_cell_chars)
            return _count_sheet_rows(archive, sheet, blank, long, stop_after, expat, max_cell_chars)
    except (zipfile.BadZipFile, KeyError, ValueError, expat.ExpatError, OSError, EOFError):
        return None


def _local(name):
    return name.rpartition(" ")[2]


def _parse_member(archive, member, parser):
    with archive.open(member) as fh:
        parser.ParseFile(fh)


def _first_sheet_path(archive, expat):
    sheets, targets = [], {}

    def workbook_start(name, attrs):
        if _local(name) == "sheet":
            rel = next((v for k, v in attrs.items() if _local(k) == "id"), None)
            sheets.append(rel)

    def rels_start(name, attrs):
        if _local(name) == "Relationship" and attrs.get("Type", "").endswith(_WORKSHEET_REL):
            targets[attrs.get("Id")] = attrs.get("Target", "")

    for member, handler in (("xl/workbook.xml", workbook_start),
                            ("xl/_rels/workbook.xml.rels", rels_start)):
        parser = expat.ParserCreate(namespace_separator=" ")
        parser.StartElementHandler = handler
        _parse_member(archive, member, parser)
    for rel in sheets:
        if rel in targets:
            target = targets[rel]
            path = target.lstrip("/") if target.startswith("/") else "xl/" + target
            return os.path.normpath(path).replace(os.sep, "/")
    return None


def _shared_string_kinds(archive, expat, max_chars=None):
    """Return ``(blank, long)``: the indexes of the shared strings that are empty or only spaces,
    and ``{index: characters}`` of those longer than ``max_chars`` (no text is held whole)."""
    if "xl/sharedStrings.xml" not in archive.NameToInfo:
        return frozenset(), {}
    blank, long = set(), {}
    state = {"index": 0, "chars": 0, "filled": False, "in_t": False, "phonetic": 0}

    def start(name, attrs):
        name = _local(name)
        if name == "si":
            state["chars"], state["filled"] = 0, False
        elif name == "rPh":
            state["phonetic"] += 1
        elif name == "t" and not state["phonetic"]:
            state["in_t"] = True

    def end(name):
        name = _local(name)
        if name == "t":
            state["in_t"] = False
        elif name == "rPh":
            state["phonetic"] -= 1
        elif name == "si":
            if not state["filled"]:
                blank.add(state["index"])
            if max_chars is not None and state["chars"] > max_chars:
                long[state["index"]] = state["chars"]
            state["index"] += 1

    def data(text):
        if state["in_t"]:
            state["chars"] += len(text)
            if not state["filled"] and text and not text.isspace():
                state["filled"] = True

    parser = expat.ParserCreate(namespace_separator=" ")
    parser.buffer_text = True
    parser.StartElementHandler, parser.EndElementHandler = start, end
    parser.CharacterDataHandler = data
    _parse_member(archive, "xl/sharedStrings.xml", parser)
    return frozenset(blank), long


_CELL_REFERENCE = re.compile(r"([A-Z]{1,3})(\d+)$")


def _column_index(letters):
    """The 0-based position of a spreadsheet column ("A" -> 0, "AB" -> 27)."""
    index = 0
    for letter in letters:
        index = index * 26 + ord(letter) - 64
    return index - 1


def _count_sheet_rows(archive, sheet, blank_strings, long_strings, stop_after, expat,
                      max_chars=None):
    state = {"count": 0, "filled": False, "type": None, "text": None, "chars": 0,
             "row": 0, "column": -1}
    limit = max_chars if max_chars is not None else float("inf")

    def too_long(chars):
        return _RowTooLong(state["row"], state["column"], chars)

    def start(name, attrs):
        name = _local(name)
        if name == "c":
            state["type"] = attrs.get("t")
            reference = _CELL_REFERENCE.match(attrs.get("r", ""))
            state["column"] = _column_index(reference[1]) if reference else state["column"] + 1
        elif name in ("v", "t"):
            state["text"], state["chars"] = [], 0
        elif name == "row":
            state["filled"], state["column"] = False, -1
            number = attrs.get("r", "")
            state["row"] = int(number) if number.isdigit() else state["row"] + 1

    def end(name):
        name = _local(name)
        if name in ("v", "t") and state["text"] is not None:
            if state["chars"] > limit:
                raise too_long(state["chars"])
            text, state["text"] = "".join(state["text"]), None
            if name == "v" and state["type"] == "s":
                index = int(text) if text.strip().isdigit() else None
                if index in long_strings:
                    raise too_long(long_strings[index])
                filled = index is not None and index not in blank_strings
            else:
                filled = bool(text) and not text.isspace()
            state["filled"] = state["filled"] or filled
        elif name == "row" and state["filled"]:
            state["count"] += 1
            if stop_after is not None and state["count"] >= stop_after:
                raise _EnoughRows

    def data(text):
        if state["text"] is not None:
            state["chars"] += len(text)
            if state["chars"] <= limit:
                state["text"].append(text)

    parser = expat.ParserCreate(namespace_separator=" ")
    parser.buffer_text = True
    parser.StartElementHandler, parser.EndElementHandler = start, end
    parser.CharacterDataHandler = data
    try:
        _parse_member(archive, sheet, parser)
    except _EnoughRows:
        pass
    return state["count"]


def _unclosed_quote(line, cells, span, delimiter, width, at_end=False):
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


def _source_rows(records, result, start_after_line):
    header = result.header
    width = header.width
    max_chars = result.limits.max_cell_chars
    delimiter = result.delimiter
    column_names = {i: COLUMN_BY_KEY[key].header for key, i in header.index.items()}
    skip_through = max(result.header_line, start_after_line)
    cells_of = cell_picker(header.index)
    try:
        for line, raw, span in records:
            if line <= skip_through:
                continue
            # One joined string answers "blank row?", "a cell over the limit?" (only if the
            # row is) and "a NUL anywhere?" without a Python loop over the cells.
            joined = "".join(raw)
            if not joined or joined.isspace():
                continue
            problems, warnings = [], []
            size = len(raw)
            if size > width:
                used = size
                while used > width and not raw[used - 1].strip():
                    used -= 1
                if used > width:
                    problems.append(_too_many_cells(line, used, width, delimiter, header))
            if len(joined) > max_chars or "\x00" in joined:
                _clean_cells(line, raw, max_chars, column_names, header, problems, warnings)
            if span > SUSPECT_SPAN_LINES and delimiter:
                issue = _unclosed_quote(line, raw, span, delimiter, width)
                if issue:
                    problems.append(issue)
            yield SourceRow(line, cells_of(raw), raw, problems, warnings)
    except _RowTooLong as too_long:
        raise _long_row_refusal(too_long, header, result.limits) from None
    finally:
        records.close()


def _long_row_refusal(too_long, header, limits):
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


def _clean_cells(line, raw, max_chars, column_names, header, problems, warnings):
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


def _too_many_cells(line, used, width, delimiter, header):
    message = (f"Line {line} has {used} cells but the header has {width}: check for an "
               "unquoted delimiter")
    if delimiter and delimiter != "\t":
        message += (f" (a cell that contains \"{delimiter}\" must be put in double quotes")
        if delimiter == ";" and "segments" in header.index:
            message += ", for example \"Segment 1; Segment 2\""
        message += ")"
    return RowIssue(line, None, "too_many_cells", message + ".")
