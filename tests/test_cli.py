"""The ``flask segments`` commands: each command through the app's CLI runner on SQLite and
PostgreSQL, bad arguments as one-line errors, and real ``flask --app contact_segments.demo``
subprocesses against a fresh demo database."""

import csv
import io
import json
import os
import subprocess
import sys

import pytest
import sqlalchemy as sa

from contact_segments import segments
from contact_segments.demo.models import db
from contact_segments.imports.columns import COLUMNS
from contact_segments.imports.reading import open_rows
from contact_segments.models import Contact, Membership, Segment

HEADER = [column.header for column in COLUMNS]


@pytest.fixture
def app_config():
    """Pages of 3, so that the listing and streaming commands cross page boundaries."""
    return {"SEGMENTS_MAX_PAGE_SIZE": 3}


@pytest.fixture
def run(app, account):
    """Run ``flask segments ARGS`` (``--account`` of the test account unless given)."""
    runner = app.test_cli_runner()

    def invoke(*args, account_id=None, input=None):
        args = list(map(str, args))
        if "--account" not in args and account_id is not False:
            args += ["--account", str(account_id or account[0])]
        result = runner.invoke(args=["segments", *args], input=input)
        db.session.expire_all()
        return result

    return invoke


def ok(result):
    assert result.exit_code == 0, (result.stdout, result.stderr, result.exception)
    return result.stdout


def one_line_error(result, exit_code=None):
    """A failure: non-zero exit, exactly one line on stderr starting "Error:", no traceback."""
    assert result.exit_code != 0, result.stdout
    if exit_code is not None:
        assert result.exit_code == exit_code, result.stderr
    assert not isinstance(result.exception, Exception) or isinstance(result.exception, SystemExit)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    return lines[0]


def names(account_id):
    return sorted(db.session.execute(sa.select(Segment.name).where(Segment.account_id == account_id)).scalars())


def members(segment_id):
    return sorted(db.session.execute(
        sa.select(Membership.contact_id).where(Membership.segment_id == segment_id)).scalars())


# ---------------------------------------------------------------- each command


def test_create_with_contacts(run, account, make_contacts):
    ids = make_contacts(account[0], 3)
    output = ok(run("create", "Downtown Store", "--contact", ids[0], "--contact", ids[2]))
    assert output.startswith('Created segment "Downtown Store"') and "with 2 contacts" in output
    body = json.loads(ok(run("create", "North", "--json")))
    assert (body["name"], body["member_count"]) == ("North", 0)
    assert names(account[0]) == ["Downtown Store", "North"]


def test_list_across_pages_search_and_json(run, scope_for, account, make_contacts):
    ids = make_contacts(account[0], 2)
    for name in ("São Paulo", "Sao Bernardo", "Rio", "North", "South"):
        segments.create(scope_for(), name, contact_ids=ids if name == "Rio" else ())
    body = json.loads(ok(run("list", "--json")))
    assert body["total"] == 5
    assert [item["name"] for item in body["items"]] == ["North", "Rio", "Sao Bernardo", "São Paulo", "South"]
    assert body["items"][1]["member_count"] == 2
    text = ok(run("list", "--search", "sao"))
    assert "Sao Bernardo" in text and "São Paulo" in text and "Rio" not in text
    assert ok(run("list", "--search", "nothing")).strip() == "No segments."


def test_rename_by_name_and_by_id(run, scope_for, account):
    segment = segments.create(scope_for(), "North")
    assert ok(run("rename", "north", "North Region")).strip() == f'Renamed segment {segment.id} "North" to "North Region".'
    body = json.loads(ok(run("rename", segment.id, "N", "--json")))
    assert body == {"id": segment.id, "name": "N", "member_count": 0}


def test_a_name_wins_over_an_id(run, scope_for, account):
    first = segments.create(scope_for(), "First")
    numbered = segments.create(scope_for(), str(first.id))  # a segment whose NAME is the other's id
    ok(run("rename", str(first.id), "Renamed by name"))
    assert segments.get(scope_for(), numbered.id).name == "Renamed by name"
    assert segments.get(scope_for(), first.id).name == "First"


