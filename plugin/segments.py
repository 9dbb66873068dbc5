"""Segment services: create, rename, delete, find, list and search an account's segments.

Every function takes a :class:`~contact_segments.scope.Scope`, checks the actor's permission
first, touches only the scope's account, commits its own transaction and announces its event
after the commit. Invalid requests raise a :class:`~contact_segments.errors.SegmentsError`
before anything is written.
"""

import math
import unicodedata
from dataclasses import dataclass

import sqlalchemy as sa

from .audience import SegmentSummary
from .contact_query import ContactFilter
from .errors import Conflict, InvalidInput, NotFound, Vetoed
from .ids import is_valid_id
from .history import recording
from .history.models import SEGMENT_CREATED, SEGMENT_DELETED, SEGMENT_RENAMED, DeletedSegment
from .membership_rows import insert_members
from .hooks.events import SegmentCreated, SegmentDeleted, SegmentRenamed
from .models import Segment
from .names import (
    KEY_MAX_LENGTH, NAME_MAX_LENGTH, clean_segment_name, confusable_keys, search_key, segment_name_key,
)


@dataclass(frozen=True)
class Page:
    """One page of a listing: ``items``, the ``total`` number of matches, ``page`` (from 1)."""

    items: list
    total: int
    page: int
    per_page: int

    @property
    def pages(self):
        """The number of pages (at least 1)."""
        return max(1, math.ceil(self.total / self.per_page))


def validate_name(name):
    """Return ``name`` cleaned for storage (:func:`~contact_segments.names.clean_segment_name`),
    or raise :class:`InvalidInput` saying what is wrong."""
    if not isinstance(name, str):
        raise InvalidInput("The segment name must be text.", field="name")
    cleaned = clean_segment_name(name)
    if not cleaned:
        raise InvalidInput("Give the segment a name (1 to 100 characters).", code="name_required", field="name")
    if len(cleaned) > NAME_MAX_LENGTH:
        raise InvalidInput(
            f"The segment name has {len(cleaned)} characters; use at most {NAME_MAX_LENGTH}.",
            code="name_too_long", field="name",
        )
    if any(unicodedata.category(ch) in ("Cc", "Zl", "Zp") for ch in cleaned):
        raise InvalidInput("The segment name cannot contain line breaks or tabs.", code="name_invalid", field="name")
    if ";" in cleaned:
        raise InvalidInput(
            "The segment name cannot contain \";\": import files use it to separate segment names.",
            code="name_invalid", field="name",
        )
    if max(len(segment_name_key(cleaned)), len(search_key(cleaned))) > KEY_MAX_LENGTH:
        raise InvalidInput(
            f"The segment name is too long once its special characters are spelled out; use at most "
            f"{NAME_MAX_LENGTH} plain letters.", code="name_too_long", field="name",
        )
    return cleaned


def name_columns(name):
    """Return the columns a segment named ``name`` (already validated) stores: the name and the
    keys derived from it (the uniqueness key, the two look-alike keys no two segments of an
    account share, and the search key). Also for tools that write segments in bulk."""
    skeleton, caseless = confusable_keys(name)
    return {"name": name, "name_key": segment_name_key(name), "skeleton_key": skeleton,
            "caseless_skeleton_key": caseless, "search_key": search_key(name)}


def _name_conflict(name, existing):
    """The :class:`Conflict` of ``name`` with the ``existing`` segment: the same name, or one
    that looks the same. Both messages name the existing segment."""
    params = {"name": name, "existing": existing.name, "existing_id": existing.id}
    if existing.name_key == segment_name_key(name):
        return Conflict(f'A segment named "{existing.name}" already exists. Choose another name.',
                        code="name_taken", field="name", params=params)
    return Conflict(
        f'The name "{name}" looks the same as the name of the segment "{existing.name}" '
        f"(id {existing.id}). Choose a name that looks different.",
        code="name_confusable", field="name", params=params)


def _clashing_segment(scope, name, except_id=None):
    """The account's segment whose name is ``name`` or looks like it (the same name first)."""
    keys = name_columns(name)
    query = sa.select(Segment).where(
        Segment.account_id == scope.account_id,
        sa.or_(*(getattr(Segment, column) == keys[column]
                 for column in ("name_key", "skeleton_key", "caseless_skeleton_key"))),
    )
    if except_id is not None:
        query = query.where(Segment.id != except_id)
    clashes = scope.session.execute(query).scalars().all()
    return min(clashes, key=lambda segment: (segment.name_key != keys["name_key"], segment.id), default=None)


