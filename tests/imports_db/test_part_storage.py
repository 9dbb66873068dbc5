"""Stored parts: the marshal format round-trips, and parts stored as JSON by an earlier version
still read (an import in flight during an upgrade)."""

import json
import zlib

from contact_segments.imports.errors import RowIssue
from contact_segments.imports.columns import HeaderMap
from contact_segments.imports.rows import SourceRow
from contact_segments.imports.storage import (
    RowRecord, pack_source_rows, pack_validated_rows, unpack_raw_cells, unpack_source_rows,
    unpack_validated_records,
)
from contact_segments.imports.validation import ValidatedRow


def _old_format(payload):
    return zlib.compress(json.dumps(payload).encode(), 1)


def test_validated_rows_round_trip_as_records():
    rows = [
        ValidatedRow(2, country_code="BR", first_name="João", mobile="+5511987654321",
                     segment_names=["VIP", "Loja Centro"],
                     warnings=[RowIssue(2, "Segments", "unknown_segment", "Segment \"X\"…")]),
        ValidatedRow(3, errors=[RowIssue(3, "Email", "invalid_email", "bad"),
                                RowIssue(3, None, "no_contact_point", "none")]),
    ]
    blob = pack_validated_rows(rows)
    records = unpack_validated_records(blob)
    assert records[0] == RowRecord(2, ("BR", "João", None, "+5511987654321", None, None, None, None),
                                   ("VIP", "Loja Centro"), (),
                                   (("Segments", "unknown_segment", "Segment \"X\"…"),))
    assert records[1] == RowRecord(3, (None,) * 8, (), (("Email", "invalid_email", "bad"),
                                                        (None, "no_contact_point", "none")), ())


def test_validated_part_stored_as_json_by_an_earlier_version_reads():
    blob = _old_format([[5, ["US", "Ann", "Lee", None, "ann@example.com", None, None, "E1"], ["VIP"],
                         [], [["Segments", "unknown_segment", "m"]]]])
    assert unpack_validated_records(blob) == [RowRecord(
        5, ("US", "Ann", "Lee", None, "ann@example.com", None, None, "E1"), ("VIP",), (),
        (("Segments", "unknown_segment", "m"),))]


def test_source_rows_round_trip_and_old_parts_read():
    header = HeaderMap(index={"first_name": 0, "email": 2}, headers=["Nome", "Extra", "E-mail"])
    rows = [SourceRow(2, {"first_name": "Ana", "email": "a@x.com"}, [" Ana ", "", "a@x.com"]),
            SourceRow(3, {"first_name": "Bo", "email": ""}, ["Bo"],
                      problems=[RowIssue(3, None, "too_many_cells", "m")])]
    for blob in (pack_source_rows(header, rows), _old_format({
            "index": header.index, "headers": header.headers,
            "rows": [[2, [" Ana ", "", "a@x.com"], [], []], [3, ["Bo"], [[None, "too_many_cells", "m"]], []]]})):
        back = unpack_source_rows(blob)
        assert [(r.line, r.cells, r.raw, r.problems, r.warnings) for r in back] == [
            (2, {"first_name": "Ana", "email": "a@x.com"}, [" Ana ", "", "a@x.com"], [], []),
            (3, {"first_name": "Bo", "email": ""}, ["Bo"], [RowIssue(3, None, "too_many_cells", "m")], []),
        ]
        assert unpack_raw_cells(blob) == (["Nome", "Extra", "E-mail"],
                                          [(2, [" Ana ", "", "a@x.com"]), (3, ["Bo"])])
