"""The import engine's rules on real databases (SQLite and PostgreSQL): matching, updating,
duplicates in a file, merge and replace, unknown segments, outcomes and counts, tenancy.

Batches of 2 rows in parts of 4, so that every file here crosses batch and part boundaries.
"""

import os
import sys

import pytest
import sqlalchemy as sa
from importdb_helpers import (
    contacts_of, csv_bytes, import_record, member_counts_are_exact, memberships_of, row,
)

from contact_segments.demo.models import db
from contact_segments.imports import report
from contact_segments.imports.models import ImportRow
from contact_segments.imports.service import import_summary
from contact_segments.models import Contact

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "bench"))
from generate_import_file import write_import_file  # noqa: E402


@pytest.fixture
def app_config():
    return {"SEGMENTS_IMPORT_BATCH_SIZE": 2, "SEGMENTS_IMPORT_PART_ROWS": 4}


def add_contact(account_id, **values):
    values = {"country_code": "US", "first_name": "Old", "last_name": "Name", **values}
    contact_id = db.session.execute(
        sa.insert(Contact).values(account_id=account_id, **values).returning(Contact.id)).scalar_one()
    db.session.commit()
    return contact_id


def outcomes(summary):
    db.session.expire_all()
    return dict(db.session.execute(
        sa.select(ImportRow.line, ImportRow.outcome).where(ImportRow.import_id == summary["id"])).all())


def counts(summary):
    return {key: summary[key] for key in ("created", "updated", "unchanged", "failed")}


def test_new_contacts_are_normalized_and_put_in_their_segments(run_import, make_segments, account):
    make_segments("Downtown Store", "VIP")
    summary = run_import([
        row("Jane", "Doe", mobile="(415) 555-2671", email="Jane@Example.COM", segments="downtown store; VIP"),
        row("João", "Silva", country="br", mobile="11 98765-4321", segments=" vip "),
        row("Ana", "Lima", email="ana@example.com"),
    ])
    assert counts(summary) == {"created": 3, "updated": 0, "unchanged": 0, "failed": 0}
    assert summary["memberships_added"] == 3 and summary["status"] == "finished"
    assert contacts_of(account[0]) == sorted([
        ("US", "Jane", "Doe", "+14155552671", "jane@example.com", None, None, None),
        ("BR", "João", "Silva", "+5511987654321", None, None, None, None),
        ("US", "Ana", "Lima", None, "ana@example.com", None, None, None),
    ])
    assert memberships_of(account[0]) == [("Downtown Store", "+14155552671"), ("VIP", "+14155552671"),
                                          ("VIP", "+5511987654321")]
    assert member_counts_are_exact(account[0])


def test_existing_contacts_are_matched_by_external_id_then_mobile_then_email(run_import, account):
    by_external = add_contact(account[0], external_id="CRM-1", mobile="+14155550001")
    by_mobile = add_contact(account[0], mobile="+14155550002")
    by_email = add_contact(account[0], email="c@example.com")
    summary = run_import([
        row("Ann", "One", external_id="CRM-1", mobile="415 555 0009"),  # new mobile for CRM-1
        row("Bob", "Two", mobile="+1 415 555 0002", email="bob@example.com"),
        row("Cid", "Three", email="C@EXAMPLE.COM"),
    ])
    assert counts(summary) == {"created": 0, "updated": 3, "unchanged": 0, "failed": 0}
    db.session.expire_all()
    assert db.session.get(Contact, by_external).mobile == "+14155550009"
    assert (db.session.get(Contact, by_mobile).first_name, db.session.get(Contact, by_mobile).email) == (
        "Bob", "bob@example.com")
    assert db.session.get(Contact, by_email).first_name == "Cid"
    assert len(contacts_of(account[0])) == 3  # updated, never duplicated


def test_blank_cells_never_erase_stored_values(run_import, account):
    contact_id = add_contact(account[0], first_name="Jane", last_name="Doe", mobile="+14155552671",
                             email="jane@example.com", organization="Acme", account_number="A-1",
                             external_id="CRM-9")
    summary = run_import([row("Jane", "Doe", mobile="4155552671")])
    assert counts(summary)["unchanged"] == 1
    db.session.expire_all()
    contact = db.session.get(Contact, contact_id)
    assert (contact.email, contact.organization, contact.account_number, contact.external_id) == (
        "jane@example.com", "Acme", "A-1", "CRM-9")


