"""Imports touching the same contacts at the same time never create duplicates.

Two imports of overlapping files run in two threads (each with its own app context, session and
connection) on SQLite and PostgreSQL; and on PostgreSQL a contact is committed by another
connection between a batch's look-up and its insert, so the insert loses the race on the unique
index and the batch is run again (the contact is then updated, not duplicated).
"""

import io
import threading

import pytest
import sqlalchemy as sa
from importdb_helpers import contacts_of, csv_bytes, import_record, member_counts_are_exact, row

from contact_segments import jobs, segments
from contact_segments.demo.models import db
from contact_segments.imports import service
from contact_segments.imports.models import ImportRow
from contact_segments.models import Contact


@pytest.fixture
def app_config():
    return {"SEGMENTS_IMPORT_BATCH_SIZE": 15, "SEGMENTS_IMPORT_PART_ROWS": 45}


def upload(scope, rows):
    return service.create_import(scope, io.BytesIO(csv_bytes(rows)), "contacts.csv").id


def test_two_imports_of_the_same_contacts_at_once_create_each_contact_once(app, state, scope_for, account):
    segments.create(scope_for(), "A")
    segments.create(scope_for(), "B")
    shared = [row(f"Shared{i}", "Doe", mobile=f"415555{i:04d}", email=f"s{i}@example.com") for i in range(90)]
    first = [dict(r, **{"Segments": "A"}) for r in shared] + [
        row(f"Only{i}", "One", mobile=f"415556{i:04d}") for i in range(30)]
    second = [row(f"Other{i}", "Two", email=f"o{i}@example.com") for i in range(30)] + [
        dict(r, **{"Segments": "B"}) for r in reversed(shared)]
    scope = scope_for()
    ids = [upload(scope, first), upload(scope, second)]
    for import_id in ids:
        service.get_import(scope, import_id).status = "queued"
    db.session.commit()

    barrier = threading.Barrier(2)
    failures = []

    def run(import_id):
        with app.app_context():
            try:
                barrier.wait()
                jobs.run_in_process(app.extensions["segments"], import_id)
            except BaseException as error:  # reported to the test thread below
                failures.append(error)

    threads = [threading.Thread(target=run, args=(import_id,)) for import_id in ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not failures
    records = [import_record(import_id) for import_id in ids]
    assert [r.status for r in records] == ["finished", "finished"]
    contacts = contacts_of(account[0])
    assert len(contacts) == 150  # 90 shared + 30 + 30, none twice
    assert sum(r.created for r in records) == 150
    assert sum(r.created + r.updated + r.unchanged for r in records) == 240
    assert db.session.execute(sa.select(sa.func.count()).select_from(ImportRow)).scalar_one() == 240
    assert member_counts_are_exact(account[0])
    assert {s.name: s.member_count for s in segments.list_segments(scope).items} == {"A": 90, "B": 90}


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_contact_created_meanwhile_is_updated_not_duplicated(app, state, scope_for, account, run_import):
    """The batch's look-up finds nothing; before it writes its new contacts (the ids it draws
    from the sequence, then COPY) another connection commits the same contact; the unique index
    stops the batch, which is rolled back and run again."""
    engine = db.engine
    injected = []

    def before_insert(connection, cursor, statement, parameters, context, executemany):
        if not injected and "nextval" in statement and "segments_contact" in str(parameters):
            injected.append(True)
            with engine.connect() as other:
                other.execute(sa.insert(Contact).values(
                    account_id=account[0], first_name="Meanwhile", last_name="Created",
                    mobile="+14155552671"))
                other.commit()

    sa.event.listen(engine, "before_cursor_execute", before_insert)
    try:
        summary = run_import([row("Jane", "Doe", mobile="4155552671", email="jane@example.com"),
                              row("Ann", "Lee", email="ann@example.com")])
    finally:
        sa.event.remove(engine, "before_cursor_execute", before_insert)
    assert injected
    assert (summary["created"], summary["updated"]) == (1, 1)
    assert len(contacts_of(account[0])) == 2
    jane = db.session.execute(sa.select(Contact).where(Contact.mobile == "+14155552671")).scalar_one()
    assert (jane.first_name, jane.email) == ("Jane", "jane@example.com")


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_segment_deleted_meanwhile_gets_no_members(app, state, scope_for, account, run_import, make_segments):
    """Memberships have no foreign key: the batch locks the segments it fills. Here the segment is
    deleted by another connection after the batch looked it up and before that lock, so the batch
    is rolled back and run again, and the name is then reported as unknown."""
    ids = make_segments("Gone Soon", "Stays")
    engine = db.engine
    injected = []

    def before_lock(connection, cursor, statement, parameters, context, executemany):
        if not injected and "FOR KEY SHARE" in statement:
            injected.append(True)
            with engine.connect() as other:
                other.execute(sa.text("DELETE FROM segments_membership WHERE segment_id = :s"), {"s": ids["Gone Soon"]})
                other.execute(sa.text("DELETE FROM segments_segment WHERE id = :s"), {"s": ids["Gone Soon"]})
                other.commit()

    sa.event.listen(engine, "before_cursor_execute", before_lock)
    try:
        summary = run_import([row("Jane", "Doe", mobile="4155552671", segments="Gone Soon; Stays")])
    finally:
        sa.event.remove(engine, "before_cursor_execute", before_lock)
    assert injected
    assert summary["created"] == 1
    assert [u["name"] for u in summary["unknown_segments"]] == ["Gone Soon"]
    members = db.session.execute(sa.text("SELECT segment_id FROM segments_membership")).scalars().all()
    assert members == [ids["Stays"]]
    assert member_counts_are_exact(account[0])
