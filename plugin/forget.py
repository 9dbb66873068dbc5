"""Forgetting contacts: the one call a host makes when it deletes customers.

The plugin keeps contact ids in the places of :data:`CONTACT_ID_COLUMNS`; nothing else it stores
holds a contact id:

* ``segments_membership.contact_id``: the contact's memberships are **deleted** (those of
  deleted segments too) and the ``member_count`` of each segment they were in goes down by as
  many; the segments' activity counts them as removed by a "contacts forgotten" change, which
  names no contact;
* ``segments_membership_removal.contact_id`` and ``segments_undo_conflict.contact_id``: the
  contact's history, **deleted**;
* ``segments_import_row.contact_id``: set to **NULL**, and the field values the row changed
  (``changes``) with it (the row's line and outcome stay in the import's report; it just no
  longer names the contact);
* ``segments_contact.id``: the contact row itself is **deleted** when the plugin owns the contact
  table. When the host brought its own contact model, its rows are the host's to delete.

:func:`forget_contacts` does all of that for any number of ids with a handful of set-based
statements, inside the caller's transaction: it never commits, so the host deletes its own
customer rows and forgets them in one unit of work. The ``segments_members_removed`` events
(one per segment, with the contact ids that left it) reach host hooks only after that
transaction commits, and never if it rolls back.
"""

from collections import defaultdict
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from .history import recording
from .history.models import CONTACTS_FORGOTTEN, DeletedSegment, MembershipRemoval, UndoConflict
from .hooks.events import MembersRemoved
from .ids import parse_ids
from .imports.locks import lock_account_writes
from .imports.models import Import, ImportRow
from .models import Contact, Membership, Segment
from .sql import dialect_name

#: Every column of the plugin's tables that holds a contact id (table, column).
CONTACT_ID_COLUMNS = (
    ("segments_membership", "contact_id"),
    ("segments_membership_removal", "contact_id"),
    ("segments_undo_conflict", "contact_id"),
    ("segments_import_row", "contact_id"),
    ("segments_contact", "id"),
)
#: Ids per ``IN`` list on SQLite (under its bound-parameter limit); PostgreSQL takes one array.
SQLITE_CHUNK = 500

_memberships = Membership.__table__
_segments = Segment.__table__
_import_rows = ImportRow.__table__
_own_contacts = Contact.__table__
_deleted_segments = DeletedSegment.__table__


@dataclass(frozen=True)
class SegmentChange:
    """A segment that lost ``removed`` members and now has ``member_count``."""

    id: int
    name: str
    removed: int
    member_count: int


@dataclass(frozen=True)
class ForgetResult:
    """What :func:`forget_contacts` changed."""

    contacts_deleted: int  # rows of segments_contact (0 when the host owns the contact table)
    memberships_removed: int
    import_rows_cleared: int
    segments: tuple  # SegmentChange of each segment that lost members, by id

    def to_dict(self):
        """Return the result as the API and ``--json`` show it."""
        return {
            "contacts_deleted": self.contacts_deleted,
            "memberships_removed": self.memberships_removed,
            "import_rows_cleared": self.import_rows_cleared,
            "segments": [change.__dict__ for change in self.segments],
        }


def owns_contact_table(scope):
    """True when the contacts live in the plugin's own table ``segments_contact``."""
    return scope.contacts.table is _own_contacts


def _id_matchers(session, ids):
    """Yield functions ``f(column)`` giving a WHERE clause "column is one of the ids": all of them
    in one array parameter on PostgreSQL, :data:`SQLITE_CHUNK` at a time on SQLite."""
    if dialect_name(session) == "postgresql":
        array = sa.bindparam("forget_ids", ids, type_=postgresql.ARRAY(sa.BigInteger))
        yield lambda column: column == sa.any_(array)
        return
    for start in range(0, len(ids), SQLITE_CHUNK):
        chunk = ids[start:start + SQLITE_CHUNK]
        yield lambda column, chunk=chunk: column.in_(chunk)


def lock_account_segments(scope):
    """Hold every segment of the account until the transaction ends.

    PostgreSQL: the segment rows, in id order. Together with the account's import write lock
    this waits for the membership writers already under way in the account (each locks the
    segment it changes, an import its whole batch), so the memberships read next are all there
    are. SQLite: a write that changes no row, which takes the database's one write lock now
    rather than at the first real write (reads before it would see no transaction at all).
    """
    if dialect_name(scope.session) != "postgresql":
        scope.session.execute(sa.update(_segments).where(sa.false()).values(member_count=0))
        return
    scope.session.execute(
        sa.select(_segments.c.id).where(_segments.c.account_id == scope.account_id)
        .order_by(_segments.c.id).with_for_update()
    ).all()


