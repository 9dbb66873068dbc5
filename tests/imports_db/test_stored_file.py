"""The uploaded file as stored in the database: compressed when that pays, read back byte for byte
(also across chunk boundaries and from chunks stored uncompressed by an earlier version)."""

import io
import random

import pytest
import sqlalchemy as sa
from importdb_helpers import csv_bytes, row

from contact_segments.demo.models import db
from contact_segments.imports import service
from contact_segments.imports.models import ImportChunk
from contact_segments.imports.storage import CHUNK_BYTES, StoredFile, copy_file


def _csv_of_three_chunks():
    rows = [row(first=f"Name{n}", email=f"person{n}@example.com", segments="VIP; Loja Centro")
            for n in range(5 * CHUNK_BYTES // 2 // 63)]
    data = csv_bytes(rows)
    assert 2 * CHUNK_BYTES < len(data) < 3 * CHUNK_BYTES
    return data


def _chunks(import_id):
    return db.session.execute(
        sa.select(ImportChunk.seq, ImportChunk.codec, sa.func.length(ImportChunk.data))
        .where(ImportChunk.import_id == import_id).order_by(ImportChunk.seq)).all()


def _read_back(imp, positions):
    """The whole stored file, then the bytes read at each of ``positions`` after a seek."""
    with io.BufferedReader(StoredFile(db.session, imp.id, imp.file_size)) as stored:
        whole = stored.read()
        pieces = []
        for position in positions:
            stored.seek(position)
            pieces.append(stored.read(100))
    return whole, pieces


def test_a_csv_is_stored_compressed_and_reads_back_byte_for_byte(app, scope_for):
    data = _csv_of_three_chunks()
    scope = scope_for("consultant")
    imp = service.create_import(scope, io.BytesIO(data), "contacts.csv", check=False)
    chunks = _chunks(imp.id)
    assert [(seq, codec) for seq, codec, _ in chunks] == [(0, "zlib"), (1, "zlib"), (2, "zlib")]
    assert sum(size for _, _, size in chunks) < len(data) / 2
    assert imp.file_size == len(data)
    boundaries = [CHUNK_BYTES - 50, 2 * CHUNK_BYTES - 1, len(data) - 30, 0]
    whole, pieces = _read_back(imp, boundaries)
    assert whole == data
    assert pieces == [data[p:p + 100] for p in boundaries]
    # A file copied to another import (a preview turned into the import) keeps its codec.
    other = service.create_import(scope, io.BytesIO(b"x"), "other.csv", check=False)
    db.session.execute(sa.delete(ImportChunk).where(ImportChunk.import_id == other.id))
    copy_file(db.session, imp.id, other.id)
    other.file_size = imp.file_size
    db.session.commit()
    assert _read_back(other, [])[0] == data


def test_chunks_that_do_not_compress_are_stored_as_uploaded(app, scope_for):
    data = random.Random(7).randbytes(CHUNK_BYTES + 1000)  # like an .xlsx: already compressed
    imp = service.create_import(scope_for("consultant"), io.BytesIO(data), "contacts.xlsx", check=False)
    assert [(seq, codec, size) for seq, codec, size in _chunks(imp.id)] == [
        (0, None, CHUNK_BYTES), (1, None, 1000)]
    assert _read_back(imp, [CHUNK_BYTES - 10])[0] == data


def test_a_file_stored_uncompressed_by_an_earlier_version_still_imports(app, scope_for, run_import):
    data = csv_bytes([row(first="Ana", email="ana@example.com"), row(first="Bo", mobile="+1 202 555 0143")])
    scope = scope_for("consultant")
    imp = service.create_import(scope, io.BytesIO(data), "contacts.csv", check=False)
    db.session.execute(sa.update(ImportChunk).where(ImportChunk.import_id == imp.id)
                       .values(data=data, codec=None))  # as chunks were stored before 0006
    db.session.commit()
    service.start(scope, imp.id, wait=True)
    db.session.expire_all()
    summary = service.import_summary(scope, imp.id)
    assert (summary["rows"], summary["created"], summary["failed"]) == (2, 2, 0)


def test_an_unknown_codec_is_a_clear_error_not_garbage(app, scope_for):
    scope = scope_for("consultant")
    imp = service.create_import(scope, io.BytesIO(b"Country Code\nUS\n"), "contacts.csv", check=False)
    db.session.execute(sa.update(ImportChunk).where(ImportChunk.import_id == imp.id).values(codec="zstd"))
    db.session.commit()
    with pytest.raises(ValueError, match="unknown codec 'zstd'"):
        _read_back(imp, [])
