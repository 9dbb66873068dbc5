"""Writing what the decision step decided for an import batch
(:class:`~contact_segments.imports.decision.BatchDecisions`) with a handful of set-based statements
(:mod:`~contact_segments.imports.bulk`, ``COPY`` on PostgreSQL): one
``INSERT ... ON CONFLICT DO NOTHING RETURNING`` for the new contacts, one UPDATE for the changed
ones, one membership insert, one membership delete, the member counts, the row outcomes and the
unknown segment names. No statement per row, and no commit: the caller owns the transaction.
"""

import operator
from collections import Counter

import sqlalchemy as sa

from ..history.recording import count_segment, keep_removals
from ..membership_rows import adjust_member_count
from ..models import Membership, Segment, utcnow
from . import bulk
from .models import CREATED, ROW_FAILED, UNCHANGED, UPDATED, ImportRow, ImportUnknownSegment

_OUTCOME_COLUMNS = ("line", "outcome", "contact_id", "codes", "issues", "changes")
_UNKNOWN_COLUMNS = ("name_key", "line", "name", "suggestion")


class RaceLost(Exception):
    """A contact this batch meant to create was created meanwhile by someone else, or a segment it
    meant to fill was deleted meanwhile.

    The caller rolls the transaction back and runs the batch again; the new contact is then found
    and updated instead, and the deleted segment's name is reported as unknown.
    """


def _values_getter(fields):
    """A function returning the tuple of a values dict's ``fields``."""
    if len(fields) == 1:
        name = fields[0]
        return lambda values: (values[name],)
    return operator.itemgetter(*fields)


def write_batch(session, contacts, account_id, import_id, decisions, change_id=None):
    """Apply ``decisions`` (a :class:`~contact_segments.imports.decision.BatchDecisions`) through
    ``session`` without committing; return the counters to add to the import. ``contacts``: the
    :class:`~contact_segments.contacts.ContactMapping`; ``change_id``: the import's history
    change (``None``: a dry run, which keeps no history). Raises :class:`RaceLost`."""
    return _BatchWriter(session, contacts, account_id, import_id, decisions, change_id).write()


class _BatchWriter:
    """The statements of one batch's write step."""

    def __init__(self, session, contacts, account_id, import_id, decisions, change_id):
        self.session = session
        self.change_id = change_id
        self.segment_names = {ref.id: ref.name for ref in decisions.segments.by_key.values()}
        self.contacts = contacts
        self.account_id = account_id
        self.import_id = import_id
        self.fields = decisions.fields
        self.key_fields = decisions.key_fields
        self.by_id = decisions.by_id
        self.outcomes = decisions.outcomes
        self.unknown = decisions.unknown

    def write(self):
        """Apply the decisions; return the counters. Raises :class:`RaceLost`."""
        self._insert_new_contacts()
        self._update_changed_contacts()
        added, removed, losing = self._write_memberships()
        counts = dict.fromkeys((CREATED, UPDATED, UNCHANGED, ROW_FAILED), 0)
        warned = warnings = issues_total = 0
        rows = []
        changed = self._changed_fields()
        for line, outcome, contact, issues in self.outcomes:
            counts[outcome] += 1
            contact_id = contact.id if contact is not None else None
            changes = changed.pop(contact_id, None) if outcome == UPDATED else None
            if issues:
                row_warnings = sum(issue[0] == "warning" for issue in issues)
                warned += row_warnings > 0
                warnings += row_warnings
                issues_total += len(issues)
                codes = " ".join(dict.fromkeys(issue[2] for issue in issues))[:400]
                rows.append((line, outcome, contact_id, codes, issues, changes))
            else:
                rows.append((line, outcome, contact_id, None, None, changes))
        constants = {"import_id": self.import_id}
        bulk.insert_rows(self.session, ImportRow.__table__, _OUTCOME_COLUMNS, rows, constants)
        unknown = [(key[:400], line, name[:400], suggestion) for key, line, name, suggestion in self.unknown]
        bulk.insert_rows(self.session, ImportUnknownSegment.__table__, _UNKNOWN_COLUMNS, unknown, constants)
        return {**counts, "warned": warned, "memberships_added": added, "memberships_removed": removed,
                "contacts_losing_memberships": losing,
                "errors_total": issues_total - warnings, "warnings_total": warnings}

    def _changed_fields(self):
        """``{contact id: {field: [before, after]}}`` of the stored contacts this batch changes
        (kept on the first row of each, for an undo)."""
        changed = {}
        for contact in self.by_id.values():
            if not contact.new and contact.values != contact.original_values:
                before = contact.original_values
                changed[contact.id] = {name: [before.get(name), value] for name, value in contact.values.items()
                                       if value != before.get(name)}
        return changed

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
        made_by = {"change_id": self.change_id}
        joined = Counter(segment_id for (segment_id,) in bulk.insert_returning(
            self.session, Membership.__table__, columns, to_add, [Membership.segment_id], made_by))
        bulk.insert_rows(self.session, Membership.__table__, columns, to_add_new, made_by)
        joined.update(segment_id for segment_id, _ in to_add_new)
        removed = bulk.delete_pairs(self.session, Membership.__table__, *columns, to_remove,
                                    returning=("change_id", "created_at"))
        left = Counter(row[0] for row in removed)
        for segment_id in sorted({*joined, *left}):
            adjust_member_count(self.session, segment_id, joined.get(segment_id, 0) - left.get(segment_id, 0))
        if self.change_id is not None:
            keep_removals(self.session, self.change_id, removed)
            for segment_id in sorted({*joined, *left}):
                count_segment(self.session, self.change_id, self.account_id, segment_id,
                              self.segment_names.get(segment_id, ""),
                              added=joined.get(segment_id, 0), removed=left.get(segment_id, 0))
        return sum(joined.values()), sum(left.values()), len({contact_id for _, contact_id in to_remove})

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