def test_identifiers_of_two_contacts_fail_the_row_naming_both(run_import, account):
    first = add_contact(account[0], first_name="Jane", last_name="Doe", mobile="+14155552671")
    second = add_contact(account[0], first_name="John", last_name="Roe", email="john@example.com")
    summary = run_import([row("X", "Y", mobile="4155552671", email="john@example.com")])
    assert counts(summary)["failed"] == 1
    [error] = summary["errors"]
    assert error["line"] == 2 and error["code"] == "contact_conflict"
    assert f"Jane Doe (contact {first})" in error["message"]
    assert f"John Roe (contact {second})" in error["message"]
    assert {c[1] for c in contacts_of(account[0])} == {"Jane", "John"}  # nothing changed


def test_a_different_external_id_is_never_rewritten(run_import, account):
    add_contact(account[0], first_name="Jane", mobile="+14155552671", external_id="CRM-1")
    summary = run_import([row("Jane", "Doe", mobile="4155552671", external_id="CRM-2")])
    assert [e["code"] for e in summary["errors"]] == ["external_id_mismatch"]
    assert '"CRM-1"' in summary["errors"][0]["message"]
    assert [c[7] for c in contacts_of(account[0])] == ["CRM-1"]


def test_same_contact_on_several_lines_is_one_contact_within_and_across_batches(
        run_import, make_segments, account):
    make_segments("A", "B", "C")
    summary = run_import([
        row("Jane", "Doe", mobile="4155552671", segments="A"),                      # line 2: created
        row("Jane", "Doe", email="jane@example.com", mobile="4155552671", segments="B"),  # 3: same batch
        row("Other", "Person", email="other@example.com"),                           # 4
        row("Other", "Person", email="other@example.com"),                           # 5: unchanged
        row("Janet", "Doe", mobile="+1 415 555 2671", organization="Acme", segments="C"),  # 6: next part
    ])
    assert counts(summary) == {"created": 2, "updated": 2, "unchanged": 1, "failed": 0}
    assert outcomes(summary) == {2: "created", 3: "updated", 4: "created", 5: "unchanged", 6: "updated"}
    assert contacts_of(account[0]) == sorted([
        ("US", "Janet", "Doe", "+14155552671", "jane@example.com", None, "Acme", None),
        ("US", "Other", "Person", None, "other@example.com", None, None, None),
    ])
    assert memberships_of(account[0]) == [("A", "+14155552671"), ("B", "+14155552671"), ("C", "+14155552671")]
    duplicates = {w["line"]: w["message"] for w in summary["warnings"] if w["code"] == "duplicate_in_file"}
    assert set(duplicates) == {3, 5, 6}
    assert "line 2" in duplicates[3] and "lines 2, 3" in duplicates[6] and "line 4" in duplicates[5]
    assert member_counts_are_exact(account[0])


def test_merge_adds_the_rows_segments(run_import, make_segments, scope_for, account):
    from contact_segments import memberships

    ids = make_segments("A", "B")
    contact_id = add_contact(account[0], mobile="+14155552671")
    memberships.add_contacts(scope_for(), ids["A"], [contact_id])
    summary = run_import([row("Jane", "Doe", mobile="4155552671", segments="B")])
    assert summary["memberships_added"] == 1 and summary["memberships_removed"] == 0
    assert memberships_of(account[0]) == [("A", "+14155552671"), ("B", "+14155552671")]


def test_replace_makes_the_rows_segments_exact_and_leaves_other_contacts(
        run_import, make_segments, scope_for, account):
    from contact_segments import memberships

    ids = make_segments("A", "B", "C")
    in_file = add_contact(account[0], mobile="+14155552671")
    emptied = add_contact(account[0], mobile="+14155552672")
    untouched = add_contact(account[0], mobile="+14155552673")
    for segment in ("A", "B"):
        memberships.add_contacts(scope_for(), ids[segment], [in_file, emptied, untouched])
    summary = run_import([
        row("Jane", "Doe", mobile="4155552671", segments="B; C"),
        row("Jim", "Doe", mobile="4155552672", segments=""),
    ], replace=True)
    assert summary["memberships_added"] == 1 and summary["memberships_removed"] == 3
    assert memberships_of(account[0]) == [
        ("A", "+14155552673"), ("B", "+14155552671"), ("B", "+14155552673"), ("C", "+14155552671")]
    assert member_counts_are_exact(account[0])


def test_replace_combines_the_segments_of_a_contacts_lines(run_import, make_segments, account):
    make_segments("A", "B", "C")
    run_import([row("Jane", "Doe", mobile="4155552671", segments="A")])
    summary = run_import([
        row("Jane", "Doe", mobile="4155552671", segments="B"),
        row("X", "Y", email="x@example.com"), row("X", "Y", email="y@example.com"),
        row("Jane", "Doe", mobile="4155552671", segments="C"),  # another batch and part
    ], replace=True)
    assert memberships_of(account[0]) == [("B", "+14155552671"), ("C", "+14155552671")]
    assert (summary["memberships_added"], summary["memberships_removed"]) == (2, 1)


