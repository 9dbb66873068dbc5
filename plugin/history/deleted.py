"""Deleted segments: the "Recently deleted" list, restoring one, and the retention purge.

Deleting a segment (:func:`contact_segments.segments.delete`) moves its row to
:class:`~.models.DeletedSegment` and leaves its memberships where they are: nothing reads them
(every reader goes through the account's segments), so at once no contact is in it. For
``SEGMENTS_DELETED_SEGMENT_DAYS`` days :func:`restore` puts it back with its name and exact
memberships (contacts forgotten since are gone from them and are counted as skipped);
:func:`purge` then deletes it for good, with the history and before-images past their own
windows.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from .. import segments
from ..errors import NotFound
from ..hooks.events import SegmentCreated
from ..imports.models import Import, ImportRow
from ..models import Membership, Segment, as_utc, utcnow
from ..names import segment_name_key
from . import recording
from .models import (
    SEGMENT_RESTORED, Change, ChangeSegment, DeletedSegment, MembershipRemoval, UndoConflict,
)

#: Memberships deleted per statement by the purge.
PURGE_CHUNK = 50_000


@dataclass(frozen=True)
class DeletedSummary:
    """A deleted segment as the "Recently deleted" list shows it."""

    id: int
    name: str
    member_count: int
    deleted_at: datetime
    restorable_until: datetime
    deleted_by: str

    def to_dict(self):
        """The entry as the API and ``--json`` give it."""
        return {"id": self.id, "name": self.name, "member_count": self.member_count,
                "deleted_at": self.deleted_at.isoformat(), "restorable_until": self.restorable_until.isoformat(),
                "deleted_by": self.deleted_by}


@dataclass(frozen=True)
class RestoreResult:
    """A restored segment: its new row, how many members it has again, and how many of its
    members were skipped (their contacts were forgotten since it was deleted)."""

    segment: Segment
    restored: int
    skipped: int

    def to_dict(self):
        """The result as the API and ``--json`` give it."""
        return {"id": self.segment.id, "name": self.segment.name, "member_count": self.restored,
                "skipped": self.skipped}


def _window(config):
    return timedelta(days=float(config["SEGMENTS_DELETED_SEGMENT_DAYS"]))


def list_deleted(scope):
    """The account's segments deleted within ``SEGMENTS_DELETED_SEGMENT_DAYS`` days, newest
    first (:class:`DeletedSummary`)."""
    scope.require("view")
    window = _window(scope.state.config)
    rows = scope.session.execute(
        sa.select(DeletedSegment, Change.actor_name)
        .outerjoin(Change, Change.id == DeletedSegment.change_id)
        .where(DeletedSegment.account_id == scope.account_id, DeletedSegment.deleted_at >= utcnow() - window)
        .order_by(DeletedSegment.deleted_at.desc(), DeletedSegment.id.desc())
    ).all()
    return [DeletedSummary(id=row.id, name=row.name, member_count=row.member_count,
                           deleted_at=as_utc(row.deleted_at), restorable_until=as_utc(row.deleted_at) + window,
                           deleted_by=actor_name or "")
            for row, actor_name in rows]


def find_deleted(scope, name_or_id):
    """The account's restorable deleted segment named ``name_or_id`` (its id, or its name: the
    newest of that name), or raise :class:`NotFound`."""
    window = _window(scope.state.config)
    query = sa.select(DeletedSegment).where(
        DeletedSegment.account_id == scope.account_id, DeletedSegment.deleted_at >= utcnow() - window)
    text = str(name_or_id).strip()
    found = None
    if text.isdigit():
        found = scope.session.execute(query.where(DeletedSegment.id == int(text))).scalar_one_or_none()
    if found is None:
        key = segment_name_key(text)
        found = next((segment for segment in scope.session.execute(
            query.order_by(DeletedSegment.deleted_at.desc())).scalars()
            if segment_name_key(segment.name) == key), None)
    if found is None:
        days = scope.state.config["SEGMENTS_DELETED_SEGMENT_DAYS"]
        raise NotFound(f'No deleted segment "{text}" can be restored in this account: it was never deleted, '
                       f"was restored already, or was deleted more than {days} days ago.",
                       code="deleted_segment_not_found", params={"name": text, "days": days})
    return found


def restore(scope, name_or_id, new_name=None):
    """Restore the account's deleted segment ``name_or_id`` with its memberships, named
    ``new_name`` (default: its own name); return a :class:`RestoreResult`.

    A name now taken (or looking like one) raises :class:`~contact_segments.errors.Conflict`
    naming the segment that has it: restore it under another name.
    """
    scope.require("restore")
    name = segments.validate_name(new_name) if new_name else None
    session = scope.session
    with scope.transaction():
        deleted = find_deleted(scope, name_or_id)
        deleted = session.execute(
            sa.select(DeletedSegment).where(DeletedSegment.id == deleted.id).with_for_update()
        ).scalar_one_or_none()
        if deleted is None:  # restored meanwhile by somebody else
            days = scope.state.config["SEGMENTS_DELETED_SEGMENT_DAYS"]
            raise NotFound(f"The segment {name_or_id} was restored meanwhile.", code="deleted_segment_not_found",
                           params={"name": str(name_or_id), "days": days})
        name = name or deleted.name
        segment = segments.restore_row(scope, deleted, name)
        restored = session.execute(
            sa.select(sa.func.count()).where(Membership.segment_id == deleted.id)).scalar_one()
        skipped = max(0, deleted.member_count - restored)
        segment.member_count = restored
        change = recording.begin(scope, SEGMENT_RESTORED, params={
            "count": restored, "skipped": skipped, "deleted_name": deleted.name})
        recording.count_segment(session, change.id, scope.account_id, segment.id, name, added=restored)
        session.delete(deleted)
        scope.announce("segments_segment_created", SegmentCreated(
            account_id=scope.account_id, segment_id=segment.id, name=segment.name,
            member_count=restored, actor_user_id=scope.actor.user_id,
        ))
    return RestoreResult(segment=segment, restored=restored, skipped=skipped)


@dataclass
class PurgeResult:
    """What :func:`purge` deleted."""

    segments: int = 0
    memberships: int = 0
    changes: int = 0
    removals: int = 0
    before_images: int = 0

    def to_dict(self):
        """The result as ``--json`` gives it."""
        return dict(self.__dict__)


def purge(session, config, *, now=None):
    """Apply the retention windows to every account (each step commits on its own): deleted
    segments older than ``SEGMENTS_DELETED_SEGMENT_DAYS`` and their memberships; the contact
    field values imports changed, older than ``SEGMENTS_UNDO_DAYS`` (those imports can no longer
    be undone); history older than ``SEGMENTS_HISTORY_DAYS`` (but never what an undo still
    needs). Returns a :class:`PurgeResult`."""
    now = now or utcnow()
    result = PurgeResult()
    segments_before = now - timedelta(days=float(config["SEGMENTS_DELETED_SEGMENT_DAYS"]))
    for segment_id in session.execute(sa.select(DeletedSegment.id).where(
            DeletedSegment.deleted_at < segments_before).order_by(DeletedSegment.id)).scalars().all():
        while True:
            # A range of the primary key (segment, contact) at a time: the contact id that ends
            # the next PURGE_CHUNK memberships, read from the index.
            last = session.execute(
                sa.select(Membership.contact_id).where(Membership.segment_id == segment_id)
                .order_by(Membership.contact_id).offset(PURGE_CHUNK - 1).limit(1)).scalar_one_or_none()
            chunk = [Membership.segment_id == segment_id]
            if last is not None:
                chunk.append(Membership.contact_id <= last)
            result.memberships += session.execute(sa.delete(Membership).where(*chunk)).rowcount
            session.commit()
            if last is None:
                break
        session.execute(sa.delete(DeletedSegment).where(DeletedSegment.id == segment_id))
        session.commit()
        result.segments += 1
    undo_before = now - timedelta(days=float(config["SEGMENTS_UNDO_DAYS"]))
    old_imports = sa.select(Import.id).where(Import.created_at < undo_before)
    result.before_images = session.execute(
        sa.update(ImportRow).where(ImportRow.import_id.in_(old_imports), ImportRow.changes.is_not(None))
        .values(changes=None).execution_options(synchronize_session=False)).rowcount
    session.commit()
    history_before = min(now - timedelta(days=float(config["SEGMENTS_HISTORY_DAYS"])), undo_before)
    old_changes = sa.select(Change.id).where(Change.created_at < history_before)
    result.removals = session.execute(sa.delete(MembershipRemoval).where(
        MembershipRemoval.change_id.in_(old_changes))).rowcount
    for table in (ChangeSegment, UndoConflict):
        session.execute(sa.delete(table).where(table.change_id.in_(old_changes)))
    result.changes = session.execute(sa.delete(Change).where(Change.created_at < history_before)).rowcount
    session.commit()
    return result
