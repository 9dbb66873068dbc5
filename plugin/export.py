"""Exporting an account's contacts with their segments, in constant memory.

The CSV has the import template's columns (:data:`contact_segments.imports.columns.COLUMNS`)
with the contact's segments joined by ``"; "`` in the Segments column, so an export imports back
unchanged; every cell goes through :func:`contact_segments.csv_safety.safe_cell`. JSON Lines
gives one object per contact with ``segments`` as a list. Contacts are read in keyset pages
(Core queries, no ORM identity map), so memory does not grow with the account.
"""

import json
from collections import defaultdict

import sqlalchemy as sa

from .contact_query import ContactFilter, list_contacts
from .csv_safety import write_csv_rows
from .imports.columns import COLUMNS
from .models import Membership, Segment

#: The contact fields an export carries, in template order (``segments`` is added apart).
CONTACT_FIELDS = tuple(column.key for column in COLUMNS if column.key != "segments")
SEGMENT_SEPARATOR = "; "


def _segment_names(session, account_id, contact_ids):
    """Map each of ``contact_ids`` to the names of its segments, sorted as the pickers sort."""
    names = defaultdict(list)
    rows = session.execute(
        sa.select(Membership.contact_id, Segment.name)
        .join(Segment, Segment.id == Membership.segment_id)
        .where(Segment.account_id == account_id, Membership.contact_id.in_(contact_ids))
        .order_by(Membership.contact_id, Segment.search_key, Segment.name_key)
    )
    for contact_id, name in rows:
        names[contact_id].append(name)
    return names


def iter_contacts(session, mapping, account_id, segment_ids=(), batch_size=1000):
    """Yield the account's contacts (those in ANY of ``segment_ids``; all if none) by id, each a
    dict of ``id``, :data:`CONTACT_FIELDS` (``None`` where the host's table lacks the field) and
    ``segments`` (list of names)."""
    contact_filter = ContactFilter(segment_ids=tuple(segment_ids))
    after_id = None
    while True:
        page = list_contacts(session, mapping, account_id, contact_filter, after_id=after_id, limit=batch_size)
        if not page:
            return
        names = _segment_names(session, account_id, [contact["id"] for contact in page])
        for contact in page:
            record = {"id": contact["id"], **{key: contact.get(key) for key in CONTACT_FIELDS}}
            record["segments"] = names.get(contact["id"], [])
            yield record
        after_id = page[-1]["id"]


def write_csv(records, fileobj):
    """Write ``records`` (from :func:`iter_contacts`) as a CSV in the import template's format
    to text file ``fileobj`` (opened with ``newline=""``); return the number of contacts."""
    header = [column.header for column in COLUMNS]
    rows = (
        [record[key] for key in CONTACT_FIELDS] + [SEGMENT_SEPARATOR.join(record["segments"])]
        for record in records
    )
    return write_csv_rows(fileobj, header, rows)


def write_jsonl(records, fileobj):
    """Write ``records`` as JSON Lines (one object per contact); return the number of contacts."""
    count = 0
    for record in records:
        fileobj.write(json.dumps(record, ensure_ascii=False) + "\n")
        count += 1
    return count


WRITERS = {"csv": write_csv, "jsonl": write_jsonl}