def test_unknown_segments_are_reported_with_their_lines_and_a_suggestion(
        run_import, make_segments, scope_for, account, monkeypatch):
    from contact_segments import segments

    make_segments("Downtown Store", "VIP")
    summary = run_import([
        row("A", "A", mobile="4155550001", segments="Dowtown Store; VIP"),
        row("B", "B", mobile="4155550002", segments="Nowhere"),
        row("C", "C", mobile="4155550003", segments="x"),
        row("D", "D", mobile="4155550004", segments="dowtown store"),
    ])
    assert summary["unknown_segments"] == [
        {"name": "Dowtown Store", "lines": [2, 5], "lines_total": 2, "suggestion": "Downtown Store"},
        {"name": "Nowhere", "lines": [3], "lines_total": 1, "suggestion": None},
        {"name": "x", "lines": [4], "lines_total": 1, "suggestion": None},
    ]
    assert counts(summary)["created"] == 4  # the rows are imported with their known segments
    assert memberships_of(account[0]) == [("VIP", "+14155550001")]
    assert segments.list_segments(scope_for()).total == 2  # nothing created
    # A short summary (the result page) lists the first lines of each name and counts them all;
    # past report.LISTED_NAMES names, only the first line.
    short = import_summary(scope_for(), summary["id"], max_lines=1)
    assert short["unknown_segments"] == [
        {"name": "Dowtown Store", "lines": [2], "lines_total": 2, "suggestion": "Downtown Store"},
        {"name": "Nowhere", "lines": [3], "lines_total": 1, "suggestion": None},
        {"name": "x", "lines": [4], "lines_total": 1, "suggestion": None},
    ]
    monkeypatch.setattr(report, "LISTED_NAMES", 0)
    shorter = import_summary(scope_for(), summary["id"], max_lines=5)
    assert [(u["name"], u["lines"], u["lines_total"], u["suggestion"]) for u in shorter["unknown_segments"]] == [
        ("Dowtown Store", [2], 2, "Downtown Store"), ("Nowhere", [3], 1, None), ("x", [4], 1, None)]


def test_every_row_has_exactly_one_outcome_and_the_counts_add_up(run_import, tmp_path, account):
    path = tmp_path / "generated.csv"
    bad = write_import_file(path, 60, seed=3, bad_fraction=0.2, segments=["A", "B"])
    summary = run_import(None, data=path.read_bytes())
    total = sum(counts(summary).values())
    assert total == summary["rows"] == 60
    assert summary["failed"] >= bad
    lines = outcomes(summary)
    assert sorted(lines) == list(range(2, 62))
    failed_lines = sorted({e["line"] for e in summary["errors"]})
    assert failed_lines == sorted(line for line, outcome in lines.items() if outcome == "failed")
    for error in summary["errors"]:
        assert error["code"] and error["message"]
    record = import_record(summary["id"])
    assert (record.rows_done, record.checkpoint_line, record.rows_validated) == (60, 61, 60)


def test_a_failed_row_names_its_line_column_and_code(run_import):
    summary = run_import([row("Jane", "Doe", mobile="4155552671"), row("", "Doe", country="55", mobile="x")])
    codes = {(e["line"], e["column"], e["code"]) for e in summary["errors"]}
    assert (3, "Country Code", "invalid_country_code") in codes
    assert (3, "First Name", "required") in codes
    assert counts(summary) == {"created": 1, "updated": 0, "unchanged": 0, "failed": 1}


def test_an_import_never_touches_another_account(run_import, make_account, account, scope_for):
    other_account, _ = make_account("Other Dealer")
    other_contact = add_contact(other_account, first_name="Theirs", mobile="+14155552671",
                                external_id="CRM-1")
    summary = run_import([row("Mine", "Doe", mobile="4155552671", external_id="CRM-1")])
    assert counts(summary)["created"] == 1
    db.session.expire_all()
    assert db.session.get(Contact, other_contact).first_name == "Theirs"
    assert contacts_of(other_account) == [("US", "Theirs", "Name", "+14155552671", None, None, None, "CRM-1")]
    assert contacts_of(account[0])[0][1] == "Mine"


def test_a_semicolon_file_in_windows_1252_is_imported(run_import, make_segments, account):
    make_segments("Região Sul")
    data = csv_bytes([row("José", "Conceição", country="BR", mobile="11 98765-4321",
                          segments="região sul")], delimiter=";").decode().encode("cp1252")
    summary = run_import(None, data=data)
    assert (summary["encoding"], summary["delimiter"], summary["created"]) == ("cp1252", ";", 1)
    assert memberships_of(account[0]) == [("Região Sul", "+5511987654321")]
