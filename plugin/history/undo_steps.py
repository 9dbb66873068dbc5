"""Running the undo of an import: four steps, each in chunks of ``SEGMENTS_IMPORT_BATCH_SIZE``
rows (an import's batch) that commit with the undo's progress (stage, cursor, counts), under the
account's write lock.

1. **Memberships the import added are removed** (those still there: one removed since by
   somebody else stays removed).
2. **Memberships it removed are put back**, unless the contact left or joined that segment again
   by a later change (a conflict: the later change is kept), or the segment or the contact is gone.
3. **Contact fields it changed get their values from before the import**, field by field; a field
   changed since by somebody else keeps its value (a conflict).
4. **Contacts it created are deleted**, unless they were changed since (a later change of their
   segments or fields: a conflict, the contact is kept).

Every step is idempotent: a worker killed mid-chunk loses the chunk's transaction, and the next
run resumes from the stored cursor; running a finished step again changes nothing. Only one
worker runs an undo at a time (the import's driver lock). Each chunk announces the membership
changes it made, like any other change, after it commits.
"""

import logging
from collections import Counter, defaultdict

import sqlalchemy as sa

from ..actor import Actor
from ..contact_query import existing_contact_ids
from ..forget import forget_contacts, owns_contact_table
from ..hooks.events import MembersAdded, MembersRemoved
from ..imports import bulk
from ..imports.locks import driver_lock, lock_account_writes
from ..imports.models import CREATED, Import, ImportRow
from ..membership_rows import adjust_member_count
from ..models import Membership, Segment, utcnow
from ..sql import insert_ignoring_duplicates, one_of
from . import recording, undo_lifecycle
from .models import UNDO_FINISHED, Change, MembershipRemoval, UndoConflict
from .undo_notices import notify_undo_ended

log = logging.getLogger(__name__)

SUMMARY_KEYS = ("memberships_removed", "memberships_restored", "contacts_restored", "contacts_deleted",
                "conflicts")