def account_segment_ids(account_id):
    """A SELECT of the ids of the account's segments."""
    return sa.select(_segments.c.id).where(_segments.c.account_id == account_id)


def delete_memberships(scope, where):
    """Delete the memberships of the account's segments matching ``where`` (a clause on the
    membership table); return ``{segment_id: [contact ids that left it]}``. Counts and events
    are :func:`settle_removed`'s job."""
    left = defaultdict(list)
    for segment_id, contact_id in scope.session.execute(
        sa.delete(_memberships)
        .where(_memberships.c.segment_id.in_(account_segment_ids(scope.account_id)), where)
        .returning(_memberships.c.segment_id, _memberships.c.contact_id)
    ):
        left[segment_id].append(contact_id)
    return left


def settle_removed(scope, left):
    """Lower the ``member_count`` of each segment of ``left`` (``{segment_id: contact ids}``) by
    its number of contacts, announce one ``segments_members_removed`` per segment, and return
    the :class:`SegmentChange` of each, by segment id."""
    if not left:
        return ()
    session = scope.session
    change = recording.begin(scope, CONTACTS_FORGOTTEN, params={"count": sum(map(len, left.values()))})
    for segment_id in sorted(left):
        session.execute(
            sa.update(_segments).where(_segments.c.id == segment_id)
            .values(member_count=_segments.c.member_count - len(left[segment_id]))
        )
    rows = session.execute(
        sa.select(_segments.c.id, _segments.c.name, _segments.c.member_count)
        .where(_segments.c.id.in_(sorted(left))).order_by(_segments.c.id)
    ).all()
    for row in rows:
        recording.count_segment(session, change.id, scope.account_id, row.id, row.name,
                                removed=len(left[row.id]))
        scope.announce("segments_members_removed", MembersRemoved(
            account_id=scope.account_id, segment_id=row.id, segment_name=row.name,
            count=len(left[row.id]), actor_user_id=scope.actor.user_id,
            contact_ids=tuple(sorted(left[row.id])),
        ))
    return tuple(SegmentChange(id=row.id, name=row.name, removed=len(left[row.id]),
                               member_count=row.member_count) for row in rows)


def account_import_ids(account_id):
    """A SELECT of the ids of the account's imports."""
    return sa.select(Import.id).where(Import.account_id == account_id)


def forget_contacts(scope, contact_ids):
    """Remove every trace of the account's contacts ``contact_ids`` from the plugin's tables.

    Deletes their memberships (keeping each segment's ``member_count`` right), clears the
    ``contact_id`` of the import rows that named them and, when the plugin owns the contact
    table, deletes the contacts; the host's own contact rows are left to the host. Works in
    the caller's transaction and does not commit: the ``segments_members_removed`` events
    are delivered when the caller commits. Only the scope's account is touched: an id that is
    another account's contact, or nobody's, changes nothing (forgetting twice is harmless).
    Requires the ``forget`` permission. Returns a :class:`ForgetResult`.
    """
    scope.require("forget")
    ids, _out_of_range = parse_ids(contact_ids, "contact")  # out of range: nobody's id
    if not ids:
        return ForgetResult(0, 0, 0, ())
    session = scope.session
    lock_account_writes(session, scope.account_id)
    lock_account_segments(scope)
    left, cleared, deleted = defaultdict(list), 0, 0
    for matching in _id_matchers(session, ids):
        for segment_id, members in delete_memberships(scope, matching(_memberships.c.contact_id)).items():
            left[segment_id].extend(members)
        # The memberships of the account's deleted segments, and the contacts' history.
        session.execute(sa.delete(_memberships).where(
            _memberships.c.segment_id.in_(
                sa.select(_deleted_segments.c.id).where(_deleted_segments.c.account_id == scope.account_id)),
            matching(_memberships.c.contact_id)))
        for table in (MembershipRemoval.__table__, UndoConflict.__table__):
            session.execute(sa.delete(table).where(
                matching(table.c.contact_id),
                table.c.change_id.in_(recording.account_change_ids(scope.account_id))))
        cleared += session.execute(
            sa.update(_import_rows)
            .where(_import_rows.c.import_id.in_(account_import_ids(scope.account_id)),
                   matching(_import_rows.c.contact_id))
            .values(contact_id=None, changes=None)
        ).rowcount
        if owns_contact_table(scope):
            deleted += session.execute(
                sa.delete(_own_contacts)
                .where(_own_contacts.c.account_id == scope.account_id, matching(_own_contacts.c.id))
            ).rowcount
    changes = settle_removed(scope, left)
    return ForgetResult(
        contacts_deleted=deleted,
        memberships_removed=sum(change.removed for change in changes),
        import_rows_cleared=cleared,
        segments=changes,
    )