def test_delete_asks_unless_yes(run, scope_for, account, make_contacts):
    ids = make_contacts(account[0], 3)
    segments.create(scope_for(), "Gold", contact_ids=ids)
    declined = run("delete", "Gold", input="n\n")
    assert declined.exit_code == 1 and "3 contacts will lose it" in declined.stderr
    assert names(account[0]) == ["Gold"]
    assert ok(run("delete", "Gold", input="y\n")).strip() == 'Deleted segment "Gold"; 3 contacts lost it.'
    segments.create(scope_for(), "Silver", contact_ids=ids[:1])
    body = json.loads(ok(run("delete", "silver", "--yes", "--json")))
    assert (body["name"], body["contacts_removed"]) == ("Silver", 1)
    assert names(account[0]) == []


def test_add_and_remove_by_ids(run, scope_for, account, make_contacts):
    ids = make_contacts(account[0], 4)
    segment = segments.create(scope_for(), "VIP")
    output = ok(run("add", "VIP", "--contact", ids[0], "--contact", ids[1]))
    assert output.strip() == 'Added 2 contacts to "VIP" (now 2 members).'
    body = json.loads(ok(run("remove", segment.id, "--contact", ids[0], "--json")))
    assert body == {"removed": 1, "segment": {"id": segment.id, "name": "VIP", "member_count": 1}}
    assert members(segment.id) == [ids[1]]


def test_add_and_remove_every_matching_contact(run, scope_for, account, make_contacts):
    ids = make_contacts(account[0], 12)
    segments.create(scope_for(), "North", contact_ids=ids[:4])
    segments.create(scope_for(), "South", contact_ids=ids[10:])
    vip = segments.create(scope_for(), "VIP")
    body = json.loads(ok(run("add", "VIP", "--all-matching", "--in-segment", "north",
                             "--in-segment", "South", "--json")))
    assert body["added"] == 6
    body = json.loads(ok(run("add", "VIP", "--all-matching", "--search", "First5", "--json")))
    assert body["added"] == 1
    assert members(vip.id) == sorted(ids[:4] + ids[10:] + [ids[5]])
    body = json.loads(ok(run("remove", "VIP", "--all-matching", "--in-segment", "North", "--search", "First1", "--json")))
    assert body["removed"] == 1  # First1 is the only match in North
    assert json.loads(ok(run("add", "VIP", "--all-matching", "--json")))["segment"]["member_count"] == 12


def test_members_streams_every_page(run, scope_for, account, make_contacts):
    ids = make_contacts(account[0], 8)
    segments.create(scope_for(), "VIP", contact_ids=ids[1:])  # 7 members, pages of 3
    lines = ok(run("members", "vip", "--json")).splitlines()
    rows = [json.loads(line) for line in lines]
    assert [row["id"] for row in rows] == ids[1:]
    assert rows[0]["first_name"] == "First1" and rows[0]["mobile"].startswith("+1415")
    text = ok(run("members", "VIP")).splitlines()
    assert text[0] == "id\tfirst_name\tlast_name\tmobile\temail" and len(text) == 8
    assert [json.loads(line)["id"] for line in ok(run("members", "VIP", "--search", "first7", "--json")).splitlines()] == [ids[7]]


def test_resolve_include_exclude_channel(run, scope_for, account, make_contacts):
    with_mobile = make_contacts(account[0], 5)
    email_only = make_contacts(account[0], 2, with_mobile=False, start=100)
    segments.create(scope_for(), "A", contact_ids=with_mobile[:3] + email_only)
    segments.create(scope_for(), "B", contact_ids=with_mobile[2:])
    segments.create(scope_for(), "C", contact_ids=with_mobile[:1])
    audience = ["--include", "A", "--include", "b", "--exclude", "C"]
    assert json.loads(ok(run("resolve", *audience, "--channel", "sms", "--count-only", "--json"))) == {"count": 4}
    assert ok(run("resolve", *audience, "--channel", "email", "--count-only")).strip() == "6 recipients"
    rows = [json.loads(line) for line in ok(run("resolve", *audience, "--channel", "sms", "--json")).splitlines()]
    assert sorted(row["contact_id"] for row in rows) == with_mobile[1:]  # no guaranteed order
    assert rows[0]["address"].startswith("+1415")
    text = ok(run("resolve", *audience, "--channel", "email")).splitlines()
    assert text[0] == "contact_id\tfirst_name\tlast_name\taddress" and len(text) == 7


