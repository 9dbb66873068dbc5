"""Undoing an import: what it will do, asking for it, and its status.

:func:`plan` counts what an undo of a finished import would change (the confirmation states it);
:func:`request` checks that the import can be undone now, opens the undo's history change
(status ``queued``) and names it on the import, in one guarded statement, so that of two undos
asked at once one runs and the other is told; the undo then runs as a job
(:mod:`.undo_steps`, through :func:`launch`) like an import: in this process or on RQ.

An import can be undone by a manager or an admin (permission ``undo``) for
``SEGMENTS_UNDO_DAYS`` days after it was made, once, when it finished, was not a dry run, and no
import of the account is running meanwhile.
"""

from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa

from ..errors import Conflict, NotFound
from ..imports.models import CREATED, FINISHED, QUEUED, RUNNING, Import, ImportRow
from ..models import Membership, as_utc, utcnow
from . import recording, undo_jobs, undo_lifecycle
from .models import (
    IMPORT_UNDO, UNDO_FAILED, UNDO_FINISHED, UNDO_QUEUED, UNDO_RUNNING, Change, MembershipRemoval,
    UndoConflict,
)
from .undo_notices import notify_undo_queued

#: Seconds after which a queued or running undo that reported no progress is taken to have lost
#: its worker, and may be run again (it is idempotent): three times the import lease.
def stale_after(config):
    """Seconds without progress after which an undo under way may be started again."""
    return 3 * int(config["SEGMENTS_IMPORT_LEASE_SECONDS"])


@dataclass(frozen=True)
class UndoPlan:
    """What undoing an import will do (the figures the confirmation states)."""

    import_id: int
    filename: str
    memberships_to_remove: int
    memberships_to_restore: int
    contacts_to_restore: int
    contacts_to_delete: int

    def to_dict(self):
        """The plan as the API and ``--json`` give it."""
        return dict(self.__dict__)


def _import_of_account(scope, import_id):
    try:
        import_id = int(import_id)
    except (TypeError, ValueError):
        raise NotFound(f"Import id {import_id!r} is not a number.", code="import_not_found") from None
    imp = scope.session.execute(
        sa.select(Import).where(Import.id == import_id, Import.account_id == scope.account_id)
    ).scalar_one_or_none()
    if imp is None:
        raise NotFound(f"There is no import {import_id} in this account.", code="import_not_found")
    return imp


def undo_of(session, imp):
    """The history change of the undo of ``imp``, or ``None``."""
    return session.get(Change, imp.undo_change_id) if imp.undo_change_id else None


def _is_stale(change, config):
    return as_utc(change.updated_at) < utcnow() - timedelta(seconds=stale_after(config))


def check_undoable(scope, imp):
    """Raise :class:`Conflict` (with its code) saying why ``imp`` cannot be undone now; return the
    undo to run again when an earlier one stopped half-way (failed, or its worker died), else
    ``None``."""
    config = scope.state.config
    if imp.dry_run:
        raise Conflict(f"Import {imp.id} was a dry run: it changed nothing, so there is nothing to undo.",
                       code="undo_dry_run", params={"import_id": imp.id})
    if imp.status != FINISHED:
        raise Conflict(f"Import {imp.id} has not finished (it is {imp.status}): only a finished import "
                       "can be undone.", code="undo_not_finished",
                       params={"import_id": imp.id})
    if imp.change_id is None:
        raise Conflict(f"Import {imp.id} was made before imports kept their history, so it cannot be undone.",
                       code="undo_no_history", params={"import_id": imp.id})
    days = config["SEGMENTS_UNDO_DAYS"]
    if as_utc(imp.finished_at or imp.created_at) < utcnow() - timedelta(days=float(days)):
        raise Conflict(f"Import {imp.id} is more than {days} days old: it can no longer be undone.",
                       code="undo_too_old", params={"import_id": imp.id, "days": days})
    undo = undo_of(scope.session, imp)
    if undo is not None:
        if undo.status == UNDO_FINISHED:
            raise Conflict(f"Import {imp.id} was already undone.", code="undo_done", params={"import_id": imp.id})
        if undo.status == UNDO_FAILED or _is_stale(undo, config):
            return undo
        raise Conflict(f"Import {imp.id} is being undone right now.", code="undo_running",
                       params={"import_id": imp.id})
    busy = scope.session.execute(
        sa.select(Import.id).where(Import.account_id == scope.account_id, Import.status.in_((QUEUED, RUNNING)))
        .order_by(Import.id).limit(1)).scalar_one_or_none()
    if busy is not None:
        raise Conflict(f"Import {busy} of this account is running: undo import {imp.id} once it has ended.",
                       code="undo_account_importing", params={"running_import_id": busy, "import_id": imp.id})
    return None


