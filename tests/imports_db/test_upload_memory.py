"""An upload holding a huge cell costs the web process (the check at upload) and the worker (the
full read of a file stored unchecked, as the CLI stores it) a bounded amount of memory, and is
refused naming the line and the column; measured with tracemalloc on SQLite and PostgreSQL."""

import io
import tracemalloc

import pytest

from contact_segments.demo.models import db
from contact_segments.imports import service
from contact_segments.imports.errors import FileRefused
from contact_segments.imports.models import REFUSED

MIB = 1024 * 1024
HEADER = b"Country Code,First Name,Last Name,Email\r\nUS,Ann,Lee,ann@example.com\r\n"
#: The file is stored in 1 MiB chunks and read through a 256 KiB buffer; a row is at most
#: 262,144 characters: the rest of a 40 MB cell is never held.
BOUNDED = 24 * MIB


@pytest.fixture
def app_config():
    return {"SEGMENTS_IMPORT_MAX_FILE_BYTES": 50 * MIB}


def huge_cell_upload():
    return io.BytesIO(HEADER + b"US,Bob," + b"x" * (40 * MIB) + b",bob@example.com\r\n")


def peak_of(work):
    """Run ``work()``; return its result and the peak of memory it allocated."""
    tracemalloc.start()
    try:
        result = work()
        return result, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_checking_an_upload_with_a_huge_cell_stays_in_bounded_memory(scope_for):
    stream = huge_cell_upload()

    def upload():
        with pytest.raises(FileRefused) as caught:
            service.create_import(scope_for("consultant"), stream, "huge.csv")
        return caught.value

    refused, peak = peak_of(upload)
    assert refused.code == "cell_too_long"
    assert refused.message.startswith('Line 3: a cell (column "Last Name") has more than')
    assert peak < BOUNDED, f"peak {peak / MIB:.1f} MB to check a 40 MB upload"


def test_the_worker_refuses_a_stored_file_with_a_huge_cell_in_bounded_memory(scope_for):
    scope = scope_for("consultant")
    imp = service.create_import(scope, huge_cell_upload(), "huge.csv", check=False)

    def run():
        service.start(scope, imp.id, wait=True)
        db.session.expire_all()
        return db.session.get(type(imp), imp.id)

    ended, peak = peak_of(run)
    assert (ended.status, ended.error_code) == (REFUSED, "cell_too_long")
    assert ended.error_message.startswith('Line 3: a cell (column "Last Name") has more than')
    assert peak < BOUNDED, f"peak {peak / MIB:.1f} MB to read a 40 MB cell"
