"""Matching validated rows to the account's contacts and applying them, one batch at a time.

:func:`apply_batch` is set-based: for a batch of (say) 5,000 rows it runs a few look-ups
(contacts by External ID, mobile and email through the per-account unique indexes; their
memberships; the lines of this import that already touched them), works out every row's outcome
in Python (a few microseconds per row: plain dicts and tuples), then writes with a handful of
statements (:mod:`~contact_segments.imports.bulk`, ``COPY`` on PostgreSQL): one
``INSERT ... ON CONFLICT DO NOTHING RETURNING`` for the new contacts, one UPDATE for the changed
ones, one membership insert, one membership delete, the member counts, the row outcomes and the
unknown segment names. No statement per row. The caller owns the transaction (see
:mod:`contact_segments.imports.runner`).

Rules (issue 3):

* A row is matched by External ID when it has one, else by mobile number, else by email. When
  its identifiers belong to two different contacts the row fails naming both; when it is matched
  by mobile or email to a contact that has another External ID it fails too (a CRM key is never
  silently rewritten).
* A matched contact is updated, never duplicated; blank cells never erase stored values.
* The same contact on several lines of a file is one contact: later non-blank values win, the
  segments of all its lines are combined (also in replace mode), and each later line gets a
  ``duplicate_in_file`` warning naming the earlier lines.
* Merge mode adds the row's known segments; replace mode makes them the contact's exact
  segments. Unknown segment names are never created: the row gets a warning and the name is
  recorded with the closest existing name.
* Identifier values a contact held when the batch started stay reserved to it for the batch, so
  two rows can never swap identifiers between contacts inside one set of statements.
"""

import difflib
import operator
from collections import Counter
from dataclasses import dataclass

import sqlalchemy as sa

from ..membership_rows import adjust_member_count
from ..messages import column, phrase
from ..models import Membership, Segment, utcnow
from ..names import segment_name_key
from . import bulk
from .columns import COLUMN_BY_KEY
from .models import CREATED, ROW_FAILED, UNCHANGED, UPDATED, ImportRow, ImportUnknownSegment
from .storage import VALUE_FIELDS

#: Identifier fields, in matching priority.
KEY_FIELDS = ("external_id", "mobile", "email")
#: Earlier lines named in a duplicate warning before "and N more".
SHOWN_LINES = 10
_OUTCOME_COLUMNS = ("line", "outcome", "contact_id", "codes", "issues")
_UNKNOWN_COLUMNS = ("name_key", "line", "name", "suggestion")


class RaceLost(Exception):
    """A contact this batch meant to create was created meanwhile by someone else, or a segment it
    meant to fill was deleted meanwhile.

    The caller rolls the transaction back and runs the batch again; the new contact is then found
    and updated instead, and the deleted segment's name is reported as unknown.
    """


@dataclass(frozen=True)
class SegmentRef:
    """An existing segment of the account."""

    id: int
    name: str


class SegmentIndex:
    """The account's segments by :func:`segment_name_key`, with close-match suggestions."""

    def __init__(self, segments):
        segments = list(segments)
        self.by_key = {segment_name_key(name): SegmentRef(segment_id, name) for segment_id, name in segments}
        self.ids = frozenset(segment_id for segment_id, _ in segments)
        self._suggestions = {}
        self._by_name = {}  # name as written -> SegmentRef or None

    @classmethod
    def load(cls, session, account_id):
        """Read the segments of ``account_id``."""
        return cls(session.execute(
            sa.select(Segment.id, Segment.name).where(Segment.account_id == account_id)
        ).all())

    def get(self, name):
        """Return the :class:`SegmentRef` named ``name`` (case, spaces, Unicode form ignored) or ``None``."""
        try:
            return self._by_name[name]
        except KeyError:
            found = self._by_name[name] = self.by_key.get(segment_name_key(name))
            return found

    def suggest(self, name):
        """Return the existing segment name closest to ``name``, or ``None`` when none is close."""
        key = segment_name_key(name)
        if key not in self._suggestions:
            close = difflib.get_close_matches(key, list(self.by_key), n=1, cutoff=0.6)
            self._suggestions[key] = self.by_key[close[0]].name if close else None
        return self._suggestions[key]