class _Undo:
    """The undo ``change`` of import ``imp`` in ``scope`` (the system acting for the user who asked)."""

    def __init__(self, state, change, imp):
        self.state = state
        self.change = change
        self.imp = imp
        actor = Actor(account_id=imp.account_id, user_id=change.user_id, role="admin", name=change.actor_name)
        self.scope = state.scope(actor, via=change.via)
        self.session = self.scope.session
        self.done_by = (imp.change_id, change.id)  # the changes that are not "somebody else"
        # Rows (lines, removals or contacts) per chunk, each one transaction.
        self.chunk = int(state.config["SEGMENTS_IMPORT_BATCH_SIZE"])

    # ------------------------------------------------------------------ helpers

    def live_segments(self, segment_ids):
        """``{id: name}`` of the account's segments among ``segment_ids``."""
        if not segment_ids:
            return {}
        return dict(self.session.execute(sa.select(Segment.id, Segment.name).where(
            Segment.account_id == self.imp.account_id, Segment.id.in_(sorted(segment_ids)))).all())

    def conflict(self, contact_id, item, kept, line=None):
        """Record that ``item`` of ``contact_id`` was kept as ``kept`` (somebody changed it later)."""
        if line is None:
            line = self.session.execute(sa.select(sa.func.min(ImportRow.line)).where(
                ImportRow.import_id == self.imp.id, ImportRow.contact_id == contact_id)).scalar_one()
        return len(self.session.execute(insert_ignoring_duplicates(self.session, UndoConflict.__table__).values(
            change_id=self.change.id, contact_id=contact_id, item=item, line=line, kept=kept)
            .returning(UndoConflict.item)).all())

    def settle(self, counts, event_class, hook_name, contact_ids_by_segment):
        """Adjust member counts by ``counts`` ({segment: +n or -n}), add them to the segments'
        activity and announce the change of each segment."""
        names = self.live_segments(set(counts))
        for segment_id, delta in sorted(counts.items()):
            if not delta:
                continue
            adjust_member_count(self.session, segment_id, delta)
            recording.count_segment(self.session, self.change.id, self.imp.account_id, segment_id,
                                    names.get(segment_id, ""), added=max(delta, 0), removed=max(-delta, 0))
            self.scope.announce(hook_name, event_class(
                account_id=self.imp.account_id, segment_id=segment_id, segment_name=names.get(segment_id, ""),
                count=abs(delta), actor_user_id=self.change.user_id,
                contact_ids=tuple(sorted(contact_ids_by_segment[segment_id]))))

    # ------------------------------------------------------------------ step 1

    def remove_added(self, cursor):
        """Remove the memberships the import added, for the contacts of the next lines."""
        rows = self.session.execute(
            sa.select(ImportRow.line, ImportRow.contact_id).where(
                ImportRow.import_id == self.imp.id, ImportRow.line > (cursor or 0), ImportRow.contact_id.is_not(None))
            .order_by(ImportRow.line).limit(self.chunk)).all()
        if not rows:
            return None, {}
        contact_ids = sorted({row.contact_id for row in rows})
        live = sa.select(Segment.id).where(Segment.account_id == self.imp.account_id)
        removed = recording.remove_memberships(self.session, self.change.id, (
            Membership.change_id == self.imp.change_id, one_of(self.session, Membership.contact_id, contact_ids),
            Membership.segment_id.in_(live)), first_removal=True)
        by_segment = defaultdict(list)
        for segment_id, contact_id in removed:
            by_segment[segment_id].append(contact_id)
        self.settle({segment_id: -len(ids) for segment_id, ids in by_segment.items()}, MembersRemoved,
                    "segments_members_removed", by_segment)
        return rows[-1].line, {"memberships_removed": len(removed)}

    # ------------------------------------------------------------------ step 2

    def restore_removed(self, cursor):
        """Put back the next memberships the import removed."""
        query = sa.select(MembershipRemoval.segment_id, MembershipRemoval.contact_id).where(
            MembershipRemoval.change_id == self.imp.change_id)
        if cursor:
            query = query.where(sa.tuple_(MembershipRemoval.segment_id, MembershipRemoval.contact_id)
                                > sa.tuple_(sa.literal(cursor[0]), sa.literal(cursor[1])))
        pairs = [tuple(row) for row in self.session.execute(
            query.order_by(MembershipRemoval.segment_id, MembershipRemoval.contact_id).limit(self.chunk)).all()]
        if not pairs:
            return None, {}
        live = self.live_segments({segment_id for segment_id, _ in pairs})
        contact_ids = sorted({contact_id for _, contact_id in pairs})
        present = existing_contact_ids(self.session, self.scope.contacts, self.imp.account_id, contact_ids)
        later = {tuple(row) for row in self.session.execute(
            sa.select(MembershipRemoval.segment_id, MembershipRemoval.contact_id).where(
                one_of(self.session, MembershipRemoval.contact_id, contact_ids),
                MembershipRemoval.change_id > self.imp.change_id,
                MembershipRemoval.change_id != self.change.id))}
        wanted, conflicts = [], 0
        for segment_id, contact_id in pairs:
            if segment_id not in live or contact_id not in present:
                continue
            if (segment_id, contact_id) in later:
                conflicts += self.conflict(contact_id, f"segment:{segment_id}",
                                           {"segment": live[segment_id], "in_segment": False})
                continue
            wanted.append({"segment_id": segment_id, "contact_id": contact_id, "change_id": self.change.id})
        added = []
        if wanted:
            insert = insert_ignoring_duplicates(self.session, Membership.__table__)
            added = self.session.execute(insert.returning(Membership.segment_id, Membership.contact_id),
                                         wanted).all()
        by_segment = defaultdict(list)
        for segment_id, contact_id in added:
            by_segment[segment_id].append(contact_id)
        self.settle({segment_id: len(ids) for segment_id, ids in by_segment.items()}, MembersAdded,
                    "segments_members_added", by_segment)
        return list(pairs[-1]), {"memberships_restored": len(added), "conflicts": conflicts}

    # ------------------------------------------------------------------ step 3

    def restore_fields(self, cursor):
        """Give the next contacts the import changed their field values from before it."""
        contact_ids = list(self.session.execute(
            sa.select(ImportRow.contact_id).where(
                ImportRow.import_id == self.imp.id, ImportRow.contact_id > (cursor or 0),
                ImportRow.changes.is_not(None))
            .group_by(ImportRow.contact_id).order_by(ImportRow.contact_id).limit(self.chunk)).scalars())
        if not contact_ids:
            return None, {}
        created = set(self.session.execute(sa.select(ImportRow.contact_id).where(
            ImportRow.import_id == self.imp.id, one_of(self.session, ImportRow.contact_id, contact_ids),
            ImportRow.outcome == CREATED)).scalars())
        before, after, first_line = defaultdict(dict), defaultdict(dict), {}
        for contact_id, line, changes in self.session.execute(
                sa.select(ImportRow.contact_id, ImportRow.line, ImportRow.changes).where(
                    ImportRow.import_id == self.imp.id, one_of(self.session, ImportRow.contact_id, contact_ids),
                    ImportRow.changes.is_not(None)).order_by(ImportRow.contact_id, ImportRow.line)):
            first_line.setdefault(contact_id, line)
            for name, (old, new) in changes.items():
                before[contact_id].setdefault(name, old)
                after[contact_id][name] = new
        contacts = self.scope.contacts
        fields = sorted({name for values in after.values() for name in values if contacts.has(name)})
        current = {row[0]: dict(zip(fields, row[1:])) for row in self.session.execute(
            sa.select(contacts.col("id"), *(contacts.col(name) for name in fields)).where(
                contacts.in_account(self.imp.account_id), one_of(self.session, contacts.col("id"), contact_ids)))}
        updates, restored, conflicts = defaultdict(list), 0, 0
        for contact_id, values in current.items():
            if contact_id in created:
                continue
            put_back = {}
            for name, new in after[contact_id].items():
                if name not in values:
                    continue
                old = before[contact_id][name]
                if values[name] == new:
                    put_back[name] = old
                elif values[name] != old:
                    conflicts += self.conflict(contact_id, f"field:{name}", {"field": name, "value": values[name]},
                                               first_line[contact_id])
            if put_back:
                names = tuple(sorted(put_back))
                updates[names].append((contact_id, *(put_back[name] for name in names)))
                restored += 1
        stamp = {contacts.col("updated_at").key: utcnow()} if contacts.has("updated_at") else {}
        for names, rows in updates.items():
            bulk.update_by_key(self.session, contacts.table, contacts.col("id").key,
                               [contacts.col(name).key for name in names], rows, stamp,
                               where=[contacts.in_account(self.imp.account_id)])
        return contact_ids[-1], {"contacts_restored": restored, "conflicts": conflicts}

    # ------------------------------------------------------------------ step 4

    def delete_created(self, cursor):
        """Delete the next contacts the import created, unless they were changed since."""
        rows = self.session.execute(
            sa.select(ImportRow.line, ImportRow.contact_id).where(
                ImportRow.import_id == self.imp.id, ImportRow.line > (cursor or 0),
                ImportRow.outcome == CREATED, ImportRow.contact_id.is_not(None))
            .order_by(ImportRow.line).limit(self.chunk)).all()
        if not rows:
            return None, {}
        line_of = {row.contact_id: row.line for row in rows}
        ids = sorted(existing_contact_ids(self.session, self.scope.contacts, self.imp.account_id, list(line_of)))
        changed = self._changed_since(ids)
        conflicts = 0
        for contact_id in sorted(changed):
            conflicts += self.conflict(contact_id, "contact", {"kept": True, "reason": changed[contact_id]},
                                       line_of[contact_id])
        doomed = [contact_id for contact_id in ids if contact_id not in changed]
        deleted = self._delete_contacts(doomed, line_of)
        return rows[-1].line, {"contacts_deleted": deleted, "conflicts": conflicts + len(doomed) - deleted}

    def _changed_since(self, ids):
        """``{contact id: reason}`` of the contacts among ``ids`` changed since by somebody else:
        their segments (``"segments"``), their fields (``"fields"``), or a later import named
        them (``"later_import"``: a file that has them, even unchanged, means to keep them)."""
        if not ids:
            return {}
        changed = {}
        others = sa.or_(Membership.change_id.is_(None), Membership.change_id.not_in(self.done_by))
        for contact_id in self.session.execute(sa.select(Membership.contact_id).where(
                one_of(self.session, Membership.contact_id, ids), others)).scalars():
            changed[contact_id] = "segments"
        for contact_id in self.session.execute(sa.select(MembershipRemoval.contact_id).where(
                one_of(self.session, MembershipRemoval.contact_id, ids),
                MembershipRemoval.change_id.not_in(self.done_by))).scalars():
            changed[contact_id] = "segments"
        later_imports = sa.select(Import.id).where(
            Import.account_id == self.imp.account_id, Import.id > self.imp.id, Import.dry_run.is_(False))
        for contact_id in self.session.execute(sa.select(ImportRow.contact_id).where(
                ImportRow.import_id.in_(later_imports), one_of(self.session, ImportRow.contact_id, ids))).scalars():
            changed.setdefault(contact_id, "later_import")
        contacts = self.scope.contacts
        if contacts.has("updated_at") and self.imp.finished_at is not None:
            for contact_id in self.session.execute(sa.select(contacts.col("id")).where(
                    one_of(self.session, contacts.col("id"), ids),
                    contacts.col("updated_at") > self.imp.finished_at)).scalars():
                changed.setdefault(contact_id, "fields")
        return changed

    def _delete_contacts(self, ids, line_of):
        """Delete the contacts ``ids`` (and every trace the plugin keeps of them); a contact the
        host's own tables still refer to is kept (a conflict). Returns how many were deleted."""
        if not ids:
            return 0
        forget_contacts(self.scope, ids)
        if owns_contact_table(self.scope):
            return len(ids)
        contacts = self.scope.contacts
        deleted = 0
        for contact_id in ids:
            try:
                with self.session.begin_nested():
                    deleted += self.session.execute(sa.delete(contacts.table).where(
                        contacts.in_account(self.imp.account_id), contacts.col("id") == contact_id)).rowcount
            except sa.exc.IntegrityError:
                self.conflict(contact_id, "contact", {"kept": True, "reason": "in_use"}, line_of[contact_id])
        return deleted

    STEPS = ("remove_added", "restore_removed", "restore_fields", "delete_created")

    # ------------------------------------------------------------------ the run

    def run(self):
        """Run the remaining steps from the stored stage and cursor, then finish."""
        params = dict(self.change.params or {})
        summary = Counter(params.get("summary") or {})
        stage, cursor = int(params.get("stage") or 0), params.get("cursor")
        while stage < len(self.STEPS):
            lock_account_writes(self.session, self.imp.account_id)
            cursor, counts = getattr(self, self.STEPS[stage])(cursor)
            summary.update(counts)
            if cursor is None:
                stage += 1
            params.update(stage=stage, cursor=cursor, summary={key: summary.get(key, 0) for key in SUMMARY_KEYS})
            undo_lifecycle.running(self.change, params)
            self.session.commit()
        undo_lifecycle.finished(self.change, params)
        self.session.commit()
        notify_undo_ended(self.state, self.imp, self.change)


def run_undo(state, change_id):
    """Run undo ``change_id`` to its end, unless another worker is running it (then return at
    once). A failure marks it ``failed`` (it can be asked for again: it resumes) and is raised."""
    session = state.db.session
    change = session.get(Change, change_id)
    if change is None or change.status == UNDO_FINISHED or change.import_id is None:
        session.commit()
        return
    imp = session.get(Import, change.import_id)
    session.commit()
    with driver_lock(state.db.engine, imp.id) as acquired:
        if not acquired:
            return
        session.refresh(change)
        if change.status == UNDO_FINISHED:
            session.commit()
            return
        undo_lifecycle.running(change)
        session.commit()
        try:
            _Undo(state, change, imp).run()
        except Exception:
            session.rollback()
            log.exception("contact-segments: the undo of import %s failed", imp.id)
            undo_lifecycle.failed(session, change_id)
            session.commit()
            notify_undo_ended(state, imp, session.get(Change, change_id))
            raise
