"""Reading history: a contact's history and a segment's activity, newest first.

A contact's history is read from three places, each through an index on the contact: its
memberships (each names the change that made it), the removals of its memberships (each names
the change that removed it and the one that had made it), and its memberships of deleted
segments (the deletion is an entry). A segment's activity is one row per change that touched
it (:class:`~.models.ChangeSegment`). Both read a handful of index ranges, whatever the size of
the account's history.
"""

from dataclasses import asdict, dataclass
from datetime import datetime

import sqlalchemy as sa

from ..contact_query import existing_contact_ids
from ..errors import NotFound
from ..ids import parse_ids
from ..imports.models import Import
from ..models import Membership, Segment
from .models import Change, ChangeSegment, DeletedSegment, MembershipRemoval

ADDED, REMOVED, SEGMENT_GONE = "added", "removed", "segment_deleted"
#: Most entries one call returns.
MAX_LIMIT = 500


@dataclass(frozen=True)
class Actor:
    """Who made a change and how: ``user_id`` (``None``: the system), ``name``, ``via``."""

    user_id: int | None
    name: str
    via: str


@dataclass(frozen=True)
class ContactEntry:
    """One line of a contact's history: the contact was ``added`` to or ``removed`` from a
    segment, or the segment it was in was deleted (``segment_deleted``)."""

    at: datetime | None
    event: str
    segment_id: int
    segment_name: str
    segment_state: str  # "live", "deleted" or "gone" (purged)
    change_id: int | None
    change_action: str | None
    actor: Actor | None
    import_id: int | None
    import_filename: str | None

    def to_dict(self):
        """The entry as the API and ``--json`` give it."""
        data = asdict(self)
        data["at"] = self.at.isoformat() if self.at else None
        return data


@dataclass(frozen=True)
class ActivityEntry:
    """One change to a segment: its action, the members it ``added`` and ``removed``, the name the
    segment had then, who did it, how and when."""

    change_id: int
    at: datetime
    action: str
    added: int
    removed: int
    segment_name: str
    actor: Actor
    import_id: int | None
    import_filename: str | None
    params: dict | None

    def to_dict(self):
        """The entry as the API and ``--json`` give it."""
        data = asdict(self)
        data["at"] = self.at.isoformat()
        return data


def _limit(limit):
    return max(1, min(int(limit), MAX_LIMIT))


def _changes(session, change_ids):
    """``{change id: (Change, import filename)}`` of ``change_ids``."""
    wanted = sorted({change_id for change_id in change_ids if change_id is not None})
    if not wanted:
        return {}
    rows = session.execute(
        sa.select(Change, Import.filename).outerjoin(Import, Import.id == Change.import_id)
        .where(Change.id.in_(wanted))
    ).all()
    return {change.id: (change, filename) for change, filename in rows}


def _actor(change):
    return Actor(user_id=change.user_id, name=change.actor_name or "", via=change.via)


def _check_contact(scope, contact_id):
    ids, out_of_range = parse_ids([contact_id], "contact")
    if out_of_range or not existing_contact_ids(scope.session, scope.contacts, scope.account_id, ids):
        raise NotFound(f"There is no contact with id {contact_id} in this account.", field="contact_id")
    return ids[0]


def contact_history(scope, contact_id, *, limit=50):
    """The newest ``limit`` entries (:class:`ContactEntry`) of the account's contact
    ``contact_id``: each segment it joined or left, who did it, how, when and with which import.
    Raises :class:`NotFound` for a contact that is not the account's."""
    scope.require("view")
    contact_id = _check_contact(scope, contact_id)
    limit = _limit(limit)
    session = scope.session
    # (at, event, segment_id, change_id)
    raw = []
    member_of = set()
    for segment_id, change_id, created_at in session.execute(
            sa.select(Membership.segment_id, Membership.change_id, Membership.created_at)
            .where(Membership.contact_id == contact_id)):
        raw.append((created_at, ADDED, segment_id, change_id))
        member_of.add(segment_id)
    for segment_id, change_id, added_change_id, added_at in session.execute(
            sa.select(MembershipRemoval.segment_id, MembershipRemoval.change_id,
                      MembershipRemoval.added_change_id, MembershipRemoval.added_at)
            .where(MembershipRemoval.contact_id == contact_id)
            .order_by(MembershipRemoval.change_id.desc()).limit(limit)):
        raw.append((None, REMOVED, segment_id, change_id))
        if added_at is not None or added_change_id is not None:
            raw.append((added_at, ADDED, segment_id, added_change_id))
    segment_ids = sorted({entry[2] for entry in raw})
    live, deleted = _segment_names(session, scope.account_id, segment_ids)
    for segment_id, (name, change_id) in deleted.items():
        if segment_id in member_of:  # it was in the segment when the segment was deleted
            raw.append((None, SEGMENT_GONE, segment_id, change_id))
    changes = _changes(session, [entry[3] for entry in raw])
    known_names = _names_at_changes(session, raw)
    entries = []
    for at, event, segment_id, change_id in raw:
        if segment_id not in live and segment_id not in deleted and event == ADDED and change_id is None:
            continue
        change, filename = changes.get(change_id, (None, None))
        if change is not None and change.account_id != scope.account_id:
            continue
        if at is None:
            at = change.created_at if change is not None else None
        state = "live" if segment_id in live else "deleted" if segment_id in deleted else "gone"
        name = live.get(segment_id) or deleted.get(segment_id, (None,))[0] or known_names.get(segment_id, "")
        entries.append(ContactEntry(
            at=at, event=event, segment_id=segment_id, segment_name=name, segment_state=state,
            change_id=change_id, change_action=change.action if change else None,
            actor=_actor(change) if change else None, import_id=change.import_id if change else None,
            import_filename=filename,
        ))
    # Changes are numbered in the order they were made; within one (an import that moves a
    # contact, an undo), its removals came first.
    order = {SEGMENT_GONE: 2, ADDED: 1, REMOVED: 0}
    entries.sort(key=lambda entry: (entry.change_id or 0, order[entry.event], _timestamp(entry.at)), reverse=True)
    return entries[:limit]


