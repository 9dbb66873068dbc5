"""The change events the plugin announces to host code, after the transaction has committed.

Each event is a small frozen dataclass; hosts receive them through the ``segments_*`` event hooks
in :mod:`contact_segments.hooks.specs`.
"""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class SegmentCreated:
    """A segment was created (with ``member_count`` initial members)."""

    account_id: int
    segment_id: int
    name: str
    member_count: int
    actor_user_id: int | None


@dataclass(frozen=True)
class SegmentRenamed:
    """A segment's name changed from ``old_name`` to ``new_name``."""

    account_id: int
    segment_id: int
    old_name: str
    new_name: str
    actor_user_id: int | None


@dataclass(frozen=True)
class SegmentDeleted:
    """A segment was deleted; ``member_count`` contacts lost it."""

    account_id: int
    segment_id: int
    name: str
    member_count: int
    actor_user_id: int | None


@dataclass(frozen=True)
class MembersChanged:
    """Base of :class:`MembersAdded` and :class:`MembersRemoved`: ``count`` contacts changed in a
    segment; ``contact_ids`` lists them when the caller named them one by one (``None`` when a
    filter selected them, to keep events small)."""

    account_id: int
    segment_id: int
    segment_name: str
    count: int
    actor_user_id: int | None
    contact_ids: tuple | None = None


@dataclass(frozen=True)
class MembersAdded(MembersChanged):
    """``count`` contacts joined a segment."""


@dataclass(frozen=True)
class MembersRemoved(MembersChanged):
    """``count`` contacts left a segment."""


@dataclass(frozen=True)
class ImportFinished:
    """A bulk import ended (``status`` is ``"finished"``, ``"failed"`` or ``"refused"``) with these
    counts (see ``contact_segments.imports.models.COUNTERS``)."""

    account_id: int
    import_id: int
    status: str
    dry_run: bool
    counts: dict = field(default_factory=dict)
    actor_user_id: int | None = None


@dataclass(frozen=True)
class Notice:
    """A notification for one user of an account (``level``: info, success, error).

    ``kind`` says what it is about (``import_queued``, ``import_finished``, ``import_undo_queued``, ``import_undone``), ``import_id`` which
    import, and ``params`` the values its sentence speaks of (the file name, the counts, the
    reason an import stopped); ``message`` is that sentence in English. A host that words
    notifications in its users' languages renders ``kind`` and ``params`` with
    :func:`contact_segments.messages.render`. A notice built with ``params=None`` is shown as its
    ``message``. ``link`` is the path of the import's per-row report in the JSON API, when it
    has one.

    ``user_id`` is ``None`` when no user started what it is about (an import run from the CLI):
    the plugin's in-app default then stores nothing; a host hook may still route it.
    """

    account_id: int
    user_id: int | None
    kind: str
    message: str
    level: str = "info"
    link: str | None = None
    import_id: int | None = None
    params: dict | None = None
