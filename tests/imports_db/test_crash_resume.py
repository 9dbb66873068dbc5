"""An import killed with SIGKILL mid-way and resumed ends exactly like an uninterrupted one.

The import runs in a real ``flask segments import`` subprocess (batches of 25 rows, a short pause
after each commit so that the kill lands mid-import), is killed with SIGKILL once some batches
have committed, and is resumed with ``flask segments import-resume``. The same file imported
without interruption into a fresh account must give the same contacts, memberships, member
counts, per-row outcomes and counts. On SQLite and PostgreSQL.
"""

import csv
import io
import json
import os
import random
import signal
import sys

import pytest
import sqlalchemy as sa
from importdb_helpers import (
    contacts_of, flask_process, import_record, member_counts_are_exact, memberships_of, outcomes_of,
    wait_until,
)

from contact_segments import segments
from contact_segments.demo.models import db
from contact_segments.imports.models import Import, ImportRow

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "bench"))
from generate_import_file import DEFAULT_SEGMENTS, write_import_file  # noqa: E402

BATCH = {"SEGMENTS_IMPORT_BATCH_SIZE": 25, "SEGMENTS_IMPORT_PART_ROWS": 100}


@pytest.fixture
def app_config():
    return dict(BATCH)


@pytest.fixture
def files(tmp_path):
    """A seed file (the first 100 contacts) and a main file: 400 rows, then 40 rows repeating
    earlier contacts with other segments and organizations."""
    main = tmp_path / "main.csv"
    write_import_file(main, 400, seed=5)
    with open(main, newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    header, data = rows[0], rows[1:]
    rng = random.Random(9)
    repeats = []
    for original in rng.sample(data[:300], 40):
        again = list(original)
        again[6] = "Repeat Org"
        again[8] = rng.choice(DEFAULT_SEGMENTS)
        repeats.append(again)

    def write(path, rows):
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\n").writerows([header, *rows])
        path.write_text(buffer.getvalue(), encoding="utf-8")
        return path

    seed_rows = [r[:8] + [DEFAULT_SEGMENTS[i % 3]] for i, r in enumerate(data[:100])]
    return write(tmp_path / "seed.csv", seed_rows), write(main, data + repeats)


def test_a_killed_import_resumes_to_the_same_result(
        database_url, make_account, scope_for, run_import, files, account):
    seed_file, main_file = files
    other_account, other_users = make_account("Uninterrupted")
    scopes = {account[0]: scope_for("admin"),
              other_account: scope_for("admin", account_id=other_account, user_id=other_users["admin"])}
    for scope in scopes.values():
        for name in DEFAULT_SEGMENTS:
            segments.create(scope, name)
        run_import(None, data=seed_file.read_bytes(), scope=scope)

    # Uninterrupted, in this process, into the other account.
    expected = run_import(None, data=main_file.read_bytes(), replace=True, scope=scopes[other_account])

    # In a subprocess, killed mid-way, then resumed.
    last_id = db.session.execute(sa.select(sa.func.max(Import.id))).scalar_one()
    config = {"SQLALCHEMY_DATABASE_URI": database_url, **BATCH, "SLOW_BATCH_SECONDS": 0.1}
    process = flask_process(config, "import", main_file, "--account", account[0], "--replace", "--json")

    def progressed():
        db.session.expire_all()
        imp = db.session.execute(sa.select(Import).where(Import.id > last_id)).scalars().first()
        done = imp is not None and imp.rows_done >= 100
        db.session.commit()
        return imp.id if done else None

    import_id = wait_until(progressed, what="the import to commit 100 rows")
    os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=10)
    killed = import_record(import_id)
    assert killed.status == "running" and 100 <= killed.rows_done < expected["rows"]
    committed_rows = db.session.execute(sa.select(sa.func.count()).select_from(ImportRow).where(
        ImportRow.import_id == import_id)).scalar_one()
    assert committed_rows == killed.rows_done  # outcomes, counters and checkpoint commit together

    resumed = flask_process({"SQLALCHEMY_DATABASE_URI": database_url, **BATCH},
                            "import-resume", import_id, "--json")
    output, errors = resumed.communicate(timeout=120)
    assert resumed.returncode == 0, errors
    summary = json.loads(output)

    keys = ("rows", "created", "updated", "unchanged", "failed", "warned", "memberships_added",
            "memberships_removed", "errors", "warnings", "unknown_segments")
    assert {k: summary[k] for k in keys} == {k: expected[k] for k in keys}
    assert summary["updated"] > 0 and summary["memberships_removed"] > 0
    assert contacts_of(account[0]) == contacts_of(other_account)
    assert memberships_of(account[0]) == memberships_of(other_account)
    assert outcomes_of(import_id) == outcomes_of(expected["id"])
    assert member_counts_are_exact(account[0])
    record = import_record(import_id)
    assert (record.status, record.rows_done) == ("finished", expected["rows"])
