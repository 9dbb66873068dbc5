"""Matching validated rows to the account's contacts and applying them, one batch at a time.

:func:`apply_batch` is set-based: for a batch of (say) 2,000 rows it runs a few ``IN`` queries
(contacts by External ID, mobile and email through the per-account unique indexes; their
memberships; the lines of this import that already touched them), works out every row's outcome
in Python, then writes with a handful of statements (:mod:`~contact_segments.imports.bulk`): one
``INSERT ... ON CONFLICT DO NOTHING RETURNING`` for the new contacts, one UPDATE for the changed
ones, one membership insert, a delete per segment losing members, the member counts, the row
outcomes and the unknown segment names. No statement per row. The caller owns the transaction (see
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
from collections import defaultdict
from dataclasses import dataclass, field

import sqlalchemy as sa

from ..memberships import adjust_member_count
from ..models import Membership, Segment, utcnow
from ..names import segment_name_key
from . import bulk
from .columns import COLUMN_BY_KEY
from .models import CREATED, ROW_FAILED, UNCHANGED, UPDATED, ImportRow, ImportUnknownSegment
from .storage import VALUE_FIELDS

#: Identifier fields, in matching priority.
KEY_FIELDS = ("external_id", "mobile", "email")
#: Values per ``IN`` list / multi-row statement (under SQLite's bound-parameter limit).
CHUNK = 1000
#: Earlier lines named in a duplicate warning before "and N more".
SHOWN_LINES = 10
_OUTCOME_COLUMNS = ("import_id", "line", "outcome", "contact_id", "codes", "issues")
_UNKNOWN_COLUMNS = ("import_id", "name_key", "line", "name", "suggestion")


class RaceLost(Exception):
    """A contact this batch meant to create was created meanwhile by someone else.

    The caller rolls the transaction back and runs the batch again; the new contact is then found
    and updated instead.
    """


@dataclass(frozen=True)
class SegmentRef:
    """An existing segment of the account."""

    id: int
    name: str


class SegmentIndex:
    """The account's segments by :func:`segment_name_key`, with close-match suggestions."""

    def __init__(self, segments):
        self.by_key = {segment_name_key(name): SegmentRef(segment_id, name) for segment_id, name in segments}
        self._suggestions = {}

    @classmethod
    def load(cls, session, account_id):
        """Read the segments of ``account_id``."""
        return cls(session.execute(
            sa.select(Segment.id, Segment.name).where(Segment.account_id == account_id)
        ).all())

    def get(self, name):
        """Return the :class:`SegmentRef` named ``name`` (case, spaces, Unicode form ignored) or ``None``."""
        return self.by_key.get(segment_name_key(name))

    def suggest(self, name):
        """Return the existing segment name closest to ``name``, or ``None`` when none is close."""
        key = segment_name_key(name)
        if key not in self._suggestions:
            close = difflib.get_close_matches(key, list(self.by_key), n=1, cutoff=0.6)
            self._suggestions[key] = self.by_key[close[0]].name if close else None
        return self._suggestions[key]


@dataclass(eq=False)
class _Contact:
    """A contact as the batch sees it: its stored state and the state the rows give it."""

    id: int  # negative: not created yet
    values: dict
    segments: set
    original_values: dict | None = None  # None: new contact
    original_segments: set = field(default_factory=set)
    lines: list = field(default_factory=list)  # lines of this import that touched it

    @property
    def new(self):
        return self.original_values is None

    def describe(self):
        if self.new:
            return f"the new contact of line {self.lines[0]}" if self.lines else "a new contact"
        name = " ".join(v for v in (self.values.get("first_name"), self.values.get("last_name")) if v)
        return f"{name or 'a contact'} (contact {self.id})"


@dataclass
class BatchOutcome:
    """What a batch did: the counters to add to the import (see ``models.COUNTERS``)."""

    counts: dict


def _header(field_name):
    return COLUMN_BY_KEY[field_name].header


