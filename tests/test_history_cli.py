"""The history commands of ``flask segments`` (``history``, ``undo-import``, ``deleted``,
``restore``, ``purge``) through the app's CLI runner on SQLite and PostgreSQL: what they print,
their ``--json`` shapes, and refusals as one line on stderr with exit status 1."""

import io
import json
import os
import uuid
from datetime import timedelta

import pytest
import sqlalchemy as sa

from contact_segments import memberships, segments
from contact_segments.actor import Actor
from contact_segments.demo.models import db
from contact_segments.history import undo
from contact_segments.history.models import Change, DeletedSegment
from contact_segments.imports import service
from contact_segments.imports.models import Import
from contact_segments.models import Contact, Membership, Segment

from test_cli import ok, one_line_error

REDIS_URL = os.environ.get("SEGMENTS_TEST_REDIS_URL", "")

HEADER = "Country Code,First Name,Last Name,Email,Segments\n"
SUMMARY_KEYS = {"memberships_removed", "memberships_restored", "contacts_restored", "contacts_deleted",
                "conflicts"}


@pytest.fixture
def run(app, account):
    """Run ``flask segments ARGS`` as given (no ``--account`` added)."""
    runner = app.test_cli_runner()

    def invoke(*args, input=None):
        result = runner.invoke(args=["segments", *map(str, args)], input=input)
        db.session.expire_all()
        return result

    return invoke


@pytest.fixture
def imported(manager, import_text):
    """VIP and North exist; an import adds Ann to VIP and creates Bob in North."""
    segments.create(manager, "VIP")
    segments.create(manager, "North")
    imp = import_text(manager, HEADER + "US,Ann,Lee,ann@example.com,VIP\nUS,Bob,Ray,bob@example.com,North\n")
    assert (imp.status, imp.created) == ("finished", 2)
    return imp


def _contacts():
    db.session.expire_all()
    return sorted(db.session.execute(sa.select(Contact.email)).scalars())


# ---------------------------------------------------------------- history


def test_history_of_a_contact_in_lines_and_json(run, account, manager, make_contacts):
    ids = make_contacts(account[0], 2)
    vip = segments.create(manager, "VIP", contact_ids=ids)
    memberships.remove_contacts(manager, vip.id, contact_ids=[ids[0]])

    lines = ok(run("history", "--contact", ids[0], "--account", account[0])).splitlines()
    assert len(lines) == 2
    assert "removed from VIP  by Morgan Manager (via page)" in lines[0]
    assert "added to VIP  by Morgan Manager (via page)" in lines[1]
    assert lines[0][:4].isdigit() and lines[0][10] == " "

    entries = json.loads(ok(run("history", "--contact", ids[0], "--account", account[0], "--json", "--limit", 1)))
    assert isinstance(entries, list) and len(entries) == 1
    assert (entries[0]["event"], entries[0]["segment_name"], entries[0]["actor"]["name"]) == (
        "removed", "VIP", "Morgan Manager")
    assert ok(run("history", "--contact", ids[1], "--account", account[0], "--limit", 5)).count("\n") == 1


def test_history_names_the_import(run, account, imported):
    ann = db.session.execute(sa.select(Contact.id).where(Contact.email == "ann@example.com")).scalar_one()
    line = ok(run("history", "--contact", ann, "--account", account[0])).strip()
    assert line.endswith("added to VIP  by Morgan Manager (import of customers.csv)")


def test_activity_of_a_segment_by_name_or_id_even_deleted(run, account, manager, make_contacts):
    ids = make_contacts(account[0], 3)
    vip = segments.create(manager, "VIP", contact_ids=ids[:2])
    memberships.add_contacts(manager, vip.id, contact_ids=ids[2:])

    lines = ok(run("history", "--segment", "vip", "--account", account[0])).splitlines()
    assert [line.split("  ")[1] for line in lines] == ["members added +1 -0", "segment created +2 -0"]
    entries = json.loads(ok(run("history", "--segment", vip.id, "--account", account[0], "--json")))
    assert [(entry["action"], entry["added"]) for entry in entries] == [("members_added", 1), ("segment_created", 2)]
    older = json.loads(ok(run("history", "--segment", "VIP", "--account", account[0], "--json",
                              "--before", entries[0]["change_id"])))
    assert [entry["action"] for entry in older] == ["segment_created"]

    segments.delete(manager, vip.id)
    entries = json.loads(ok(run("history", "--segment", "VIP", "--account", account[0], "--json")))
    assert entries[0]["action"] == "segment_deleted"