# ---------------------------------------------------------------- export


@pytest.fixture
def exported_account(scope_for, account):
    """Contacts with segments, one with a formula-like name and one with no mobile."""
    rows = [
        dict(country_code="US", first_name="Ana", last_name="Silva", mobile="+14155550100",
             email="ana@example.com", account_number="A-1", organization="Acme", external_id="X1"),
        dict(country_code="BR", first_name="=HYPERLINK(\"http://evil\")", last_name="Souza",
             mobile=None, email="joao@example.com"),
        dict(country_code="US", first_name="Grace", last_name="Lee", mobile="+14155550101", email=None),
    ]
    db.session.execute(sa.insert(Contact), [{"account_id": account[0], **row} for row in rows])
    db.session.commit()
    ids = list(db.session.execute(sa.select(Contact.id).where(Contact.account_id == account[0])
                                  .order_by(Contact.id)).scalars())
    segments.create(scope_for(), "Região Sul", contact_ids=ids[:2])
    segments.create(scope_for(), "Downtown Store", contact_ids=ids[:1])
    segments.create(scope_for(), "Empty")
    return ids


def test_export_csv_has_the_template_columns_and_segments(run, exported_account):
    text = ok(run("export"))
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == HEADER
    assert rows[1] == ["US", "Ana", "Silva", "+14155550100", "ana@example.com", "A-1", "Acme", "X1",
                       "Downtown Store; Região Sul"]
    assert rows[2][1] == "'=HYPERLINK(\"http://evil\")"  # never a live formula in a spreadsheet
    assert rows[2][3] == "" and rows[2][8] == "Região Sul"
    assert rows[3][8] == "" and len(rows) == 4


def test_export_imports_back_unchanged(run, exported_account, tmp_path):
    path = tmp_path / "contacts.csv"
    summary = json.loads(ok(run("export", "--segment", "Downtown Store", "--output", path, "--json")))
    assert summary == {"count": 1, "output": str(path), "format": "csv"}
    with open_rows(str(path), "contacts.csv") as result:
        assert result.header.extra == [] and result.total_rows == 1
        [row] = list(result.rows)
    assert row.cells == {"country_code": "US", "first_name": "Ana", "last_name": "Silva",
                         "mobile": "+14155550100", "email": "ana@example.com", "account_number": "A-1",
                         "organization": "Acme", "external_id": "X1", "segments": "Downtown Store; Região Sul"}


def test_export_jsonl_by_segments(run, exported_account, tmp_path):
    lines = ok(run("export", "--format", "jsonl", "--segment", "região sul", "--segment", "Empty")).splitlines()
    records = [json.loads(line) for line in lines]
    assert [record["id"] for record in records] == exported_account[:2]
    assert records[0]["segments"] == ["Downtown Store", "Região Sul"]
    assert records[1]["first_name"] == "=HYPERLINK(\"http://evil\")"  # JSON is data, not a sheet
    path = tmp_path / "all.jsonl"
    assert ok(run("export", "--format", "jsonl", "--output", path)).strip() == f"Exported 3 contacts to {path}."
    assert len(path.read_text(encoding="utf-8").splitlines()) == 3


def test_failed_export_leaves_the_output_file_alone(run, exported_account, tmp_path):
    folder = tmp_path / "exports"
    folder.mkdir()
    path = folder / "keep.csv"
    path.write_text("previous export\n", encoding="utf-8")
    assert "Nope" in one_line_error(run("export", "--segment", "Nope", "--output", path), 1)
    assert path.read_text(encoding="utf-8") == "previous export\n"
    assert [p.name for p in folder.iterdir()] == ["keep.csv"]
    missing = folder / "no-such-folder" / "out.csv"
    assert "Cannot write" in one_line_error(run("export", "--output", missing), 1)


# ---------------------------------------------------------------- bad arguments