class _Contact:
    """A contact as the batch sees it: its stored state and the state the rows give it."""

    __slots__ = ("id", "values", "segments", "original_values", "original_segments", "lines")

    def __init__(self, contact_id, values, original_values=None):
        self.id = contact_id  # negative: not created yet
        self.values = values
        self.segments = set()
        self.original_values = original_values  # None: a new contact
        self.original_segments = set()
        self.lines = []  # lines of this import that touched it

    @property
    def new(self):
        """True when the contact is not in the database yet (this batch creates it)."""
        return self.original_values is None

    def describe(self):
        """Name the contact for a message, as a message value ("Jane Doe (contact 12)", "the new
        contact of line 3")."""
        if self.new:
            return phrase("contact_new_of_line", line=self.lines[0]) if self.lines else phrase("contact_new")
        name = " ".join(v for v in (self.values.get("first_name"), self.values.get("last_name")) if v)
        if not name:
            return phrase("contact_unnamed", id=self.id)
        return phrase("contact_named", name=name, id=self.id)


@dataclass
class BatchOutcome:
    """What a batch did: the counters to add to the import (see ``models.COUNTERS`` and
    ``models.ISSUE_COUNTERS``)."""

    counts: dict


def _header(field_name):
    return COLUMN_BY_KEY[field_name].header


def _values_getter(fields):
    """A function returning the tuple of a values dict's ``fields``."""
    if len(fields) == 1:
        name = fields[0]
        return lambda values: (values[name],)
    return operator.itemgetter(*fields)


