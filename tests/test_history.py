"""History: every membership change is recorded with who, how and when; a contact's history and a
segment's activity read it back; a deleted segment can be restored with its exact memberships
until the retention purge; on SQLite and PostgreSQL."""

import io
from datetime import timedelta

import pytest
import sqlalchemy as sa

from contact_segments import ContactFilter, memberships, segments
from contact_segments.audience import contact_segments
from contact_segments.demo.models import db
from contact_segments.errors import Conflict, NotFound, PermissionDenied
from contact_segments.history import deleted as deleted_segments
from contact_segments.history.models import Change, DeletedSegment
from contact_segments.history.queries import contact_history, segment_activity
from contact_segments.hooks.events import SegmentCreated
from contact_segments.imports import service
from contact_segments.models import Membership, Segment


def _members(segment_id):
    db.session.expire_all()
    return set(db.session.execute(sa.select(Membership.contact_id).where(Membership.segment_id == segment_id)).scalars())


def test_a_contacts_history_says_who_added_and_removed_it_how_and_when(named_scope, account, make_contacts):
    ids = make_contacts(account[0], 3)
    vip = segments.create(named_scope("consultant", "page", "Casey Consultant"), "VIP", contact_ids=ids[:2])
    memberships.add_contacts(named_scope("manager", "api", "Morgan Manager"), segments.create(
        named_scope(), "North").id, contact_ids=[ids[0]])
    memberships.remove_contacts(named_scope("manager", "cli", "Morgan Manager"), vip.id, contact_ids=[ids[0]])

    entries = contact_history(named_scope(), ids[0])
    described = [(entry.event, entry.segment_name, entry.actor.name, entry.actor.via) for entry in entries]
    assert described == [
        ("removed", "VIP", "Morgan Manager", "cli"),
        ("added", "North", "Morgan Manager", "api"),
        ("added", "VIP", "Casey Consultant", "page"),
    ]
    assert all(entry.at is not None for entry in entries)
    assert [entry.event for entry in contact_history(named_scope(), ids[2])] == []


def test_a_contact_of_another_account_has_no_history_to_show(named_scope, make_account, make_contacts):
    other = make_account("Other")
    foreign = make_contacts(other[0], 1)[0]
    with pytest.raises(NotFound):
        contact_history(named_scope(), foreign)


def test_a_segments_activity_lists_its_changes_newest_first_in_pages(named_scope, account, make_contacts):
    ids = make_contacts(account[0], 5)
    scope = named_scope("manager", "page", "Morgan Manager")
    vip = segments.create(scope, "VIP", contact_ids=ids[:3])
    memberships.add_contacts(scope, vip.id, contact_filter=ContactFilter())
    memberships.remove_contacts(scope, vip.id, contact_ids=ids[:1])
    segments.rename(scope, vip.id, "Gold")

    activity = segment_activity(scope, vip.id)
    assert [(entry.action, entry.added, entry.removed, entry.segment_name) for entry in activity] == [
        ("segment_renamed", 0, 0, "Gold"),
        ("members_removed", 0, 1, "VIP"),
        ("members_added", 2, 0, "VIP"),
        ("segment_created", 3, 0, "VIP"),
    ]
    assert activity[0].params == {"old_name": "VIP", "new_name": "Gold"}
    first, second = segment_activity(scope, vip.id, limit=2), segment_activity(
        scope, vip.id, before_change_id=activity[1].change_id, limit=2)
    assert [entry.change_id for entry in first + second] == [entry.change_id for entry in activity]


def test_an_import_is_history_with_its_file_name(named_scope, account):
    scope = named_scope("consultant", "page", "Casey Consultant")
    vip = segments.create(scope, "VIP")
    imp = service.create_import(scope, io.BytesIO(
        b"Country Code,First Name,Last Name,Email,Segments\nUS,Ann,Lee,ann@example.com,VIP\n"), "customers.csv")
    service.start(scope, imp.id, wait=True)
    contact_id = next(iter(_members(vip.id)))

    entry, = contact_history(scope, contact_id)
    assert (entry.event, entry.segment_name, entry.import_filename, entry.actor.name, entry.actor.via) == (
        "added", "VIP", "customers.csv", "Casey Consultant", "import")
    newest = segment_activity(scope, vip.id)[0]
    assert (newest.action, newest.added, newest.import_id) == ("import", 1, imp.id)