def _timestamp(at):
    return at.timestamp() if at is not None else float("-inf")


def _segment_names(session, account_id, segment_ids):
    """``({id: name} of the account's live segments, {id: (name, deleting change id)} of its
    deleted ones)`` among ``segment_ids``."""
    if not segment_ids:
        return {}, {}
    live = dict(session.execute(sa.select(Segment.id, Segment.name).where(
        Segment.account_id == account_id, Segment.id.in_(segment_ids))).all())
    deleted = {row.id: (row.name, row.change_id) for row in session.execute(
        sa.select(DeletedSegment.id, DeletedSegment.name, DeletedSegment.change_id).where(
            DeletedSegment.account_id == account_id, DeletedSegment.id.in_(segment_ids)))}
    return live, deleted


def _names_at_changes(session, raw):
    """The names segments had at the changes of ``raw`` (for segments purged since)."""
    pairs = {(entry[3], entry[2]) for entry in raw if entry[3] is not None}
    if not pairs:
        return {}
    names = {}
    for change_id, segment_id, name in session.execute(
            sa.select(ChangeSegment.change_id, ChangeSegment.segment_id, ChangeSegment.segment_name)
            .where(ChangeSegment.change_id.in_(sorted({pair[0] for pair in pairs})))):
        if (change_id, segment_id) in pairs:
            names.setdefault(segment_id, name)
    return names


def _check_segment(scope, segment_id):
    """The account's segment ``segment_id``, live or deleted (kept for restoring); its id."""
    ids, out_of_range = parse_ids([segment_id], "segment")
    found = None
    if not out_of_range:
        found = scope.session.execute(
            sa.select(Segment.id).where(Segment.account_id == scope.account_id, Segment.id == ids[0])
            .union_all(sa.select(DeletedSegment.id).where(DeletedSegment.account_id == scope.account_id,
                                                          DeletedSegment.id == ids[0]))
        ).first()
    if found is None:
        raise NotFound(f"There is no segment with id {segment_id} in this account.", field="segment_id")
    return ids[0]


def segment_activity(scope, segment_id, *, before_change_id=None, limit=20):
    """One page of the activity (:class:`ActivityEntry`) of the account's segment ``segment_id``
    (live, or deleted and not purged yet), newest first: the changes older than
    ``before_change_id`` (``None``: the newest). Raises :class:`NotFound`."""
    scope.require("view")
    segment_id = _check_segment(scope, segment_id)
    query = (
        sa.select(ChangeSegment, Change, Import.filename)
        .join(Change, Change.id == ChangeSegment.change_id)
        .outerjoin(Import, Import.id == Change.import_id)
        .where(ChangeSegment.account_id == scope.account_id, ChangeSegment.segment_id == segment_id)
        .order_by(ChangeSegment.change_id.desc()).limit(_limit(limit))
    )
    if before_change_id is not None:
        query = query.where(ChangeSegment.change_id < int(before_change_id))
    return [
        ActivityEntry(change_id=change.id, at=change.created_at, action=change.action, added=counts.added,
                      removed=counts.removed, segment_name=counts.segment_name, actor=_actor(change),
                      import_id=change.import_id, import_filename=filename, params=change.params)
        for counts, change, filename in scope.session.execute(query).all()
    ]