@pytest.mark.parametrize("args, exit_code, expected", [
    (["list", "--account", "0"], 2, "'0' is not an id"),
    (["list", "--account", "abc"], 2, "'abc' is not an id"),
    (["list", "--account", "-3"], 2, "'-3' is not an id"),
    (["list", "--account", str(2**64)], 2, "is not an id"),
    (["create", "X", "--contact", "x1"], 2, "'x1' is not an id"),
    (["resolve", "--include", "A"], 2, "Missing option '--channel'"),
    (["resolve", "--include", "A", "--channel", "fax"], 2, "'fax' is not one of"),
    (["export", "--format", "xml"], 2, "'xml' is not one of"),
    (["add", "VIP"], 2, "Give either --contact ID (repeatable) or --all-matching"),
    (["add", "VIP", "--contact", "1", "--all-matching"], 2, "Give either"),
    (["add", "VIP", "--contact", "1", "--search", "x"], 2, "only go with --all-matching"),
    (["rename", "Nope", "New"], 1, 'has no segment named "Nope"'),
    (["members", "999999"], 1, 'has no segment named "999999"'),
    (["add", "Nope", "--all-matching"], 1, 'has no segment named "Nope"'),
    (["add", "VIP", "--all-matching", "--in-segment", "Nope"], 1, 'has no segment named "Nope"'),
    (["resolve", "--include", "Nope", "--channel", "sms"], 1, 'has no segment named "Nope"'),
    (["create", "VIP"], 1, 'A segment named "VIP" already exists'),
    (["create", "   "], 1, "Give the segment a name"),
    (["create", "x" * 101], 1, "use at most 100"),
    (["rename", "VIP", ""], 1, "Give the segment a name"),
    (["add", "VIP", "--contact", "999999"], 1, "No contact with id 999999 in this account"),
    (["nosuch"], 2, "No such command 'nosuch'"),
    (["list", "--acount", "1"], 2, "No such option"),
])
def test_bad_arguments_are_one_line_errors_and_change_nothing(run, scope_for, account, args, exit_code, expected):
    vip = segments.create(scope_for(), "VIP")
    assert expected in one_line_error(run(*args), exit_code)
    assert names(account[0]) == ["VIP"]
    assert members(vip.id) == []


def test_missing_account_is_a_one_line_error(run):
    assert "Missing option '--account'" in one_line_error(run("list", account_id=False), 2)


def test_accounts_are_isolated(run, scope_for, account, make_account, make_contacts):
    other_account, _ = make_account("Other Dealer")
    segments.create(scope_for(account_id=other_account), "Theirs")
    [foreign_contact] = make_contacts(other_account, 1)
    segments.create(scope_for(), "Mine")
    assert json.loads(ok(run("list", "--json")))["items"][0]["name"] == "Mine"
    one_line_error(run("delete", "Theirs", "--yes"), 1)
    one_line_error(run("add", "Mine", "--contact", foreign_contact), 1)
    assert names(other_account) == ["Theirs"]
    # an account the host never created has no segments and no contacts: valid, and empty
    assert json.loads(ok(run("list", "--json", account_id=987654))) == {"items": [], "total": 0}
    assert ok(run("export", account_id=987654)).splitlines() == [",".join(HEADER)]


# ---------------------------------------------------------------- real processes


def _flask(tmp_path, *args):
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'demo.sqlite'}", "FLASK_DEBUG": "0"}
    env.pop("REDIS_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "flask", "--app", "contact_segments.demo", "segments", *args],
        capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120,
    )


def test_demo_host_cli_in_a_real_process(tmp_path):
    # first start: the demo creates its tables and seeds two dealerships
    listed = _flask(tmp_path, "list", "--account", "1", "--json")
    assert listed.returncode == 0, listed.stderr
    body = json.loads(listed.stdout)
    assert "Downtown Store" in [item["name"] for item in body["items"]]
    assert all(item["member_count"] > 0 for item in body["items"])
    created = _flask(tmp_path, "create", "From the shell", "--account", "1", "--json")
    assert created.returncode == 0 and json.loads(created.stdout)["name"] == "From the shell"
    duplicate = _flask(tmp_path, "create", "from the SHELL", "--account", "1")
    assert duplicate.returncode == 1
    assert duplicate.stderr.strip().splitlines() == [
        'Error: A segment named "From the shell" already exists. Choose another name.']
    bad = _flask(tmp_path, "members", "Downtown Store", "--account", "zero")
    assert bad.returncode == 2 and len(bad.stderr.strip().splitlines()) == 1
    assert "Traceback" not in duplicate.stderr + bad.stderr
