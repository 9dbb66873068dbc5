"""Membership services: add contacts to a segment, remove them, list a segment's members.

Contacts are named by id or chosen with a :class:`~contact_segments.contact_query.ContactFilter`
("every contact matching this filter", the Gmail-style select-all across pages); both run as
set-based SQL (``INSERT ... SELECT ... ON CONFLICT DO NOTHING``), so adding 100,000 contacts is
one statement, and a contact already in the segment is never added twice.
"""

import sqlalchemy as sa

from . import segments
from .contact_query import (
    ContactFilter, existing_contact_ids, list_contacts, select_contact_ids, where_clauses,
)
from .errors import InvalidInput, NotFound
from .ids import parse_ids
from .hooks.events import MembersAdded, MembersRemoved
from .models import Membership, Segment
from .sql import insert_ignoring_duplicates

CHUNK = 1000


def _checked_ids(scope, contact_ids):
    ids, out_of_range = parse_ids(contact_ids, "contact")
    found = existing_contact_ids(scope.session, scope.contacts, scope.account_id, ids)
    unknown = sorted(out_of_range + [contact_id for contact_id in ids if contact_id not in found])
    if unknown:
        shown = ", ".join(str(contact_id) for contact_id in unknown[:10])
        more = f" and {len(unknown) - 10} more" if len(unknown) > 10 else ""
        raise NotFound(f"No contact with id {shown}{more} in this account.", field="contact_ids")
    return ids


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


def insert_members(scope, segment, contact_ids=(), contact_filter=None):
    """Insert memberships of ``segment`` (no permission check, no commit); return how many were new.

    Used by :func:`add_contacts` and :func:`contact_segments.segments.create`.
    """
    session = scope.session
    added = 0
    if contact_ids:
        ids = _checked_ids(scope, contact_ids)
        insert = insert_ignoring_duplicates(session, Membership.__table__)
        for start in range(0, len(ids), CHUNK):
            values = [{"segment_id": segment.id, "contact_id": cid} for cid in ids[start:start + CHUNK]]
            added += _count(session.execute(insert.values(values).returning(Membership.contact_id)))
    if contact_filter is not None:
        selected = sa.select(sa.literal(segment.id), scope.contacts.col("id")).where(
            *where_clauses(scope.contacts, scope.account_id, contact_filter)
        )
        insert = insert_ignoring_duplicates(session, Membership.__table__).from_select(
            ["segment_id", "contact_id"], selected
        )
        added += _count(session.execute(insert.returning(Membership.contact_id)))
    adjust_member_count(session, segment.id, added)
    return added


def _announce_change(scope, hook_name, event_class, segment, count, contact_ids, contact_filter):
    """Announce that ``count`` members joined or left ``segment`` (nothing when none did).

    The event lists the contact ids when they were named one by one, ``None`` when a filter
    chose them.
    """
    if not count:
        return
    named = None
    if contact_ids and contact_filter is None:
        named = tuple(sorted({int(contact_id) for contact_id in contact_ids}))
    scope.announce(hook_name, event_class(
        account_id=scope.account_id, segment_id=segment.id, segment_name=segment.name,
        count=count, actor_user_id=scope.actor.user_id, contact_ids=named,
    ))


def _require_selection(contact_ids, contact_filter):
    if not contact_ids and contact_filter is None:
        raise InvalidInput("Choose the contacts: give contact ids or a filter.", field="contact_ids")


def add_contacts(scope, segment_id, contact_ids=(), contact_filter=None):
    """Add contacts to the account's segment ``segment_id``; return how many joined it.

    Contacts already in the segment are skipped (not counted). Unknown or foreign contact ids
    raise :class:`NotFound` and nothing is added.
    """
    scope.require("assign")
    _require_selection(contact_ids, contact_filter)
    with scope.transaction():
        segment = segments.get_for_update(scope, segment_id)
        added = insert_members(scope, segment, contact_ids, contact_filter)
        _announce_change(scope, "segments_members_added", MembersAdded, segment, added,
                         contact_ids, contact_filter)
    return added


def remove_contacts(scope, segment_id, contact_ids=(), contact_filter=None):
    """Remove contacts from the account's segment ``segment_id``; return how many left it."""
    scope.require("assign")
    _require_selection(contact_ids, contact_filter)
    session = scope.session
    with scope.transaction():
        segment = segments.get_for_update(scope, segment_id)
        removed = 0
        if contact_ids:
            ids = _checked_ids(scope, contact_ids)
            for start in range(0, len(ids), CHUNK):
                removed += session.execute(sa.delete(Membership).where(
                    Membership.segment_id == segment.id,
                    Membership.contact_id.in_(ids[start:start + CHUNK]),
                )).rowcount
        if contact_filter is not None:
            selected = select_contact_ids(scope.contacts, scope.account_id, contact_filter)
            removed += session.execute(sa.delete(Membership).where(
                Membership.segment_id == segment.id, Membership.contact_id.in_(selected)
            )).rowcount
        adjust_member_count(session, segment.id, -removed)
        _announce_change(scope, "segments_members_removed", MembersRemoved, segment, removed,
                         contact_ids, contact_filter)
    return removed


def list_members(scope, segment_id, *, after_id=None, limit=50, search=""):
    """Return one keyset page of the segment's members (dicts of contact fields, by id)."""
    scope.require("view")
    segment = segments.get(scope, segment_id)
    return list_contacts(
        scope.session, scope.contacts, scope.account_id,
        ContactFilter(search=search, segment_ids=(segment.id,)), after_id=after_id, limit=limit,
    )