def test_history_refusals(run, account, make_account, make_contacts):
    foreign = make_contacts(make_account("Other")[0], 1)[0]
    assert "no contact with id" in one_line_error(run("history", "--contact", foreign, "--account", account[0]), 1)
    assert "no segment named" in one_line_error(run("history", "--segment", "Nope", "--account", account[0]), 1)
    one_line_error(run("history", "--segment", 99999, "--account", account[0]), 1)
    assert "either --contact" in one_line_error(run("history", "--account", account[0]), 2)
    one_line_error(run("history", "--contact", 1, "--segment", "VIP", "--account", account[0]), 2)
    one_line_error(run("history", "--contact", 1, "--before", 3, "--account", account[0]), 2)
    one_line_error(run("history", "--contact", 1), 2)


# ---------------------------------------------------------------- undo-import


def test_undo_import_asks_first_and_a_no_changes_nothing(run, imported):
    result = run("undo-import", imported.id, input="n\n")
    assert result.exit_code == 1
    assert "will remove 2 segment memberships" in result.stdout and "delete 2 contacts" in result.stdout
    assert _contacts() == ["ann@example.com", "bob@example.com"]
    assert undo.status(imported_scope(imported), imported.id)["status"] is None


def imported_scope(imp):
    from flask import current_app

    return current_app.extensions["segments"].scope(Actor.system(imp.account_id), via="cli")


def test_undo_import_confirmed_runs_to_the_end_and_prints_the_summary(run, imported):
    output = ok(run("undo-import", imported.id, input="y\n"))
    assert "Undid import" in output and "2 memberships removed" in output and "2 contacts deleted" in output
    assert _contacts() == []
    undo_change = db.session.execute(sa.select(Change).where(Change.action == "import_undo")).scalar_one()
    assert (undo_change.via, undo_change.status) == ("cli", "finished")


def test_undo_import_json_with_the_account_given(run, account, imported):
    body = json.loads(ok(run("undo-import", imported.id, "--account", account[0], "--yes", "--json")))
    assert (body["import_id"], body["status"]) == (imported.id, "finished")
    assert set(body["summary"]) == SUMMARY_KEYS
    assert body["summary"]["contacts_deleted"] == 2 and body["conflicts"] == []
    assert isinstance(body["change_id"], int)


def test_undo_import_json_asks_on_stderr(run, imported):
    result = run("undo-import", imported.id, "--json", input="y\n")
    assert result.exit_code == 0, result.stderr
    assert "will remove" in result.stderr
    assert json.loads(result.stdout)["summary"]["memberships_removed"] == 2


def test_undo_import_refusals(run, account, make_account, imported):
    assert "There is no import with id 99999" in one_line_error(run("undo-import", 99999, "--yes"), 1)
    other = make_account("Other")[0]
    assert "no import" in one_line_error(run("undo-import", imported.id, "--account", other, "--yes"), 1)
    ok(run("undo-import", imported.id, "--yes"))
    assert "already undone" in one_line_error(run("undo-import", imported.id, "--yes"), 1)
    assert "SEGMENTS_REDIS_URL" in one_line_error(run("undo-import", imported.id, "--yes", "--enqueue"), 1)
    one_line_error(run("undo-import", "abc"), 2)


def test_undo_import_of_a_dry_run_or_too_old_is_refused(run, manager, imported):
    preview = service.create_import(manager, io.BytesIO((HEADER + "US,Eve,Moe,eve@example.com,VIP\n").encode()),
                                    "preview.csv", dry_run=True)
    service.start(manager, preview.id, wait=True)
    assert "dry run" in one_line_error(run("undo-import", preview.id, "--yes"), 1)
    db.session.execute(sa.update(Import).where(Import.id == imported.id).values(
        finished_at=imported.finished_at - timedelta(days=31)))
    db.session.commit()
    assert "more than 30 days old" in one_line_error(run("undo-import", imported.id, "--yes"), 1)