def plan(scope, import_id):
    """What undoing the account's import ``import_id`` would do (:class:`UndoPlan`); raises
    :class:`Conflict` when it cannot be undone now (see :func:`check_undoable`)."""
    scope.require("undo")
    imp = _import_of_account(scope, import_id)
    check_undoable(scope, imp)
    session = scope.session
    contacts = scope.contacts
    touched = sa.select(ImportRow.contact_id).where(ImportRow.import_id == imp.id, ImportRow.contact_id.is_not(None))
    to_remove = session.execute(sa.select(sa.func.count()).select_from(Membership).where(
        Membership.change_id == imp.change_id, Membership.contact_id.in_(touched))).scalar_one()
    to_restore = session.execute(sa.select(sa.func.count()).select_from(MembershipRemoval).where(
        MembershipRemoval.change_id == imp.change_id)).scalar_one()
    created = sa.select(ImportRow.contact_id).where(
        ImportRow.import_id == imp.id, ImportRow.outcome == CREATED, ImportRow.contact_id.is_not(None))
    to_delete = session.execute(sa.select(sa.func.count()).select_from(contacts.table).where(
        contacts.in_account(scope.account_id), contacts.col("id").in_(created))).scalar_one()
    to_put_back = session.execute(sa.select(sa.func.count(sa.distinct(ImportRow.contact_id))).where(
        ImportRow.import_id == imp.id, ImportRow.changes.is_not(None), ImportRow.contact_id.is_not(None))
    ).scalar_one()
    session.commit()
    return UndoPlan(import_id=imp.id, filename=imp.filename, memberships_to_remove=to_remove,
                    memberships_to_restore=to_restore, contacts_to_restore=to_put_back,
                    contacts_to_delete=to_delete)


def request(scope, import_id):
    """Ask for the undo of the account's import ``import_id``: check it can be undone, open the
    undo's history change (``queued``) and commit; return that :class:`Change`. The caller
    launches it (:func:`launch`). Raises :class:`Conflict` (``undo_done``, ``undo_running``,
    ``undo_too_old``, ``undo_not_finished``, ``undo_dry_run``, ``undo_no_history``,
    ``undo_account_importing``) or :class:`NotFound`."""
    scope.require("undo")
    session = scope.session
    with scope.transaction():
        imp = _import_of_account(scope, import_id)
        change = check_undoable(scope, imp)
        if change is None:
            change = recording.begin(scope, IMPORT_UNDO, import_id=imp.id,
                                     params={"filename": imp.filename, "stage": 0, "cursor": None})
            claimed = session.execute(
                sa.update(Import).where(Import.id == imp.id, Import.undo_change_id.is_(None))
                .values(undo_change_id=change.id).execution_options(synchronize_session=False)).rowcount
            if not claimed:
                raise Conflict(f"Import {imp.id} is being undone right now.", code="undo_running",
                               params={"import_id": imp.id})
        undo_lifecycle.queued(change)
    notify_undo_queued(scope.state, imp, change)
    return change


def launch(state, change_id, *, wait=False):
    """Run the undo ``change_id``: to its end in this process (``wait``), in the app's background
    thread (no Redis), or as an RQ job. Returns the RQ job id, or ``None``."""
    return undo_jobs.launch(state, change_id, wait=wait)


def conflicts(scope, change_id, limit=100):
    """The first ``limit`` conflicts of undo ``change_id`` (dicts: ``line``, ``contact_id``,
    ``item``, ``kept``), by line."""
    rows = scope.session.execute(
        sa.select(UndoConflict).where(UndoConflict.change_id == change_id)
        .order_by(UndoConflict.line, UndoConflict.contact_id, UndoConflict.item).limit(limit)).scalars()
    return [{"line": row.line, "contact_id": row.contact_id, "item": row.item, "kept": row.kept} for row in rows]


def status(scope, import_id):
    """The state of the undo of the account's import ``import_id`` as a dict (``status``
    ``None`` when it was never asked for): ``status``, ``change_id``, ``summary`` (the counts so
    far), ``conflicts`` (the first 100)."""
    imp = _import_of_account(scope, import_id)
    undo = undo_of(scope.session, imp)
    if undo is None:
        return {"import_id": imp.id, "status": None}
    params = undo.params or {}
    return {"import_id": imp.id, "status": undo.status, "change_id": undo.id,
            "summary": params.get("summary", {}), "conflicts": conflicts(scope, undo.id),
            "finished_at": params.get("finished_at")}


__all__ = ["UNDO_FAILED", "UNDO_FINISHED", "UNDO_QUEUED", "UNDO_RUNNING", "UndoPlan", "check_undoable",
           "conflicts", "launch", "plan", "request", "status", "undo_of"]