def _ensure_name_free(scope, name, *, except_id=None):
    existing = _clashing_segment(scope, name, except_id)
    if existing is not None:
        raise _name_conflict(name, existing)


def _flush_name(scope, name, *, except_id=None):
    """Flush a new or renamed segment. A look-alike committed meanwhile by another request is
    caught by the unique keys: the conflict then names it (read after the rollback)."""
    try:
        scope.session.flush()
    except sa.exc.IntegrityError:
        scope.session.rollback()
        _ensure_name_free(scope, name, except_id=except_id)
        raise


def get(scope, segment_id):
    """Return the account's segment ``segment_id`` or raise :class:`NotFound`."""
    scope.require("view")
    return _get(scope, segment_id)


def _get(scope, segment_id, *, for_update=False):
    try:
        segment_id = int(segment_id)
    except (TypeError, ValueError):
        raise NotFound(f"Segment id {segment_id!r} is not a number.") from None
    if not is_valid_id(segment_id):
        raise NotFound(f"There is no segment with id {segment_id} in this account.")
    query = sa.select(Segment).where(Segment.id == segment_id, Segment.account_id == scope.account_id)
    if for_update:
        query = query.with_for_update()
    segment = scope.session.execute(query).scalar_one_or_none()
    if segment is None:
        raise NotFound(f"There is no segment with id {segment_id} in this account.")
    return segment


def get_for_update(scope, segment_id):
    """Return the segment, locked against concurrent change until the transaction ends."""
    return _get(scope, segment_id, for_update=True)


def create(scope, name, contact_ids=(), contact_filter=None):
    """Create a segment named ``name``, optionally with initial members.

    Members are the ``contact_ids`` given and/or every contact matching ``contact_filter``.
    The name is stored cleaned (invisible characters removed, spaces collapsed). Raises
    :class:`InvalidInput` for a bad name, :class:`Conflict` for a name already used in the
    account (code ``name_taken``: ignoring case, spaces and Unicode form) or one that looks the
    same as an existing name (code ``name_confusable``: Unicode confusables, UTS #39), naming the
    existing segment; :class:`NotFound` for contact ids that are not the account's. Returns the
    new :class:`Segment`.
    """
    scope.require("create")
    name = validate_name(name)
    session = scope.session
    with scope.transaction():
        _ensure_name_free(scope, name)
        segment = Segment(
            account_id=scope.account_id, **name_columns(name), member_count=0, created_by=scope.actor.user_id,
        )
        session.add(segment)
        _flush_name(scope, name)
        change = recording.begin(scope, SEGMENT_CREATED)
        added = 0
        if contact_ids or contact_filter is not None:
            added = insert_members(scope, segment, change.id, contact_ids, contact_filter)
        else:
            recording.count_segment(session, change.id, scope.account_id, segment.id, segment.name)
        scope.announce("segments_segment_created", SegmentCreated(
            account_id=scope.account_id, segment_id=segment.id, name=segment.name,
            member_count=added, actor_user_id=scope.actor.user_id,
        ))
    return segment


def rename(scope, segment_id, new_name):
    """Rename the account's segment ``segment_id`` to ``new_name``; return the segment.

    Renaming to the same name with other case or spacing is allowed (it only changes how the
    name is shown); a name that is, or looks like, another segment's is refused as in
    :func:`create`.
    """
    scope.require("rename")
    new_name = validate_name(new_name)
    with scope.transaction():
        segment = _get(scope, segment_id, for_update=True)
        _ensure_name_free(scope, new_name, except_id=segment.id)
        old_name = segment.name
        for column, value in name_columns(new_name).items():
            setattr(segment, column, value)
        _flush_name(scope, new_name, except_id=segment.id)
        if old_name != new_name:
            change = recording.begin(scope, SEGMENT_RENAMED, params={"old_name": old_name, "new_name": new_name})
            recording.count_segment(scope.session, change.id, scope.account_id, segment.id, new_name)
            scope.announce("segments_segment_renamed", SegmentRenamed(
                account_id=scope.account_id, segment_id=segment.id, old_name=old_name,
                new_name=new_name, actor_user_id=scope.actor.user_id,
            ))
    return segment


