"""Recording history inside the transaction of the change itself (no commit here).

Every writer of memberships calls these: :func:`begin` opens a :class:`~.models.Change` for the
actor's action, :func:`count_segment` adds what it did to a segment to the segment's activity,
and :func:`remove_memberships` deletes membership rows while keeping each one as a
:class:`~.models.MembershipRemoval`. Additions are recorded by the membership rows themselves
(their ``change_id``), so adding 100,000 contacts writes no extra row.
"""

import sqlalchemy as sa

from ..imports import bulk
from ..models import Membership
from ..sql import insert_adding_on_conflict
from .models import IMPORT, VIA_IMPORT, Change, ChangeSegment, MembershipRemoval

_removals = MembershipRemoval.__table__


def begin(scope, action, *, import_id=None, params=None, via=None):
    """Open the :class:`Change` of ``scope``'s actor doing ``action`` (flushed: it has its id)."""
    actor = scope.actor
    change = Change(
        account_id=scope.account_id, action=action, user_id=actor.user_id,
        actor_name=(actor.name or "")[:200], via=via or scope.via, import_id=import_id, params=params,
    )
    scope.session.add(change)
    scope.session.flush()
    return change


def begin_import(scope, import_id):
    """Open the change an import's rows will name (its actor is the user who uploaded it)."""
    return begin(scope, IMPORT, import_id=import_id, via=VIA_IMPORT)


def count_segment(session, change_id, account_id, segment_id, segment_name, *, added=0, removed=0):
    """Add ``added`` and ``removed`` members to what change ``change_id`` did to a segment."""
    session.execute(insert_adding_on_conflict(
        session, ChangeSegment.__table__, ("change_id", "segment_id"), ("added", "removed"),
    ).values(change_id=change_id, segment_id=segment_id, account_id=account_id,
             segment_name=segment_name, added=added, removed=removed))


def remove_memberships(session, change_id, where, *, first_removal=False):
    """Delete the membership rows matching ``where`` (clauses on the membership table), keeping
    each as a removal by ``change_id``; return the ``(segment_id, contact_id)`` pairs removed.
    ``first_removal``: the change cannot have removed any of them before (see
    :func:`keep_removals`)."""
    removed = session.execute(
        sa.delete(Membership).where(*where).returning(
            Membership.segment_id, Membership.contact_id, Membership.change_id, Membership.created_at)
    ).all()
    keep_removals(session, change_id, removed, first_removal=first_removal)
    return [(row[0], row[1]) for row in removed]


_REMOVAL_COLUMNS = ["segment_id", "contact_id", "added_change_id", "added_at"]


def keep_removals(session, change_id, removed, *, first_removal=False):
    """Record ``removed`` rows ``(segment_id, contact_id, added_change_id, added_at)`` as removals
    by ``change_id``. A pair removed twice by the same change (an import that removes, adds back
    and removes again) keeps its first record; with ``first_removal`` (the change removes each
    pair once, as an undo does) the rows are written straight in (``COPY`` on PostgreSQL)."""
    if not removed:
        return
    rows = [tuple(row) for row in removed]
    constants = {"change_id": change_id}
    if first_removal:
        bulk.insert_rows(session, _removals, _REMOVAL_COLUMNS, rows, constants)
    else:
        bulk.insert_returning(session, _removals, _REMOVAL_COLUMNS, rows, [_removals.c.change_id], constants)


def account_change_ids(account_id):
    """A SELECT of the ids of the account's changes."""
    return sa.select(Change.id).where(Change.account_id == account_id)
