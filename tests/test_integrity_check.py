"""``flask segments check [--account ID] [--repair] [--json]`` on the plugin's own contact table:
what SQL of a host's own can leave behind is found, reported, and with ``--repair`` fixed."""

import io
import json

import pytest
import sqlalchemy as sa

from contact_segments import segments
from contact_segments.demo.models import db
from contact_segments.hooks.events import MembersRemoved
from contact_segments.imports import service
from contact_segments.imports.models import ImportRow
from contact_segments.models import Contact, Membership, Segment


def _run(app, *args):
    result = app.test_cli_runner().invoke(args=["segments", "check", *map(str, args)])
    db.session.expire_all()
    return result


def _sql(*statements):
    """Write behind the plugin's back, as a host's own SQL would."""
    with db.engine.begin() as connection:
        for statement in statements:
            connection.execute(statement)


@pytest.fixture
def damaged(app, account, make_account, make_contacts, scope_for):
    """Account A: contacts 0-2 in "VIP"; contact 0 imported; then contact 0 deleted by SQL (its
    membership and import row left behind), and a membership of a segment deleted by SQL.
    Account B: one consistent segment."""
    ids = make_contacts(account[0], 3)
    scope = scope_for()
    vip = segments.create(scope, "VIP", contact_ids=ids).id
    gone = segments.create(scope, "Gone", contact_ids=ids[1:2]).id
    imp = service.create_import(scope, io.BytesIO(
        f"Country Code,First Name,Last Name,Email\nUS,A,B,person0.a{account[0]}@example.com\n".encode()), "c.csv")
    service.start(scope, imp.id, wait=True)
    other, users = make_account("Other")
    theirs = make_contacts(other, 2, start=10)
    segments.create(scope_for(account_id=other, user_id=users["admin"]), "Theirs", contact_ids=theirs)
    _sql(sa.delete(Contact).where(Contact.id == ids[0]), sa.delete(Segment).where(Segment.id == gone))
    return {"ids": ids, "vip": vip, "gone": gone, "import_id": imp.id, "other": other}


def test_check_reports_without_writing(app, account, damaged):
    result = _run(app, "--json")
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report == {
        "account_id": None, "repaired": False, "problems": 4,
        "member_counts": [{"account_id": account[0], "segment_id": damaged["vip"], "name": "VIP",
                           "stored": 3, "actual": 2}],
        "memberships_without_contact": [{"account_id": account[0], "segment_id": damaged["vip"],
                                         "name": "VIP", "count": 1}],
        "memberships_without_segment": [{"segment_id": damaged["gone"], "count": 1}],
        "import_rows_without_contact": [{"account_id": account[0], "import_id": damaged["import_id"],
                                         "count": 1}],
    }
    assert json.loads(_run(app, "--json").stdout) == report  # nothing was changed
    text = _run(app).stdout
    assert 'segment ' + str(damaged["vip"]) + ' "VIP": 3 stored, 2 members' in text
    assert "Run the command again with --repair" in text


def test_check_one_account(app, account, damaged):
    result = _run(app, "--account", damaged["other"])
    assert result.exit_code == 0
    assert result.stdout.strip() == (f"Checked account {damaged['other']}: member counts and "
                                     "contact references are right.")
    report = json.loads(_run(app, "--account", account[0], "--json").stdout)
    assert report["problems"] == 3 and report["memberships_without_segment"] == []  # no account owns those


def test_check_repair_fixes_and_says_what_changed(app, account, damaged, recorder):
    result = _run(app, "--repair")
    assert result.exit_code == 0, result.output
    assert "Every problem above was fixed." in result.stdout
    vip = db.session.get(Segment, damaged["vip"])
    assert vip.member_count == 2
    assert sorted(db.session.execute(sa.select(Membership.contact_id)
                                     .where(Membership.segment_id == damaged["vip"])).scalars()) == damaged["ids"][1:]
    assert db.session.execute(sa.select(sa.func.count()).select_from(Membership)
                              .where(Membership.segment_id == damaged["gone"])).scalar_one() == 0
    assert db.session.execute(sa.select(ImportRow.contact_id)).scalars().all() == [None]
    [event] = recorder.of(MembersRemoved)
    assert (event.segment_id, event.contact_ids, event.count) == (damaged["vip"], (damaged["ids"][0],), 1)
    clean = _run(app, "--json")
    assert clean.exit_code == 0 and json.loads(clean.stdout)["problems"] == 0
