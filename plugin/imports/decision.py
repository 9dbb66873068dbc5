"""Deciding what each row of an import batch does, in memory, with no database: which contact
it names (or a new one), which values and segments change, the row's outcome and its issues.

:class:`BatchDecisions` is given the stored contacts the batch's rows may name (read by
:mod:`~contact_segments.imports.engine`) and decides the rows in file order; the write step
(:mod:`~contact_segments.imports.writing`) then applies what it decided.

Rules:

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

from ..messages import column, phrase
from ..names import segment_name_key
from .columns import COLUMN_BY_KEY
from .models import CREATED, ROW_FAILED, UNCHANGED, UPDATED
from .storage import VALUE_FIELDS

#: Identifier fields, in matching priority.
KEY_FIELDS = ("external_id", "mobile", "email")
#: Earlier lines named in a duplicate warning before "and N more".
SHOWN_LINES = 10
_EXTERNAL_ID = VALUE_FIELDS.index("external_id")


class BatchContact:
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


def _header(field_name):
    return COLUMN_BY_KEY[field_name].header


class BatchDecisions:
    """The decision step of one batch: every row's outcome, and the state it gives each contact.

    ``fields``: the contact fields the contact table has (in :data:`VALUE_FIELDS` order);
    ``replace``: the "Replace existing segment data" option; ``segments``: the account's
    :class:`~contact_segments.imports.segment_index.SegmentIndex`. After :meth:`add` of the
    stored contacts the rows may name and :meth:`decide` of every row in file order,
    ``outcomes`` holds ``(line, outcome, contact or None, issues)`` per row, ``unknown`` the
    unknown segment names ``(name_key, line, name, suggestion)`` and ``by_id`` every contact the
    batch knows (the new ones with negative ids).
    """

    def __init__(self, fields, replace, segments):
        self.fields = list(fields)
        self.key_fields = [name for name in KEY_FIELDS if name in self.fields]
        self.replace = replace
        self.segments = segments
        # (position in a record's values, field name): the fields the contact table has.
        self.positions = [(VALUE_FIELDS.index(name), name) for name in self.fields]
        self.key_positions = [(VALUE_FIELDS.index(name), name) for name in self.key_fields]
        self.by_id = {}
        self.index = {}  # (field, value) -> [contact ids]
        self.next_temp_id = -1
        self.outcomes = []  # (line, outcome, contact or None, issues)
        self.unknown = []  # (name_key, line, name, suggestion)

    def add(self, contact):
        """Know a stored ``contact`` (a :class:`BatchContact`) that the rows may name."""
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
        contact = BatchContact(self.next_temp_id, dict.fromkeys(self.fields))
        self.next_temp_id -= 1
        self.by_id[contact.id] = contact
        return contact

    @staticmethod
    def _duplicate_params(seen):
        params = {"lines": ", ".join(str(n) for n in seen[:SHOWN_LINES]), "earlier": len(seen)}
        if len(seen) > SHOWN_LINES:
            params.update(variant="more", more=len(seen) - SHOWN_LINES)
        return params
