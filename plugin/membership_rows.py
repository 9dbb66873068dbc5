"""Writing membership rows: the set-based statements that add or remove a segment's members,
named by id or chosen by a :class:`~contact_segments.contact_query.ContactFilter`, and keeping the
segment's stored ``member_count`` right in the same transaction.

Each added row names the history change that made it, and each removed row is kept as a removal
by the change (:mod:`.history.recording`). No permission check, no event, no commit: the
membership and segment services (:mod:`.memberships`, :mod:`.segments`) and the import engine
call these inside their own transactions.
"""

import sqlalchemy as sa

from .contact_query import existing_contact_ids, missing_segments, select_contact_ids, where_clauses
from .errors import NotFound
from .history.recording import count_segment, remove_memberships
from .ids import parse_ids
from .models import Membership, Segment
from .sql import insert_ignoring_duplicates

CHUNK = 1000


def _checked_ids(scope, contact_ids):
    """The account's contact ids among ``contact_ids``; raise :class:`NotFound` naming the others."""
    ids, out_of_range = parse_ids(contact_ids, "contact")
    found = existing_contact_ids(scope.session, scope.contacts, scope.account_id, ids)
    unknown = sorted(out_of_range + [contact_id for contact_id in ids if contact_id not in found])
    if unknown:
        shown = ", ".join(str(contact_id) for contact_id in unknown[:10])
        more = f" and {len(unknown) - 10} more" if len(unknown) > 10 else ""
        raise NotFound(f"No contact with id {shown}{more} in this account.", field="contact_ids")
    return ids


def _check_filter(scope, contact_filter):
    """Raise :class:`NotFound` when ``contact_filter`` names a segment that is not the account's
    (deleted meanwhile, for example)."""
    missing = missing_segments(scope.session, scope.account_id, contact_filter)
    if missing:
        raise NotFound(f"There is no segment with id {missing[0]} in this account: it may have just been "
                       "deleted. Choose the contacts again.", field="contact_filter")


def _count(result):
    """Count the rows an INSERT ... RETURNING produced (rowcount is unreliable with ON CONFLICT)."""
    return sum(len(chunk) for chunk in result.scalars().partitions(10_000))


def adjust_member_count(session, segment_id, delta):
    """Add ``delta`` to the stored member count of segment ``segment_id`` (same transaction)."""
    if delta:
        session.execute(
            sa.update(Segment).where(Segment.id == segment_id)
            .values(member_count=Segment.member_count + delta)
            .execution_options(synchronize_session=False)
        )


def insert_members(scope, segment, change_id, contact_ids=(), contact_filter=None):
    """Insert memberships of ``segment`` made by history change ``change_id`` (no permission
    check, no commit); return how many were new.

    Used by :func:`contact_segments.memberships.add_contacts` and
    :func:`contact_segments.segments.create`.
    """
    session = scope.session
    added = 0
    if contact_ids:
        ids = _checked_ids(scope, contact_ids)
        insert = insert_ignoring_duplicates(session, Membership.__table__)
        for start in range(0, len(ids), CHUNK):
            values = [{"segment_id": segment.id, "contact_id": cid, "change_id": change_id}
                      for cid in ids[start:start + CHUNK]]
            added += _count(session.execute(insert.values(values).returning(Membership.contact_id)))
    if contact_filter is not None:
        _check_filter(scope, contact_filter)
        selected = sa.select(sa.literal(segment.id), scope.contacts.col("id"), sa.literal(change_id)).where(
            *where_clauses(scope.contacts, scope.account_id, contact_filter)
        )
        insert = insert_ignoring_duplicates(session, Membership.__table__).from_select(
            ["segment_id", "contact_id", "change_id"], selected
        )
        added += _count(session.execute(insert.returning(Membership.contact_id)))
    adjust_member_count(session, segment.id, added)
    count_segment(session, change_id, scope.account_id, segment.id, segment.name, added=added)
    return added


def delete_members(scope, segment, change_id, contact_ids=(), contact_filter=None):
    """Delete memberships of ``segment`` by history change ``change_id`` (no permission check,
    no commit); return how many there were.

    Used by :func:`contact_segments.memberships.remove_contacts`.
    """
    session = scope.session
    removed = 0
    if contact_ids:
        ids = _checked_ids(scope, contact_ids)
        for start in range(0, len(ids), CHUNK):
            removed += len(remove_memberships(session, change_id, (
                Membership.segment_id == segment.id, Membership.contact_id.in_(ids[start:start + CHUNK]))))
    if contact_filter is not None:
        _check_filter(scope, contact_filter)
        selected = select_contact_ids(scope.contacts, scope.account_id, contact_filter)
        removed += len(remove_memberships(session, change_id, (
            Membership.segment_id == segment.id, Membership.contact_id.in_(selected))))
    adjust_member_count(session, segment.id, -removed)
    count_segment(session, change_id, scope.account_id, segment.id, segment.name, removed=removed)
    return removed