def delete(scope, segment_id):
    """Delete the account's segment ``segment_id``: at once no contact is in it any more.

    Host implementations of ``segments_before_delete`` may veto (:class:`Vetoed`, nothing
    changes). Returns the number of contacts that lost the segment. The segment and its
    memberships are kept apart for ``SEGMENTS_DELETED_SEGMENT_DAYS`` days, during which a
    manager can restore it (:mod:`contact_segments.history.deleted`); its memberships are read
    by nothing else meanwhile.
    """
    scope.require("delete")
    session = scope.session
    with scope.transaction():
        segment = _get(scope, segment_id, for_update=True)
        vetoes = [
            reason for reason in scope.pm.hook.segments_before_delete(
                actor=scope.actor, segment_id=segment.id, name=segment.name,
                member_count=segment.member_count,
            ) if reason
        ]
        if vetoes:
            raise Vetoed(f'The segment "{segment.name}" cannot be deleted: {"; ".join(vetoes)}')
        removed, name = segment.member_count, segment.name
        change = recording.begin(scope, SEGMENT_DELETED, params={"count": removed})
        recording.count_segment(session, change.id, scope.account_id, segment.id, name, removed=removed)
        session.add(DeletedSegment(
            id=segment.id, account_id=scope.account_id, name=name, member_count=removed,
            created_by=segment.created_by, created_at=segment.created_at, change_id=change.id,
        ))
        session.execute(sa.delete(Segment).where(Segment.id == segment.id))
        scope.announce("segments_segment_deleted", SegmentDeleted(
            account_id=scope.account_id, segment_id=segment.id, name=name,
            member_count=removed, actor_user_id=scope.actor.user_id,
        ))
    return removed


def restore_row(scope, deleted, name):
    """Put the row of ``deleted`` (a :class:`~contact_segments.history.models.DeletedSegment`)
    back as a segment named ``name`` (validated), keeping its id, so that its memberships are
    its members again; return it (no commit). Raises :class:`Conflict` when the name is, or looks
    like, another segment's."""
    _ensure_name_free(scope, name)
    segment = Segment(id=deleted.id, account_id=scope.account_id, **name_columns(name), member_count=0,
                      created_by=deleted.created_by, created_at=deleted.created_at)
    scope.session.add(segment)
    _flush_name(scope, name)
    return segment


def list_segments(scope, search="", page=1, per_page=50):
    """Return a :class:`Page` of the account's segments (as ``SegmentSummary``) sorted by name.

    ``search`` matches anywhere in the name, ignoring case and accents.
    """
    scope.require("view")
    page = max(1, int(page))
    per_page = max(1, int(per_page))
    clauses = [Segment.account_id == scope.account_id]
    folded = search_key(search or "")
    if folded:
        escaped = folded.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        clauses.append(Segment.search_key.like(f"%{escaped}%", escape="\\"))
    total = scope.session.execute(sa.select(sa.func.count()).select_from(Segment).where(*clauses)).scalar_one()
    rows = scope.session.execute(
        sa.select(Segment.id, Segment.name, Segment.member_count)
        .where(*clauses)
        .order_by(Segment.search_key, Segment.name_key, Segment.id)
        .limit(per_page).offset((page - 1) * per_page)
    )
    items = [SegmentSummary(id=row.id, name=row.name, member_count=row.member_count) for row in rows]
    return Page(items=items, total=total, page=page, per_page=per_page)


def find_by_names(session, account_id, names):
    """Map each of ``names`` to the account's segment of that name (matching ignoring case,
    spaces and Unicode form); returns ``(found: dict[name, Segment], unknown: list[name])``."""
    keys = {segment_name_key(name): name for name in names}
    found, unknown = {}, []
    if keys:
        rows = session.execute(
            sa.select(Segment).where(Segment.account_id == account_id, Segment.name_key.in_(list(keys)))
        ).scalars()
        by_key = {segment.name_key: segment for segment in rows}
        for key, name in keys.items():
            if key in by_key:
                found[name] = by_key[key]
            else:
                unknown.append(name)
    return found, unknown


def all_segments(session, account_id):
    """Return every segment of the account, sorted by name (for pickers and import matching)."""
    return list(session.execute(
        sa.select(Segment).where(Segment.account_id == account_id).order_by(Segment.search_key, Segment.name_key)
    ).scalars())


__all__ = [
    "ContactFilter", "Page", "all_segments", "create", "delete", "find_by_names", "get",
    "get_for_update", "list_segments", "name_columns", "rename", "validate_name",
]