@pytest.mark.skipif(not REDIS_URL, reason="Redis not configured (set SEGMENTS_TEST_REDIS_URL)")
def test_undo_import_enqueue_queues_an_rq_job(run, app, imported, monkeypatch):
    from redis import Redis
    from rq import Queue

    queue_name = f"segments-undo-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    monkeypatch.setitem(app.config, "SEGMENTS_REDIS_URL", REDIS_URL)
    monkeypatch.setitem(app.config, "SEGMENTS_QUEUE_NAME", queue_name)
    queue = Queue(queue_name, connection=Redis.from_url(REDIS_URL))
    try:
        body = json.loads(ok(run("undo-import", imported.id, "--yes", "--enqueue", "--json")))
        assert (body["import_id"], body["status"]) == (imported.id, "queued")
        assert queue.job_ids == [body["job_id"]]
        assert queue.fetch_job(body["job_id"]).args == (body["change_id"],)
        assert _contacts() == ["ann@example.com", "bob@example.com"]  # nothing undone here
        assert "being undone" in one_line_error(run("undo-import", imported.id, "--yes", "--enqueue"), 1)
    finally:
        queue.empty()


def test_undo_import_enqueue_with_redis_down_is_one_line_and_can_be_asked_again(run, app, imported, monkeypatch):
    monkeypatch.setitem(app.config, "SEGMENTS_REDIS_URL", "redis://127.0.0.1:1/0")
    assert "Redis (SEGMENTS_REDIS_URL) cannot be reached" in one_line_error(
        run("undo-import", imported.id, "--yes", "--enqueue"), 1)
    assert _contacts() == ["ann@example.com", "bob@example.com"]
    monkeypatch.setitem(app.config, "SEGMENTS_REDIS_URL", "")
    assert "Undid import" in ok(run("undo-import", imported.id, "--yes"))
    assert _contacts() == []


# ---------------------------------------------------------------- deleted, restore, purge


def test_deleted_then_restore(run, account, manager, make_contacts):
    ids = make_contacts(account[0], 2)
    vip = segments.create(manager, "VIP", contact_ids=ids)
    assert ok(run("deleted", "--account", account[0])) == "No recently deleted segments.\n"
    segments.delete(manager, vip.id)

    text = ok(run("deleted", "--account", account[0]))
    assert "VIP (Morgan Manager)" in text
    body = json.loads(ok(run("deleted", "--account", account[0], "--json")))
    item, = body["items"]
    assert (item["id"], item["name"], item["member_count"], item["deleted_by"]) == (vip.id, "VIP", 2, "Morgan Manager")
    assert set(item) == {"id", "name", "member_count", "deleted_at", "restorable_until", "deleted_by"}

    segments.create(manager, "VIP")
    assert "VIP" in one_line_error(run("restore", "VIP", "--account", account[0]), 1)
    assert "Give the segment a name" in one_line_error(run("restore", "VIP", "--as", " ", "--account", account[0]), 1)
    body = json.loads(ok(run("restore", "vip", "--as", "VIP (old)", "--account", account[0], "--json")))
    assert body == {"id": vip.id, "name": "VIP (old)", "member_count": 2, "skipped": 0}
    assert "no deleted segment" in one_line_error(run("restore", "VIP", "--account", account[0]), 1).lower()


def test_restore_in_words(run, account, manager, make_contacts):
    ids = make_contacts(account[0], 2)
    vip = segments.create(manager, "VIP", contact_ids=ids)
    segments.delete(manager, vip.id)
    output = ok(run("restore", vip.id, "--account", account[0]))
    assert output == f'Restored segment "VIP" (id {vip.id}) with 2 contacts.\n'


def test_purge_applies_the_windows_and_says_what_it_deleted(run, account, manager, make_contacts):
    ids = make_contacts(account[0], 3)
    vip = segments.create(manager, "VIP", contact_ids=ids)
    segments.delete(manager, vip.id)
    assert json.loads(ok(run("purge", "--json")))["segments"] == 0
    db.session.execute(sa.update(DeletedSegment).values(deleted_at=DeletedSegment.deleted_at - timedelta(days=31)))
    db.session.commit()

    body = json.loads(ok(run("purge", "--json")))
    assert set(body) == {"segments", "memberships", "changes", "removals", "before_images"}
    assert (body["segments"], body["memberships"]) == (1, 3)
    assert db.session.execute(sa.select(sa.func.count()).select_from(Membership)).scalar_one() == 0
    assert ok(run("purge")).startswith("Purged 0 deleted segments (0 memberships)")
    assert db.session.execute(sa.select(sa.func.count()).select_from(Segment)).scalar_one() == 0
