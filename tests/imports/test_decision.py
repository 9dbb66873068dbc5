"""The decision step of an import batch, in memory with no database: which contact each row
names, what changes, and the row's outcome and issue codes. (The same rules against real
databases, writes included: tests/imports_db/test_apply_rules.py.)"""

from contact_segments.imports.decision import BatchContact, BatchDecisions
from contact_segments.imports.segment_index import SegmentIndex
from contact_segments.imports.storage import VALUE_FIELDS, RowRecord

FIELDS = list(VALUE_FIELDS)
SEGMENTS = SegmentIndex([(7, "North Region"), (8, "VIP")])


def record(line, segments=(), errors=(), **values):
    """A validated row: ``values`` by field name, the others ``None``."""
    return RowRecord(line, tuple(values.get(name) for name in FIELDS), tuple(segments), tuple(errors), ())


def stored(contact_id, segments=(), **values):
    """A contact as the database holds it."""
    values = {name: values.get(name) for name in FIELDS}
    contact = BatchContact(contact_id, values, dict(values))
    contact.segments.update(segments)
    contact.original_segments.update(segments)
    return contact


def decide(rows, contacts=(), replace=False):
    decisions = BatchDecisions(FIELDS, replace, SEGMENTS)
    for contact in contacts:
        decisions.add(contact)
    for row in rows:
        decisions.decide(row)
    return decisions


def outcomes(decisions):
    return [(line, outcome, contact.id if contact else None, [issue[2] for issue in issues])
            for line, outcome, contact, issues in decisions.outcomes]


def test_a_row_updates_the_contact_its_identifiers_name_and_creates_the_others():
    jane = stored(12, first_name="Jane", mobile="+14155550101")
    decisions = decide([
        record(2, first_name="Janet", mobile="+14155550101", segments=["north region"]),
        record(3, first_name="New", email="new@example.com"),
        record(4, first_name="Janet", mobile="+14155550101"),  # the same contact again
    ], [jane])
    assert outcomes(decisions) == [
        (2, "updated", 12, []),
        (3, "created", -1, []),
        (4, "unchanged", 12, ["duplicate_in_file"]),
    ]
    assert jane.values["first_name"] == "Janet" and jane.segments == {7}
    assert jane.lines == [2, 4]


def test_identifiers_of_two_contacts_and_a_foreign_external_id_fail_the_row():
    decisions = decide([
        record(2, mobile="+14155550101", email="b@example.com"),
        record(3, external_id="CRM-9", email="a@example.com"),
    ], [stored(1, mobile="+14155550101"), stored(2, email="b@example.com"),
        stored(3, email="a@example.com", external_id="CRM-1")])
    assert outcomes(decisions) == [(2, "failed", None, ["contact_conflict"]),
                                   (3, "failed", None, ["external_id_mismatch"])]


def test_replace_mode_makes_the_rows_segments_exact_and_unknown_names_are_suggested():
    kept = stored(5, email="k@example.com", segments={8})
    decisions = decide([record(2, email="k@example.com", segments=["Nort Region"])], [kept], replace=True)
    assert outcomes(decisions) == [(2, "updated", 5, ["unknown_segment"])]
    assert kept.segments == set()
    assert decisions.unknown == [("nort region", 2, "Nort Region", "North Region")]


def test_a_row_with_errors_touches_no_contact():
    decisions = decide([record(2, email="x@example.com", errors=[("Email", "invalid_email", {})])])
    assert outcomes(decisions) == [(2, "failed", None, ["invalid_email"])]
    assert decisions.by_id == {}
