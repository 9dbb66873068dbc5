"""Where an import's data lives between steps, all in the database (no shared disk needed).

* The uploaded file: :func:`store_file` writes it in chunks (``segments_import_chunk``),
  compressed with zlib level 1 when that pays (a CSV shrinks to about a third, and the database
  then stores it about 2.5 times faster than it compresses it itself); :class:`StoredFile` reads
  it back as a seekable binary stream, one chunk in memory at a time.
* A part of the file (``segments_import_part``): :func:`pack_source_rows` /
  :func:`unpack_source_rows` for the rows as read, :func:`pack_validated_rows` /
  :func:`unpack_validated_records` for the validated rows. Every row of a million-row import
  goes through these, so they are compressed ``marshal`` data of plain lists and tuples
  (strings, numbers, ``None``): several times cheaper to write and read than JSON, and unlike
  pickle marshal can build no object but those plain values. Parts stored as compressed JSON by
  an earlier version still read.
"""

import io
import json
import marshal
import operator
import zlib
from typing import NamedTuple

import sqlalchemy as sa

from .errors import RowIssue
from .limits import file_too_large
from .models import ImportChunk
from .rows import SourceRow, cell_picker

CHUNK_BYTES = 1024 * 1024

#: The contact fields a validated row carries, in the order they are packed.
VALUE_FIELDS = ("country_code", "first_name", "last_name", "mobile", "email", "account_number",
                "organization", "external_id")


def store_file(session, import_id, stream, max_bytes):
    """Copy the binary ``stream`` into chunks of import ``import_id``; return its size in bytes.

    Raises :class:`FileRefused` (``file_too_large``) as soon as more than ``max_bytes`` have come,
    so an oversized upload is never stored whole. Does not commit.
    """
    size, seq = 0, 0
    while True:
        data = stream.read(CHUNK_BYTES)
        if not data:
            break
        # A stream may return short reads; fill the chunk so offsets stay CHUNK_BYTES apart.
        while len(data) < CHUNK_BYTES:
            more = stream.read(CHUNK_BYTES - len(data))
            if not more:
                break
            data += more
        size += len(data)
        if size > max_bytes:
            raise file_too_large(max_bytes)
        stored, codec = _encode_chunk(data)
        session.execute(sa.insert(ImportChunk),
                        [{"import_id": import_id, "seq": seq, "data": stored, "codec": codec}])
        seq += 1
    return size


#: A chunk is stored compressed only if that saves at least this share of its bytes (an .xlsx
#: file, already zip-compressed, is stored as it is).
_WORTH_COMPRESSING = 0.9
_ZLIB = "zlib"


def _encode_chunk(data):
    """Return ``(bytes to store, codec)`` for one chunk of an uploaded file."""
    compressed = zlib.compress(data, 1)
    if len(compressed) <= len(data) * _WORTH_COMPRESSING:
        return compressed, _ZLIB
    return data, None


def _decode_chunk(data, codec):
    """Return the uploaded bytes of a chunk stored by :func:`_encode_chunk` (or before it)."""
    if codec is None:
        return data
    if codec == _ZLIB:
        return zlib.decompress(data)
    raise ValueError(f"stored file chunk with unknown codec {codec!r}")


def copy_file(session, from_import_id, to_import_id):
    """Copy the stored file of one import to another, inside the database. Does not commit."""
    selected = sa.select(sa.literal(to_import_id), ImportChunk.seq, ImportChunk.data,
                         ImportChunk.codec).where(ImportChunk.import_id == from_import_id)
    session.execute(sa.insert(ImportChunk).from_select(["import_id", "seq", "data", "codec"], selected))


