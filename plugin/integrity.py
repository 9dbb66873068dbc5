"""Checking, and repairing, what the plugin stores about contacts (``flask segments check``).

A host that deleted customers with SQL of its own (rather than through
:func:`~contact_segments.forget.forget_contacts`) leaves the plugin's tables out of step with its
contact table. :func:`check` finds, in one account or in all of them:

* ``member_counts``: segments whose stored ``member_count`` is not the number of their members
  whose contact exists (the figure the pickers and the API show);
* ``memberships_without_contact``: memberships of contacts that no longer exist in the segment's
  account;
* ``import_rows_without_contact``: import rows (per-row outcomes) naming such contacts;
* ``memberships_without_segment`` (all accounts only: no account owns them): memberships whose
  segment is gone.

With ``repair=True`` each account is repaired in a short transaction of its own, holding the
locks :func:`~contact_segments.forget.forget_contacts` holds: the memberships are deleted (the
``segments_members_removed`` events follow the commit), the member counts set to the true number
and the import rows' ``contact_id`` cleared. The report then lists what was changed.
"""

from dataclasses import dataclass, field

import sqlalchemy as sa

from .actor import Actor
from .forget import (
    account_import_ids, delete_memberships, lock_account_segments, settle_removed,
)
from .imports.locks import lock_account_writes
from .imports.models import Import, ImportRow
from .models import Membership, Segment
from .history.models import DeletedSegment

_memberships = Membership.__table__
_segments = Segment.__table__
_deleted_segments = DeletedSegment.__table__
_import_rows = ImportRow.__table__
_imports = Import.__table__

#: The kinds of problem a report lists, in the order they are shown.
KINDS = ("member_counts", "memberships_without_contact", "memberships_without_segment",
         "import_rows_without_contact")


@dataclass
class IntegrityReport:
    """What :func:`check` found (``repaired=False``) or changed (``repaired=True``).

    Each list holds plain dicts: ``member_counts`` ``{account_id, segment_id, name, stored,
    actual}``; ``memberships_without_contact`` ``{account_id, segment_id, name, count}``;
    ``memberships_without_segment`` ``{segment_id, count}``; ``import_rows_without_contact``
    ``{account_id, import_id, count}``.
    """

    account_id: int | None
    repaired: bool = False
    member_counts: list = field(default_factory=list)
    memberships_without_contact: list = field(default_factory=list)
    memberships_without_segment: list = field(default_factory=list)
    import_rows_without_contact: list = field(default_factory=list)

    @property
    def problems(self):
        """How many entries the report lists (0: everything is consistent)."""
        return sum(len(getattr(self, kind)) for kind in KINDS)

    def to_dict(self):
        """Return the report as ``--json`` prints it."""
        return {"account_id": self.account_id, "repaired": self.repaired, "problems": self.problems,
                **{kind: getattr(self, kind) for kind in KINDS}}


def _contact_exists(contacts, contact_id, account_id):
    """A clause: a contact with id ``contact_id`` exists in account ``account_id`` (columns or values)."""
    return sa.exists().where(contacts.col("id") == contact_id, contacts.col("account_id") == account_id)


def _of_account(table, account_id):
    return [table.c.account_id == account_id] if account_id is not None else []


def _wrong_member_counts(session, contacts, account_id):
    members = (
        sa.select(_memberships.c.segment_id, sa.func.count().label("n"))
        .select_from(_memberships.join(_segments, _segments.c.id == _memberships.c.segment_id))
        .where(_contact_exists(contacts, _memberships.c.contact_id, _segments.c.account_id),
               *_of_account(_segments, account_id))
        .group_by(_memberships.c.segment_id).subquery()
    )
    actual = sa.func.coalesce(members.c.n, 0)
    rows = session.execute(
        sa.select(_segments.c.account_id, _segments.c.id, _segments.c.name, _segments.c.member_count,
                  actual.label("actual"))
        .select_from(_segments.outerjoin(members, members.c.segment_id == _segments.c.id))
        .where(_segments.c.member_count != actual, *_of_account(_segments, account_id))
        .order_by(_segments.c.account_id, _segments.c.id)
    )
    return [{"account_id": row.account_id, "segment_id": row.id, "name": row.name,
             "stored": row.member_count, "actual": row.actual} for row in rows]