def test_a_deleted_segment_is_restored_with_its_exact_memberships(named_scope, state, account, make_contacts, recorder):
    ids = make_contacts(account[0], 4)
    scope = named_scope()
    vip = segments.create(scope, "VIP", contact_ids=ids[:3])
    assert segments.delete(scope, vip.id) == 3
    assert segments.list_segments(scope).total == 0
    assert memberships_of_contact(scope, ids[0]) == []
    listed, = deleted_segments.list_deleted(scope)
    assert (listed.id, listed.name, listed.member_count, listed.deleted_by) == (vip.id, "VIP", 3, "Morgan Manager")
    state.forget_contacts(account[0], [ids[2]])
    db.session.commit()

    result = deleted_segments.restore(scope, "vip")
    assert (result.segment.id, result.segment.name, result.restored, result.skipped) == (vip.id, "VIP", 2, 1)
    assert _members(vip.id) == set(ids[:2])
    assert segments.get(scope, vip.id).member_count == 2
    assert deleted_segments.list_deleted(scope) == []
    assert [event.name for event in recorder.of(SegmentCreated)][-1] == "VIP"
    actions = [entry.action for entry in segment_activity(scope, vip.id)]
    assert actions[:2] == ["segment_restored", "segment_deleted"]


def memberships_of_contact(scope, contact_id):
    return [segment.name for segment in contact_segments(scope.session, scope.contacts, scope.account_id, contact_id)]


def test_a_restore_whose_name_is_taken_asks_for_another(named_scope, account, make_contacts):
    ids = make_contacts(account[0], 2)
    scope = named_scope()
    vip = segments.create(scope, "VIP", contact_ids=ids)
    segments.delete(scope, vip.id)
    segments.create(scope, "VIP")
    with pytest.raises(Conflict) as refused:
        deleted_segments.restore(scope, vip.id)
    assert refused.value.code == "name_taken"
    result = deleted_segments.restore(scope, vip.id, new_name="VIP (old)")
    assert (result.segment.name, result.restored) == ("VIP (old)", 2)


def test_restoring_needs_a_manager_and_a_segment_within_the_window(named_scope, state, account, make_contacts):
    ids = make_contacts(account[0], 1)
    vip = segments.create(named_scope(), "VIP", contact_ids=ids)
    segments.delete(named_scope(), vip.id)
    with pytest.raises(PermissionDenied):
        deleted_segments.restore(named_scope("consultant"), vip.id)
    db.session.execute(sa.update(DeletedSegment).values(
        deleted_at=DeletedSegment.deleted_at - timedelta(days=31)))
    db.session.commit()
    assert deleted_segments.list_deleted(named_scope()) == []
    with pytest.raises(NotFound) as refused:
        deleted_segments.restore(named_scope(), vip.id)
    assert refused.value.code == "deleted_segment_not_found"


def test_the_purge_applies_every_retention_window(named_scope, state, account, make_contacts, monkeypatch):
    monkeypatch.setattr(deleted_segments, "PURGE_CHUNK", 2)  # a deleted segment's memberships in chunks
    ids = make_contacts(account[0], 3)
    scope = named_scope()
    vip = segments.create(scope, "VIP", contact_ids=ids)
    kept = segments.create(scope, "Kept", contact_ids=ids[:1])
    segments.delete(scope, vip.id)
    segments.delete(scope, kept.id)
    db.session.execute(sa.update(DeletedSegment).where(DeletedSegment.id == vip.id).values(
        deleted_at=DeletedSegment.deleted_at - timedelta(days=31)))
    db.session.execute(sa.update(Change).values(created_at=Change.created_at - timedelta(days=400)))
    db.session.commit()

    result = deleted_segments.purge(db.session, state.config)
    assert (result.segments, result.memberships) == (1, 3)
    assert result.changes > 0
    assert _members(vip.id) == set()
    assert _members(kept.id) == set(ids[:1])
    assert [entry.name for entry in deleted_segments.list_deleted(scope)] == ["Kept"]
    again = deleted_segments.purge(db.session, state.config)
    assert (again.segments, again.memberships, again.changes) == (0, 0, 0)


def test_a_filter_on_a_deleted_segment_chooses_nobody(named_scope, account, make_contacts):
    ids = make_contacts(account[0], 2)
    scope = named_scope()
    vip = segments.create(scope, "VIP", contact_ids=ids)
    target = segments.create(scope, "Target")
    segments.delete(scope, vip.id)
    with pytest.raises(NotFound):
        memberships.add_contacts(scope, target.id, contact_filter=ContactFilter(segment_ids=(vip.id,)))
    assert _members(target.id) == set()
    assert db.session.execute(sa.select(Segment.member_count).where(Segment.id == target.id)).scalar_one() == 0


def test_hook_segments_contact_history(state, named_scope, account, make_account, make_contacts):
    """A host reads a contact's history through the hook (nothing for another account)."""
    ids = make_contacts(account[0], 1)
    segments.create(named_scope("consultant", "page", "Casey Consultant"), "VIP", contact_ids=ids)
    entry, = state.pm.hook.segments_contact_history(account_id=account[0], contact_id=ids[0], limit=5)
    assert (entry.event, entry.segment_name, entry.actor.name) == ("added", "VIP", "Casey Consultant")
    other = make_account("Other")
    assert state.pm.hook.segments_contact_history(account_id=other[0], contact_id=ids[0], limit=5) == []