class StoredFile(io.RawIOBase):
    """The stored file of an import as a read-only, seekable binary stream.

    Reads one chunk at a time through ``session``; wrap it in :class:`io.BufferedReader` (as the
    import reader does) for speed.
    """

    def __init__(self, session, import_id, size):
        super().__init__()
        self._session = session
        self._import_id = import_id
        self._size = size
        self._position = 0
        self._chunk_seq = None
        self._chunk = b""

    def readable(self):
        """The stream can be read."""
        return True

    def seekable(self):
        """The stream can be positioned anywhere."""
        return True

    def tell(self):
        """Return the current position."""
        return self._position

    def seek(self, offset, whence=io.SEEK_SET):
        """Move to ``offset`` (relative to ``whence``) and return the new position."""
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._position, io.SEEK_END: self._size}[whence]
        self._position = max(0, base + offset)
        return self._position

    def readinto(self, buffer):
        """Fill ``buffer`` from the current position; return the number of bytes read."""
        if self._position >= self._size:
            return 0
        seq, offset = divmod(self._position, CHUNK_BYTES)
        if seq != self._chunk_seq:
            self._chunk = _decode_chunk(*self._session.execute(
                sa.select(ImportChunk.data, ImportChunk.codec).where(
                    ImportChunk.import_id == self._import_id, ImportChunk.seq == seq)
            ).one())
            self._chunk_seq = seq
        piece = self._chunk[offset:offset + len(buffer)]
        buffer[:len(piece)] = piece
        self._position += len(piece)
        return len(piece)


#: First byte of a part packed as ``marshal`` data (older parts are zlib JSON: they start with 0x78).
_MARSHAL_FORMAT = b"M"
#: marshal's format version 4: stable since Python 3.4 for the plain values stored here.
_MARSHAL_VERSION = 4


def _pack(payload):
    return _MARSHAL_FORMAT + zlib.compress(marshal.dumps(payload, _MARSHAL_VERSION), 1)


def _unpack(blob):
    if blob[:1] == _MARSHAL_FORMAT:
        return marshal.loads(zlib.decompress(blob[1:]))
    return json.loads(zlib.decompress(blob))  # a part stored by an earlier version


def _issues(issues):
    return [[issue.column, issue.code, issue.params] for issue in issues]


def _row_issues(line, packed):
    if not packed:
        return []
    return [RowIssue(line, column, code, params) for column, code, params in packed]


def pack_source_rows(header, rows):
    """Pack :class:`SourceRow` objects and the file's :class:`HeaderMap` ``header`` into bytes."""
    return _pack({
        "index": header.index,
        "headers": header.headers,
        "rows": [[row.line, row.raw, _issues(row.problems) if row.problems else None,
                  _issues(row.warnings) if row.warnings else None] for row in rows],
    })


def unpack_source_rows(blob):
    """Return the :class:`SourceRow` list packed by :func:`pack_source_rows`."""
    payload = _unpack(blob)
    cells_of = cell_picker(payload["index"])
    return [SourceRow(line, cells_of(raw), raw, _row_issues(line, problems), _row_issues(line, warnings))
            for line, raw, problems, warnings in payload["rows"]]


def unpack_raw_cells(blob):
    """Return ``(header cells, [(line, raw cells), ...])`` of a packed source part (the report)."""
    payload = _unpack(blob)
    return payload["headers"], [(row[0], row[1]) for row in payload["rows"]]


class RowRecord(NamedTuple):
    """A validated row as the apply step reads it (see :func:`unpack_validated_records`).

    ``values``: the contact fields in :data:`VALUE_FIELDS` order (``None`` when blank or
    invalid); ``segment_names``: the names as written; ``errors`` and ``warnings``: tuples of
    ``(column, code, params)`` (see :class:`RowIssue`).
    """

    line: int
    values: tuple
    segment_names: tuple
    errors: tuple
    warnings: tuple


def _issue_tuples(issues):
    return tuple([(issue.column, issue.code, issue.params) for issue in issues]) if issues else ()


_row_values = operator.attrgetter(*VALUE_FIELDS)


def pack_validated_rows(rows):
    """Pack :class:`~contact_segments.imports.validation.ValidatedRow` objects into bytes (read back by :func:`unpack_validated_records`)."""
    return _pack([
        (row.line, _row_values(row), tuple(row.segment_names), _issue_tuples(row.errors),
         _issue_tuples(row.warnings))
        for row in rows
    ])


def unpack_validated_records(blob):
    """Return the :class:`RowRecord` list of a part packed by :func:`pack_validated_rows`."""
    if blob[:1] == _MARSHAL_FORMAT:
        return list(map(RowRecord._make, _unpack(blob)))
    return [  # a part packed as JSON by an earlier version
        RowRecord(line, tuple(values), tuple(names), tuple(map(tuple, errors)), tuple(map(tuple, warnings)))
        for line, values, names, errors, warnings in _unpack(blob)
    ]