def _chunks(values, size=CHUNK):
    values = list(values)
    for start in range(0, len(values), size):
        yield values[start:start + size]


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
        self.by_id = {}
        self.index = defaultdict(list)  # (field, value) -> [contact ids]
        self.next_temp_id = -1
        self.outcomes = []  # [line, outcome, contact or None, issues]
        self.unknown = []  # (name_key, line, name, suggestion)

    # ------------------------------------------------------------------ reading
    def load(self, rows):
        """Read the contacts the rows name, their memberships and earlier lines of this import."""
        contacts = self.contacts
        id_col = contacts.col("id")
        columns = [contacts.col(name) for name in self.fields]
        for name in self.key_fields:
            wanted = sorted({getattr(row, name) for row in rows if not row.errors and getattr(row, name)})
            column = contacts.col(name)
            for chunk in _chunks(wanted):
                query = sa.select(id_col, *columns).where(contacts.in_account(self.account_id))
                result = self.session.execute(bulk.select_matching(self.session, query, column, chunk))
                for record in result:
                    if record[0] not in self.by_id:
                        values = dict(zip(self.fields, record[1:]))
                        self._add(_Contact(record[0], values, set(), dict(values)))
        existing = list(self.by_id)
        memberships = (sa.select(Membership.contact_id, Membership.segment_id)
                       .join(Segment, Segment.id == Membership.segment_id)
                       .where(Segment.account_id == self.account_id))
        earlier_lines = sa.select(ImportRow.contact_id, ImportRow.line).where(
            ImportRow.import_id == self.import_id)
        for chunk in _chunks(existing):
            for contact_id, segment_id in self.session.execute(
                    bulk.select_matching(self.session, memberships, Membership.contact_id, chunk)):
                contact = self.by_id[contact_id]
                contact.segments.add(segment_id)
                contact.original_segments.add(segment_id)
            for contact_id, line in sorted(self.session.execute(
                    bulk.select_matching(self.session, earlier_lines, ImportRow.contact_id, chunk)),
                    key=lambda pair: pair[1]):
                self.by_id[contact_id].lines.append(line)

    def _add(self, contact):
        self.by_id[contact.id] = contact
        self._index(contact)

    def _index(self, contact):
        index = self.index
        for name in self.key_fields:
            value = contact.values.get(name)
            if value:
                ids = index[(name, value)]
                if contact.id not in ids:
                    ids.append(contact.id)

    # ------------------------------------------------------------------ deciding
    def decide(self, row):
        """Work out the outcome of one row, updating the batch's view of its contact."""
        issues = [["error", *issue[1:]] for issue in row.errors]
        issues += [["warning", *issue[1:]] for issue in row.warnings]
        known = self._segment_ids(row, issues)
        contact = None
        if not row.errors:
            contact = self._match(row, issues)
        if contact is None:
            self.outcomes.append([row.line, ROW_FAILED, None, issues])
            return
        seen = list(contact.lines)
        before = (dict(contact.values), set(contact.segments))
        for name in self.fields:
            value = getattr(row, name)
            if value:
                contact.values[name] = value
        self._index(contact)
        if self.replace and not seen and not contact.new:
            contact.segments = set(known)
        else:
            contact.segments.update(known)
        if contact.new and not seen:
            outcome = CREATED
        elif (contact.values, contact.segments) != before:
            outcome = UPDATED
        else:
            outcome = UNCHANGED
        if seen:
            issues.append(["warning", None, "duplicate_in_file", self._duplicate_message(row.line, seen)])
        contact.lines.append(row.line)
        self.outcomes.append([row.line, outcome, contact, issues])

    def _segment_ids(self, row, issues):
        known = []
        for name in row.segment_names:
            segment = self.segments.get(name)
            if segment is not None:
                known.append(segment.id)
                continue
            suggestion = self.segments.suggest(name)
            self.unknown.append((segment_name_key(name), row.line, name, suggestion))
            hint = f' (did you mean "{suggestion}"?)' if suggestion else ""
            issues.append(["warning", _header("segments"), "unknown_segment",
                           f'Segment "{name}" does not exist, so the contact was not added to it'
                           f"{hint}. Segments are not created by an import: create it on the "
                           "Contacts page first, then import the file again."])
        return known

    def _match(self, row, issues):
        found = []  # (field, value, contact)
        for name in self.key_fields:
            value = getattr(row, name)
            for contact_id in self.index.get((name, value), ()) if value else ():
                if all(contact_id != other.id for _, _, other in found):
                    found.append((name, value, self.by_id[contact_id]))
        if len(found) > 1:
            (f1, v1, c1), (f2, v2, c2) = found[:2]
            issues.append(["error", None, "contact_conflict",
                           f'Line {row.line} names two different contacts: {_header(f1)} "{v1}" '
                           f'belongs to {c1.describe()} and {_header(f2)} "{v2}" belongs to '
                           f"{c2.describe()}. Correct the row so that all its identifiers belong "
                           "to one contact, or leave the wrong one blank."])
            return None
        if found:
            name, value, contact = found[0]
            stored_external_id = contact.values.get("external_id")
            if row.external_id and stored_external_id and stored_external_id != row.external_id:
                issues.append(["error", _header("external_id"), "external_id_mismatch",
                               f'Line {row.line}: {_header(name)} "{value}" belongs to '
                               f'{contact.describe()}, whose External ID is "{stored_external_id}", '
                               f'not "{row.external_id}". Check the External ID, or leave it blank '
                               "to update that contact."])
                return None
            return contact
        contact = _Contact(self.next_temp_id, {name: None for name in self.fields}, set())
        self.next_temp_id -= 1
        self.by_id[contact.id] = contact
        return contact

    @staticmethod
    def _duplicate_message(line, seen):
        shown = ", ".join(str(n) for n in seen[:SHOWN_LINES])
        if len(seen) > SHOWN_LINES:
            shown += f" and {len(seen) - SHOWN_LINES} more"
        plural = "s" if len(seen) > 1 else ""
        return (f"Line {line} is the same contact as line{plural} {shown}: the rows were merged "
                "into one contact (later non-blank values win, segments are combined).")

    # ------------------------------------------------------------------ writing
    def write(self):
        """Apply the decisions; return the counters. Raises :class:`RaceLost`."""
        self._insert_new_contacts()
        self._update_changed_contacts()
        added, removed = self._write_memberships()
        counts = dict.fromkeys((CREATED, UPDATED, UNCHANGED, ROW_FAILED), 0)
        warned = 0
        rows = []
        for line, outcome, contact, issues in self.outcomes:
            counts[outcome] += 1
            warned += any(issue[0] == "warning" for issue in issues)
            rows.append({
                "import_id": self.import_id, "line": line, "outcome": outcome,
                "contact_id": contact.id if contact is not None else None,
                "codes": " ".join(dict.fromkeys(issue[2] for issue in issues))[:400] or None,
                "issues": issues or None,
            })
        bulk.insert_rows(self.session, ImportRow.__table__, _OUTCOME_COLUMNS, rows)
        unknown = [{"import_id": self.import_id, "name_key": key[:400], "line": line,
                    "name": name[:400], "suggestion": suggestion}
                   for key, line, name, suggestion in self.unknown]
        bulk.insert_rows(self.session, ImportUnknownSegment.__table__, _UNKNOWN_COLUMNS, unknown)
        return {**counts, "warned": warned, "memberships_added": added, "memberships_removed": removed}

    def _insert_new_contacts(self):
        new = [contact for contact in self.by_id.values() if contact.new and contact.lines]
        if not new:
            return
        contacts = self.contacts
        table = contacts.table
        keys = {name: contacts.col(name).key for name in self.fields}
        stamp = {contacts.col("updated_at").key: utcnow()} if contacts.has("updated_at") else {}
        by_key = {}
        for contact in new:
            for name in self.key_fields:
                if contact.values.get(name):
                    by_key[(name, contact.values[name])] = contact
                    break
        returning = [contacts.col("id")] + [contacts.col(name) for name in self.key_fields]
        columns = [contacts.col("account_id").key, *stamp, *keys.values()]
        rows = [{contacts.col("account_id").key: self.account_id, **stamp,
                 **{keys[name]: contact.values[name] for name in self.fields}} for contact in new]
        resolved = 0
        for record in bulk.insert_returning(self.session, table, columns, rows, returning):
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
        keys = {name: contacts.col(name).key for name in self.fields}
        stamp = {contacts.col("updated_at").key: utcnow()} if contacts.has("updated_at") else {}
        id_key = contacts.col("id").key
        rows = [{id_key: contact.id, **stamp, **{keys[name]: contact.values[name] for name in self.fields}}
                for contact in changed]
        bulk.update_by_key(self.session, contacts.table, id_key, [*stamp, *keys.values()], rows,
                           where=[contacts.in_account(self.account_id)])

    def _write_memberships(self):
        to_add, to_remove = defaultdict(list), defaultdict(list)
        for contact in self.by_id.values():
            if contact.id < 0:
                continue
            for segment_id in contact.segments - contact.original_segments:
                to_add[segment_id].append(contact.id)
            for segment_id in contact.original_segments - contact.segments:
                to_remove[segment_id].append(contact.id)
        added = removed = 0
        pairs = [{"segment_id": segment_id, "contact_id": contact_id}
                 for segment_id, contact_ids in to_add.items() for contact_id in contact_ids]
        joined = defaultdict(int)
        for (segment_id,) in bulk.insert_returning(self.session, Membership.__table__,
                                                   ["segment_id", "contact_id"], pairs,
                                                   [Membership.segment_id]):
            joined[segment_id] += 1
        for segment_id, count in joined.items():
            adjust_member_count(self.session, segment_id, count)
            added += count
        for segment_id, contact_ids in to_remove.items():
            count = 0
            for chunk in _chunks(sorted(contact_ids)):
                count += self.session.execute(
                    sa.delete(Membership)
                    .where(Membership.segment_id == segment_id,
                           bulk.is_in(self.session, Membership.contact_id, chunk))
                    .execution_options(synchronize_session=False)
                ).rowcount
            adjust_member_count(self.session, segment_id, -count)
            removed += count
        return added, removed


def apply_batch(session, contacts, account_id, import_id, replace, rows, segments):
    """Match and apply one batch of :class:`~contact_segments.imports.validation.ValidatedRow`.

    ``contacts``: the :class:`~contact_segments.contacts.ContactMapping`; ``segments``: the
    account's :class:`SegmentIndex`; ``replace``: the "Replace existing segment data" option.
    Writes contacts, memberships, member counts, row outcomes and unknown segment names through
    ``session`` without committing, and returns a :class:`BatchOutcome`. The caller must hold the
    account's write lock (:func:`contact_segments.imports.locks.lock_for_writing`). Raises
    :class:`RaceLost` when a contact to create appeared meanwhile (roll back and run again).
    """
    plan = _Plan(session, contacts, account_id, import_id, replace, segments)
    plan.load(rows)
    for row in rows:
        plan.decide(row)
    return BatchOutcome(plan.write())
