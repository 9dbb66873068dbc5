"""``flask segments import`` and friends through the app's CLI runner (SQLite and PostgreSQL)."""

import csv
import io
import json

import pytest
from importdb_helpers import contacts_of, csv_bytes, memberships_of, row

from contact_segments.demo.models import db

SUMMARY_KEYS = {"rows", "created", "updated", "unchanged", "failed", "encoding", "delimiter",
                "errors", "warnings", "unknown_segments", "memberships_added", "memberships_removed"}


@pytest.fixture
def cli(app):
    runner = app.test_cli_runner()

    def invoke(*args):
        result = runner.invoke(args=["segments", *map(str, args)])
        db.session.expire_all()
        return result

    return invoke


@pytest.fixture
def contacts_file(tmp_path):
    def write(rows, name="contacts.csv", data=None):
        path = tmp_path / name
        path.write_bytes(data if data is not None else csv_bytes(rows))
        return path

    return write


def one_line_error(result, exit_code):
    assert result.exit_code == exit_code, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.output
    assert "Traceback" not in result.output
    return lines[0]


def test_import_json_summary(cli, contacts_file, make_segments, account):
    make_segments("VIP")
    path = contacts_file([row("Jane", "Doe", mobile="4155552671", segments="vip; VIPP"),
                          row("Bad", "Row", country="USA", mobile="4155552672")])
    result = cli("import", path, "--account", account[0], "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert SUMMARY_KEYS <= set(data)
    assert (data["rows"], data["created"], data["failed"], data["memberships_added"]) == (2, 1, 1, 1)
    assert (data["encoding"], data["delimiter"]) == ("utf-8", ",")
    assert data["errors"] == [{"line": 3, "column": "Country Code", "code": "invalid_country_code",
                               "message": data["errors"][0]["message"]}]
    assert "probably US" in data["errors"][0]["message"]
    assert data["unknown_segments"] == [{"name": "VIPP", "lines": [2], "lines_total": 1, "suggestion": "VIP"}]
    assert memberships_of(account[0]) == [("VIP", "+14155552671")]


def test_import_text_summary_replace_and_dry_run(cli, contacts_file, make_segments, account):
    make_segments("A", "B")
    cli("import", contacts_file([row("Jane", "Doe", mobile="4155552671", segments="A")]),
        "--account", account[0])
    path = contacts_file([row("Jane", "Doe", mobile="4155552671", segments="B")], name="second.csv")
    dry = cli("import", path, "--account", account[0], "--replace", "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert dry.output.startswith("Dry run of second.csv (encoding utf-8, delimiter ,): 1 rows: "
                                 "0 created, 1 updated, 0 unchanged, 0 failed; 1 segment "
                                 "memberships added, 1 removed.")
    assert memberships_of(account[0]) == [("A", "+14155552671")]
    real = cli("import", path, "--account", account[0], "--replace")
    assert real.exit_code == 0 and real.output.startswith("Imported second.csv")
    assert memberships_of(account[0]) == [("B", "+14155552671")]


@pytest.mark.parametrize("data, name, words", [
    (b"", "empty.csv", "empty"),
    (b"\x89PNG\r\n\x1a\n" + bytes(range(256)), "photo.csv", "PNG"),
    (b"Country Code,First Name,Last Name,Mobile Number\n", "header-only.csv", "no contacts"),
    (b"PK\x03\x04truncated", "book.xlsx", "xlsx"),
])
def test_a_refused_file_is_one_line_and_exit_1(cli, contacts_file, account, data, name, words):
    error = one_line_error(cli("import", contacts_file(None, name=name, data=data),
                               "--account", account[0]), 1)
    assert name in error and words.lower() in error.lower()
    assert contacts_of(account[0]) == []


def test_bad_arguments_are_one_line(cli, contacts_file, account, tmp_path):
    path = contacts_file([row(mobile="4155552671")])
    assert "--account" in one_line_error(cli("import", path), 2)
    assert "does not exist" in one_line_error(cli("import", tmp_path / "nope.csv", "--account", 1), 2)
    assert "not an id" in one_line_error(cli("import", path, "--account", "x"), 2)
    assert "SEGMENTS_REDIS_URL" in one_line_error(cli("import", path, "--account", account[0], "--enqueue"), 1)
    assert "no import with id 999" in one_line_error(cli("import-resume", 999), 1)
    assert "SEGMENTS_REDIS_URL" in one_line_error(cli("worker"), 1)


def test_import_report_and_resume_of_a_finished_import(cli, contacts_file, account, tmp_path):
    path = contacts_file([row("Jane", "Doe", mobile="4155552671"), row("", "", email="x")])
    data = json.loads(cli("import", path, "--account", account[0], "--json").output)
    output = tmp_path / "report.csv"
    result = cli("import-report", data["id"], "--account", account[0], "--output", output)
    assert result.exit_code == 0, result.output
    report = list(csv.reader(io.StringIO(output.read_text(encoding="utf-8-sig"))))
    assert [r[:2] for r in report[1:]] == [["2", "created"], ["3", "failed"]]
    resumed = cli("import-resume", data["id"], "--json")
    assert resumed.exit_code == 0 and json.loads(resumed.output)["created"] == 1
    assert "no import with id" in one_line_error(
        cli("import-report", data["id"], "--account", account[0] + 1000), 1)
