"""The tables of history (all prefixed ``segments_``, on the plugin's metadata).

* :class:`Change`: one action of somebody (a segment created, renamed, deleted or restored;
  members added or removed; an import; the undo of an import): who, how, when, and the import it
  belongs to.
* :class:`ChangeSegment`: what one change did to one segment (members added and removed): a
  segment's activity, newest first, without reading membership rows.
* Additions need no table of their own: each membership row names the change that made it
  (``segments_membership.change_id``).
* :class:`MembershipRemoval`: a membership that a change removed, with the change that had
  made it, so that a contact's history shows both, and an undo can put it back as it was.
* :class:`DeletedSegment`: a deleted segment kept for its retention window; its memberships stay
  in ``segments_membership`` under its id (no other table names it) until it is restored or
  purged.
"""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..model_base import Base, BigId, utcnow

#: What a :class:`Change` was.
SEGMENT_CREATED, SEGMENT_RENAMED, SEGMENT_DELETED, SEGMENT_RESTORED = (
    "segment_created", "segment_renamed", "segment_deleted", "segment_restored")
MEMBERS_ADDED, MEMBERS_REMOVED, CONTACTS_FORGOTTEN = "members_added", "members_removed", "contacts_forgotten"
IMPORT, IMPORT_UNDO = "import", "import_undo"
ACTIONS = (SEGMENT_CREATED, SEGMENT_RENAMED, SEGMENT_DELETED, SEGMENT_RESTORED, MEMBERS_ADDED,
           MEMBERS_REMOVED, CONTACTS_FORGOTTEN, IMPORT, IMPORT_UNDO)

#: How a change was asked for.
VIA_PAGE, VIA_API, VIA_CLI, VIA_HOST, VIA_IMPORT = "page", "api", "cli", "host", "import"
CHANNELS = (VIA_PAGE, VIA_API, VIA_CLI, VIA_HOST, VIA_IMPORT)

#: Status of an undo (``Change.status`` of an ``import_undo`` change).
UNDO_QUEUED, UNDO_RUNNING, UNDO_FINISHED, UNDO_FAILED = "queued", "running", "finished", "failed"


class Change(Base):
    """One action on an account's segments: who (``user_id``, ``actor_name``; no user: the
    system), how (``via``), when, which import it is or undoes, and its figures (``params``).

    An undo's change also carries the undo's ``status`` and progress (``params``).
    """

    __tablename__ = "segments_change"
    __table_args__ = (
        sa.Index("ix_segments_change_account", "account_id", "id"),
        sa.Index("ix_segments_change_import", "import_id", "id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    account_id: Mapped[int] = mapped_column(sa.BigInteger, nullable=False)
    action: Mapped[str] = mapped_column(sa.String(24), nullable=False)
    user_id: Mapped[int | None] = mapped_column(sa.BigInteger)
    actor_name: Mapped[str] = mapped_column(sa.String(200), nullable=False, default="")
    via: Mapped[str] = mapped_column(sa.String(16), nullable=False)
    import_id: Mapped[int | None] = mapped_column(sa.BigInteger)
    status: Mapped[str | None] = mapped_column(sa.String(16))
    params: Mapped[dict | None] = mapped_column(sa.JSON)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), nullable=False, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        sa.DateTime(timezone=True), nullable=False, default=utcnow, onupdate=utcnow)


class ChangeSegment(Base):
    """What change ``change_id`` did to segment ``segment_id``: the segment's name then, and how
    many members it gained and lost."""

    __tablename__ = "segments_change_segment"
    __table_args__ = (sa.Index("ix_segments_change_segment_activity", "account_id", "segment_id", "change_id"),)

    change_id: Mapped[int] = mapped_column(sa.BigInteger, primary_key=True, autoincrement=False)
    segment_id: Mapped[int] = mapped_column(sa.BigInteger, primary_key=True, autoincrement=False)
    account_id: Mapped[int] = mapped_column(sa.BigInteger, nullable=False)
    segment_name: Mapped[str] = mapped_column(sa.String(100), nullable=False)
    added: Mapped[int] = mapped_column(sa.BigInteger, nullable=False, default=0)
    removed: Mapped[int] = mapped_column(sa.BigInteger, nullable=False, default=0)


class MembershipRemoval(Base):
    """Contact ``contact_id`` left segment ``segment_id`` by change ``change_id``; it had joined
    by ``added_change_id`` at ``added_at`` (``NULL``: before history was kept)."""

    __tablename__ = "segments_membership_removal"
    __table_args__ = (sa.Index("ix_segments_membership_removal_contact", "contact_id", "change_id"),)

    change_id: Mapped[int] = mapped_column(sa.BigInteger, primary_key=True, autoincrement=False)
    segment_id: Mapped[int] = mapped_column(sa.BigInteger, primary_key=True, autoincrement=False)
    contact_id: Mapped[int] = mapped_column(sa.BigInteger, primary_key=True, autoincrement=False)
    added_change_id: Mapped[int | None] = mapped_column(sa.BigInteger)
    added_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))


class DeletedSegment(Base):
    """A deleted segment, restorable until ``deleted_at`` is older than the retention window.

    ``member_count``: its members when it was deleted (contacts forgotten since are no longer
    among its memberships).
    """

    __tablename__ = "segments_deleted_segment"
    __table_args__ = (sa.Index("ix_segments_deleted_segment_account", "account_id", "deleted_at"),)

    id: Mapped[int] = mapped_column(sa.BigInteger, primary_key=True, autoincrement=False)
    account_id: Mapped[int] = mapped_column(sa.BigInteger, nullable=False)
    name: Mapped[str] = mapped_column(sa.String(100), nullable=False)
    member_count: Mapped[int] = mapped_column(sa.BigInteger, nullable=False, default=0)
    created_by: Mapped[int | None] = mapped_column(sa.BigInteger)
    created_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    deleted_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), nullable=False, default=utcnow)
    change_id: Mapped[int] = mapped_column(sa.BigInteger, nullable=False)


class UndoConflict(Base):
    """Something the undo ``change_id`` left as it found it because somebody changed it after the
    import: ``item`` is ``"segment:<id>"`` or ``"field:<name>"``, ``kept`` the value kept (a
    field's value, or whether the contact is in the segment), ``line`` the import's line."""

    __tablename__ = "segments_undo_conflict"

    change_id: Mapped[int] = mapped_column(sa.BigInteger, primary_key=True, autoincrement=False)
    contact_id: Mapped[int] = mapped_column(sa.BigInteger, primary_key=True, autoincrement=False)
    item: Mapped[str] = mapped_column(sa.String(120), primary_key=True)
    line: Mapped[int | None] = mapped_column(sa.BigInteger)
    kept: Mapped[dict | None] = mapped_column(sa.JSON)