def _memberships_without_contact(session, contacts, account_id):
    rows = session.execute(
        sa.select(_segments.c.account_id, _segments.c.id, _segments.c.name, sa.func.count().label("n"))
        .select_from(_memberships.join(_segments, _segments.c.id == _memberships.c.segment_id))
        .where(~_contact_exists(contacts, _memberships.c.contact_id, _segments.c.account_id),
               *_of_account(_segments, account_id))
        .group_by(_segments.c.account_id, _segments.c.id, _segments.c.name)
        .order_by(_segments.c.account_id, _segments.c.id)
    )
    return [{"account_id": row.account_id, "segment_id": row.id, "name": row.name, "count": row.n}
            for row in rows]


def _without_segment():
    """Clauses: the membership's segment is gone (neither a segment nor a deleted segment kept
    for restoring)."""
    return (~sa.exists().where(_segments.c.id == _memberships.c.segment_id),
            ~sa.exists().where(_deleted_segments.c.id == _memberships.c.segment_id))


def _memberships_without_segment(session):
    rows = session.execute(
        sa.select(_memberships.c.segment_id, sa.func.count().label("n"))
        .where(*_without_segment())
        .group_by(_memberships.c.segment_id).order_by(_memberships.c.segment_id)
    )
    return [{"segment_id": row.segment_id, "count": row.n} for row in rows]


def _import_rows_without_contact(session, contacts, account_id):
    rows = session.execute(
        sa.select(_imports.c.account_id, _import_rows.c.import_id, sa.func.count().label("n"))
        .select_from(_import_rows.join(_imports, _imports.c.id == _import_rows.c.import_id))
        .where(_import_rows.c.contact_id.is_not(None),
               ~_contact_exists(contacts, _import_rows.c.contact_id, _imports.c.account_id),
               *_of_account(_imports, account_id))
        .group_by(_imports.c.account_id, _import_rows.c.import_id)
        .order_by(_imports.c.account_id, _import_rows.c.import_id)
    )
    return [{"account_id": row.account_id, "import_id": row.import_id, "count": row.n} for row in rows]


def _find(session, contacts, account_id):
    report = IntegrityReport(account_id=account_id)
    report.member_counts = _wrong_member_counts(session, contacts, account_id)
    report.memberships_without_contact = _memberships_without_contact(session, contacts, account_id)
    if account_id is None:
        report.memberships_without_segment = _memberships_without_segment(session)
    report.import_rows_without_contact = _import_rows_without_contact(session, contacts, account_id)
    return report


def _repair_account(state, session, account_id):
    """Repair one account in its own transaction; return its report of what changed."""
    scope = state.scope(Actor.system(account_id), session, via="cli")
    scope.require("forget")
    contacts = state.contacts
    with scope.transaction():
        lock_account_writes(session, account_id)
        lock_account_segments(scope)
        found = _find(session, contacts, account_id)  # again, under the locks
        settle_removed(scope, delete_memberships(
            scope, ~_contact_exists(contacts, _memberships.c.contact_id, account_id)))
        for entry in found.member_counts:
            session.execute(sa.update(_segments).where(_segments.c.id == entry["segment_id"])
                            .values(member_count=entry["actual"]))
        if found.import_rows_without_contact:
            session.execute(
                sa.update(_import_rows)
                .where(_import_rows.c.import_id.in_(account_import_ids(account_id)),
                       _import_rows.c.contact_id.is_not(None),
                       ~_contact_exists(contacts, _import_rows.c.contact_id, account_id))
                .values(contact_id=None)
            )
    return found


def _repair_segmentless(session):
    """Delete the memberships whose segment is gone (in a transaction of their own)."""
    try:
        found = _memberships_without_segment(session)
        if found:
            session.execute(sa.delete(_memberships).where(
                _memberships.c.segment_id.in_([entry["segment_id"] for entry in found]),
                *_without_segment()))
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return found


def check(state, *, account_id=None, repair=False, session=None):
    """Check the plugin's tables against the contact table; return an :class:`IntegrityReport`.

    ``account_id``: one account (default: all of them). ``repair``: fix what is found, account by
    account (each in a transaction of its own, committed); the report then lists the changes.
    Without ``repair`` nothing is written.
    """
    session = session or state.db.session
    found = _find(session, state.contacts, account_id)
    if not repair or not found.problems:
        return found
    accounts = sorted({entry["account_id"] for kind in KINDS for entry in getattr(found, kind)
                       if "account_id" in entry})
    report = IntegrityReport(account_id=account_id, repaired=True)
    for each in accounts:
        changed = _repair_account(state, session, each)
        for kind in KINDS:
            getattr(report, kind).extend(getattr(changed, kind))
    if account_id is None:
        report.memberships_without_segment = _repair_segmentless(session)
    return report