class _Plan:
    """Works out every row's outcome; then :meth:`write` applies it."""

    def __init__(self, session, contacts, account_id, import_id, replace, segments):
        self.session = session
        self.contacts = contacts
        self.account_id = account_id
        self.import_id = import_id
        self.replace = replace
        self.segments = segments
        self.fields = [name for name in VALUE_FIELDS if contacts.has(name)]
        self.key_fields = [name for name in KEY_FIELDS if contacts.has(name)]
        # (position in a record's values, field name): the fields the contact table has.
        self.positions = [(VALUE_FIELDS.index(name), name) for name in self.fields]
        self.key_positions = [(VALUE_FIELDS.index(name), name) for name in self.key_fields]
        self.by_id = {}
        self.index = {}  # (field, value) -> [contact ids]
        self.next_temp_id = -1
        self.outcomes = []  # (line, outcome, contact or None, issues)
        self.unknown = []  # (name_key, line, name, suggestion)

    # ------------------------------------------------------------------ reading
    def load(self, rows):
        """Read the contacts the rows name, their memberships and earlier lines of this import."""
        contacts, session = self.contacts, self.session
        query = sa.select(contacts.col("id"), *(contacts.col(name) for name in self.fields)).where(
            contacts.in_account(self.account_id))
        for position, name in self.key_positions:
            wanted = sorted({row.values[position] for row in rows if not row.errors and row.values[position]})
            for record in bulk.fetch_matching(session, query, contacts.col(name), wanted):
                if record[0] not in self.by_id:
                    values = dict(zip(self.fields, record[1:]))
                    self._add(_Contact(record[0], values, dict(values)))
        existing = sorted(self.by_id)
        if not existing:
            return
        # The contacts are the account's, so are their segments; keeping only the ids of the
        # account's segments (instead of joining segments) reads one index range per contact.
        account_segments = self.segments.ids
        memberships = sa.select(Membership.contact_id, Membership.segment_id)
        for contact_id, segment_id in bulk.fetch_matching(session, memberships, Membership.contact_id, existing):
            if segment_id in account_segments:
                contact = self.by_id[contact_id]
                contact.segments.add(segment_id)
                contact.original_segments.add(segment_id)
        earlier_lines = sa.select(ImportRow.contact_id, ImportRow.line).where(
            ImportRow.import_id == self.import_id)
        for contact_id, line in sorted(bulk.fetch_matching(session, earlier_lines, ImportRow.contact_id, existing),
                                       key=operator.itemgetter(1)):
            self.by_id[contact_id].lines.append(line)

    def _add(self, contact):
        self.by_id[contact.id] = contact
        values = contact.values
        for name in self.key_fields:
            if values.get(name):
                self._index(name, values[name], contact.id)

    def _index(self, name, value, contact_id):
        ids = self.index.get((name, value))
        if ids is None:
            self.index[(name, value)] = [contact_id]
        elif contact_id not in ids:
            ids.append(contact_id)

    # ------------------------------------------------------------------ deciding
    def decide(self, row):
        """Work out the outcome of one row, updating the batch's view of its contact."""
        errors, warnings = row.errors, row.warnings
        issues = []
        if errors or warnings:
            issues = [["error", *issue] for issue in errors] + [["warning", *issue] for issue in warnings]
        known = self._segment_ids(row, issues) if row.segment_names else ()
        contact = None if errors else self._match(row, issues)
        if contact is None:
            self.outcomes.append((row.line, ROW_FAILED, None, issues))
            return
        seen = contact.lines  # the earlier lines; this one is appended below
        values, record = contact.values, row.values
        changed = False
        for position, name in self.positions:
            value = record[position]
            if value and values[name] != value:
                values[name] = value
                changed = True
        if changed or not seen:
            for position, name in self.key_positions:
                if record[position]:
                    self._index(name, record[position], contact.id)
        new = contact.original_values is None
        if self.replace and not seen and not new:
            known = set(known)
            if known != contact.segments:
                contact.segments = known
                changed = True
        else:
            segments = contact.segments
            for segment_id in known:
                if segment_id not in segments:
                    segments.add(segment_id)
                    changed = True
        if new and not seen:
            outcome = CREATED
        else:
            outcome = UPDATED if changed else UNCHANGED
        if seen:
            issues.append(["warning", None, "duplicate_in_file", self._duplicate_params(seen)])
        seen.append(row.line)
        self.outcomes.append((row.line, outcome, contact, issues))

    def _segment_ids(self, row, issues):
        known = []
        for name in row.segment_names:
            segment = self.segments.get(name)
            if segment is not None:
                known.append(segment.id)
                continue
            suggestion = self.segments.suggest(name)
            self.unknown.append((segment_name_key(name), row.line, name, suggestion))
            params = {"name": name}
            if suggestion:
                params.update(variant="suggestion", suggestion=suggestion)
            issues.append(["warning", _header("segments"), "unknown_segment", params])
        return known

    def _match(self, row, issues):
        found = None  # [(field, value, contact id)]
        record, index = row.values, self.index
        for position, name in self.key_positions:
            value = record[position]
            ids = index.get((name, value)) if value else None
            for contact_id in ids or ():
                if found is None:
                    found = [(name, value, contact_id)]
                elif all(contact_id != other for _, _, other in found):
                    found.append((name, value, contact_id))
        if found is not None and len(found) > 1:
            (f1, v1, c1), (f2, v2, c2) = found[:2]
            issues.append(["error", None, "contact_conflict", {
                "found_by": column(_header(f1)), "value": v1, "contact": self.by_id[c1].describe(),
                "other_found_by": column(_header(f2)), "other_value": v2,
                "other_contact": self.by_id[c2].describe()}])
            return None
        if found:
            name, value, contact_id = found[0]
            contact = self.by_id[contact_id]
            stored_external_id = contact.values.get("external_id")
            external_id = record[_EXTERNAL_ID]
            if external_id and stored_external_id and stored_external_id != external_id:
                issues.append(["error", _header("external_id"), "external_id_mismatch", {
                    "found_by": column(_header(name)), "value": value, "contact": contact.describe(),
                    "stored": stored_external_id, "external_id": external_id}])
                return None
            return contact
        contact = _Contact(self.next_temp_id, dict.fromkeys(self.fields))
        self.next_temp_id -= 1
        self.by_id[contact.id] = contact
        return contact

    @staticmethod
    def _duplicate_params(seen):
        params = {"lines": ", ".join(str(n) for n in seen[:SHOWN_LINES]), "earlier": len(seen)}
        if len(seen) > SHOWN_LINES:
            params.update(variant="more", more=len(seen) - SHOWN_LINES)
        return params

    # ------------------------------------------------------------------ writing
    def write(self):
        """Apply the decisions; return the counters. Raises :class:`RaceLost`."""
        self._insert_new_contacts()
        self._update_changed_contacts()
        added, removed = self._write_memberships()
        counts = dict.fromkeys((CREATED, UPDATED, UNCHANGED, ROW_FAILED), 0)
        warned = warnings = issues_total = 0
        rows = []
        for line, outcome, contact, issues in self.outcomes:
            counts[outcome] += 1
            contact_id = contact.id if contact is not None else None
            if issues:
                row_warnings = sum(issue[0] == "warning" for issue in issues)
                warned += row_warnings > 0
                warnings += row_warnings
                issues_total += len(issues)
                codes = " ".join(dict.fromkeys(issue[2] for issue in issues))[:400]
                rows.append((line, outcome, contact_id, codes, issues))
            else:
                rows.append((line, outcome, contact_id, None, None))
        constants = {"import_id": self.import_id}
        bulk.insert_rows(self.session, ImportRow.__table__, _OUTCOME_COLUMNS, rows, constants)
        unknown = [(key[:400], line, name[:400], suggestion) for key, line, name, suggestion in self.unknown]
        bulk.insert_rows(self.session, ImportUnknownSegment.__table__, _UNKNOWN_COLUMNS, unknown, constants)
        return {**counts, "warned": warned, "memberships_added": added, "memberships_removed": removed,
                "errors_total": issues_total - warnings, "warnings_total": warnings}

    def _stamp(self):
        contacts = self.contacts
        return {contacts.col("updated_at").key: utcnow()} if contacts.has("updated_at") else {}

    def _insert_new_contacts(self):
        new = [contact for contact in self.by_id.values() if contact.new and contact.lines]
        if not new:
            return
        contacts = self.contacts
        columns = [contacts.col(name).key for name in self.fields]
        row_of = _values_getter(self.fields)
        rows = [row_of(contact.values) for contact in new]
        constants = {contacts.col("account_id").key: self.account_id, **self._stamp()}
        try:
            ids = bulk.insert_new(self.session, contacts.table, contacts.col("id").key, columns, rows,
                                  constants)
        except bulk.DuplicateKey as clash:
            raise RaceLost(f"a new contact was created meanwhile ({clash})") from clash
        if ids is not None:
            for contact, contact_id in zip(new, ids):
                contact.id = contact_id
            return
        by_key = {}
        for contact in new:
            for name in self.key_fields:
                if contact.values.get(name):
                    by_key[(name, contact.values[name])] = contact
                    break
        returning = [contacts.col("id")] + [contacts.col(name) for name in self.key_fields]
        resolved = 0
        for record in bulk.insert_returning(self.session, contacts.table, columns, rows, returning, constants):
            for name, value in zip(self.key_fields, record[1:]):
                contact = by_key.get((name, value)) if value else None
                if contact is not None and contact.id < 0:
                    contact.id = record[0]
                    resolved += 1
                    break
        if resolved != len(new):
            raise RaceLost(f"{len(new) - resolved} new contacts were created meanwhile")

    def _update_changed_contacts(self):
        changed = [contact for contact in self.by_id.values()
                   if not contact.new and contact.values != contact.original_values]
        if not changed:
            return
        contacts = self.contacts
        row_of = _values_getter(self.fields)
        rows = [(contact.id, *row_of(contact.values)) for contact in changed]
        bulk.update_by_key(self.session, contacts.table, contacts.col("id").key,
                           [contacts.col(name).key for name in self.fields], rows, self._stamp(),
                           where=[contacts.in_account(self.account_id)])

    def _write_memberships(self):
        to_add, to_add_new, to_remove = [], [], []
        for contact in self.by_id.values():
            if contact.new:  # created by this batch: no membership can exist yet
                to_add_new += [(segment_id, contact.id) for segment_id in contact.segments]
                continue
            for segment_id in contact.segments - contact.original_segments:
                to_add.append((segment_id, contact.id))
            if contact.original_segments:
                for segment_id in contact.original_segments - contact.segments:
                    to_remove.append((segment_id, contact.id))
        self._lock_segments({segment_id for segment_id, _ in to_add + to_add_new})
        columns = ["segment_id", "contact_id"]
        joined = Counter(segment_id for (segment_id,) in bulk.insert_returning(
            self.session, Membership.__table__, columns, to_add, [Membership.segment_id]))
        bulk.insert_rows(self.session, Membership.__table__, columns, to_add_new)
        joined.update(segment_id for segment_id, _ in to_add_new)
        left = bulk.delete_pairs(self.session, Membership.__table__, *columns, to_remove)
        for segment_id in sorted({*joined, *left}):
            adjust_member_count(self.session, segment_id, joined.get(segment_id, 0) - left.get(segment_id, 0))
        return sum(joined.values()), sum(left.values())

    def _lock_segments(self, segment_ids):
        """Hold the segments this batch adds members to until it commits (they cannot be
        deleted meanwhile: memberships have no foreign key); :class:`RaceLost` if one is gone."""
        if not segment_ids:
            return
        present = set(self.session.execute(
            sa.select(Segment.id).where(Segment.account_id == self.account_id, Segment.id.in_(sorted(segment_ids)))
            .with_for_update(read=True, key_share=True)
        ).scalars())
        if present != segment_ids:
            raise RaceLost(f"segment {min(segment_ids - present)} was deleted meanwhile")


_EXTERNAL_ID = VALUE_FIELDS.index("external_id")


def apply_batch(session, contacts, account_id, import_id, replace, rows, segments):
    """Match and apply one batch of :class:`~contact_segments.imports.storage.RowRecord`.

    ``contacts``: the :class:`~contact_segments.contacts.ContactMapping`; ``segments``: the
    account's :class:`SegmentIndex`; ``replace``: the "Replace existing segment data" option.
    Writes contacts, memberships, member counts, row outcomes and unknown segment names through
    ``session`` without committing, and returns a :class:`BatchOutcome`. The caller must hold the
    account's write lock (:func:`contact_segments.imports.locks.lock_for_writing`). Raises
    :class:`RaceLost` when a contact to create appeared meanwhile (roll back and run again).
    """
    plan = _Plan(session, contacts, account_id, import_id, replace, segments)
    plan.load(rows)
    decide = plan.decide
    for row in rows:
        decide(row)
    return BatchOutcome(plan.write())
