"""Undoing an import: memberships it added are removed and those it removed put back, contact fields
get their values from before it, contacts it created are deleted, and whatever somebody changed
since is kept and listed as a conflict; refused with a clear code when it cannot be done; a second
run changes nothing more; on SQLite and PostgreSQL."""

import io
from datetime import timedelta

import pytest
import sqlalchemy as sa

from contact_segments import memberships, segments
from contact_segments.demo.models import db
from contact_segments.errors import Conflict, NotFound, PermissionDenied
from contact_segments.history import undo
from contact_segments.history.models import Change
from contact_segments.history.queries import contact_history
from contact_segments.history.undo_steps import run_undo
from contact_segments.hooks.events import MembersAdded, MembersRemoved
from contact_segments.imports import service
from contact_segments.imports.models import RUNNING, Import
from contact_segments.models import Contact, Membership, Notification, Segment

HEADER = "Country Code,First Name,Last Name,Email,Segments\n"


def _contact(email):
    db.session.expire_all()
    return db.session.execute(sa.select(Contact).where(Contact.email == email)).scalar_one_or_none()


def _segments_of(contact_id):
    return sorted(db.session.execute(
        sa.select(Segment.name).join(Membership, Membership.segment_id == Segment.id)
        .where(Membership.contact_id == contact_id)).scalars())


def _counts_right(account_id):
    db.session.expire_all()
    rows = db.session.execute(
        sa.select(Segment.member_count, sa.func.count(Membership.contact_id))
        .outerjoin(Membership, Membership.segment_id == Segment.id)
        .where(Segment.account_id == account_id).group_by(Segment.id, Segment.member_count)).all()
    return all(stored == actual for stored, actual in rows)


@pytest.fixture
def imported(manager, account, import_text):
    """Ann (in VIP) and Bob (in North) exist; a Replace import renames Ann and moves her to North,
    renames Bob and adds him to VIP, and creates Cy and Di in VIP."""
    for name in ("VIP", "North", "Other"):
        segments.create(manager, name)
    import_text(manager, HEADER + "US,Ann,Lee,ann@example.com,VIP\nUS,Bob,Ray,bob@example.com,North\n")
    imp = import_text(manager, HEADER + "US,Anna,Lee,ann@example.com,North\nUS,Bob,Rayes,bob@example.com,North;VIP\n"
                  "US,Cy,Fox,cy@example.com,VIP\nUS,Di,Orr,di@example.com,VIP\n", replace=True)
    assert (imp.status, imp.created, imp.updated) == ("finished", 2, 2)
    return imp


def test_undo_states_what_it_will_do_then_puts_everything_back(manager, account, imported, recorder, state):
    plan = undo.plan(manager, imported.id)
    assert plan.to_dict() == {
        "import_id": imported.id, "filename": "customers.csv", "memberships_to_remove": 4,
        "memberships_to_restore": 1, "contacts_to_restore": 2, "contacts_to_delete": 2}

    change = undo.request(manager, imported.id)
    undo.launch(state, change.id, wait=True)

    ann, bob = _contact("ann@example.com"), _contact("bob@example.com")
    assert (ann.first_name, _segments_of(ann.id)) == ("Ann", ["VIP"])
    assert (bob.last_name, _segments_of(bob.id)) == ("Ray", ["North"])
    assert _contact("cy@example.com") is None and _contact("di@example.com") is None
    assert _counts_right(account[0])
    result = undo.status(manager, imported.id)
    assert result["status"] == "finished"
    assert result["summary"] == {"memberships_removed": 4, "memberships_restored": 1, "contacts_restored": 2,
                                 "contacts_deleted": 2, "conflicts": 0}
    assert {type(event) for event in recorder.events} >= {MembersAdded, MembersRemoved}
    notice = db.session.execute(sa.select(Notification).where(Notification.kind == "import_undone")).scalar_one()
    assert notice.user_id == account[1]["manager"] and "was undone" in notice.message
    entry = contact_history(manager, ann.id)[0]
    assert (entry.event, entry.segment_name, entry.change_action, entry.actor.name) == (
        "added", "VIP", "import_undo", "Morgan Manager")


def test_what_somebody_changed_since_the_import_is_kept_and_listed(manager, account, imported, state):
    bob, di = _contact("bob@example.com"), _contact("di@example.com")
    other = db.session.execute(sa.select(Segment).where(Segment.name == "Other")).scalar_one()
    memberships.add_contacts(manager, other.id, contact_ids=[di.id])
    db.session.execute(sa.update(Contact).where(Contact.id == bob.id).values(last_name="Raymond"))
    db.session.commit()

    undo.launch(state, undo.request(manager, imported.id).id, wait=True)

    assert _contact("bob@example.com").last_name == "Raymond"
    assert _contact("di@example.com") is not None and _contact("cy@example.com") is None
    result = undo.status(manager, imported.id)
    assert result["summary"]["conflicts"] == 2
    assert [(conflict["line"], conflict["item"], conflict["kept"]) for conflict in result["conflicts"]] == [
        (3, "field:last_name", {"field": "last_name", "value": "Raymond"}),
        (5, "contact", {"kept": True, "reason": "segments"}),
    ]
    assert _counts_right(account[0])


def test_undo_twice_changes_nothing_more(manager, account, imported, state):
    change = undo.request(manager, imported.id)
    undo.launch(state, change.id, wait=True)
    before = db.session.execute(sa.select(Membership.segment_id, Membership.contact_id)).all()
    run_undo(state, change.id)
    assert db.session.execute(sa.select(Membership.segment_id, Membership.contact_id)).all() == before
    with pytest.raises(Conflict) as refused:
        undo.request(manager, imported.id)
    assert refused.value.code == "undo_done"


def test_an_undo_stopped_half_way_resumes_where_it_stopped(manager, account, imported, state, monkeypatch):
    from contact_segments.history import undo_steps

    monkeypatch.setitem(state.config, "SEGMENTS_IMPORT_BATCH_SIZE", 1)  # one line per transaction
    remove_added = undo_steps._Undo.remove_added
    calls = []

    def stops_at_the_third_chunk(self, cursor):
        calls.append(cursor)
        if len(calls) == 3:
            raise RuntimeError("the worker stopped")
        return remove_added(self, cursor)

    monkeypatch.setattr(undo_steps._Undo, "remove_added", stops_at_the_third_chunk)
    change = undo.request(manager, imported.id)
    with pytest.raises(RuntimeError):
        undo.launch(state, change.id, wait=True)
    assert db.session.get(Change, change.id).status == "failed"
    assert undo.status(manager, imported.id)["summary"]["memberships_removed"] == 2  # two lines committed
    monkeypatch.setattr(undo_steps._Undo, "remove_added", remove_added)

    again = undo.request(manager, imported.id)
    assert again.id == change.id
    undo.launch(state, again.id, wait=True)
    ann = _contact("ann@example.com")
    assert (ann.first_name, _segments_of(ann.id)) == ("Ann", ["VIP"])
    assert undo.status(manager, imported.id)["summary"] == {
        "memberships_removed": 4, "memberships_restored": 1, "contacts_restored": 2, "contacts_deleted": 2,
        "conflicts": 0}
    assert _counts_right(account[0])


def test_undo_is_refused_with_a_reason_when_it_cannot_be_done(manager, scope_for, account, imported, state,
                                                                make_account):
    with pytest.raises(PermissionDenied):
        undo.request(scope_for("consultant"), imported.id)
    other = make_account("Other Motors")
    with pytest.raises(NotFound):
        undo.request(scope_for("manager", account_id=other[0], user_id=other[1]["manager"]), imported.id)
    preview = service.create_import(manager, io.BytesIO((HEADER + "US,Eve,Moe,eve@example.com,VIP\n").encode()),
                                    "preview.csv", dry_run=True)
    service.start(manager, preview.id, wait=True)
    with pytest.raises(Conflict) as refused:
        undo.request(manager, preview.id)
    assert refused.value.code == "undo_dry_run"

    busy = service.create_import(manager, io.BytesIO((HEADER + "US,Eve,Moe,eve@example.com,VIP\n").encode()),
                                 "busy.csv")
    db.session.execute(sa.update(Import).where(Import.id == busy.id).values(status=RUNNING))
    db.session.commit()
    with pytest.raises(Conflict) as refused:
        undo.request(manager, imported.id)
    assert (refused.value.code, refused.value.params["running_import_id"]) == ("undo_account_importing", busy.id)
    db.session.execute(sa.update(Import).where(Import.id == busy.id).values(status="failed"))
    db.session.execute(sa.update(Import).where(Import.id == imported.id).values(
        finished_at=imported.finished_at - timedelta(days=31)))
    db.session.commit()
    with pytest.raises(Conflict) as refused:
        undo.request(manager, imported.id)
    assert refused.value.code == "undo_too_old"
    assert _contact("cy@example.com") is not None


def test_two_undos_asked_at_once_run_once(manager, imported, state):
    first = undo.request(manager, imported.id)
    with pytest.raises(Conflict) as refused:
        undo.request(manager, imported.id)
    assert refused.value.code == "undo_running"
    undo.launch(state, first.id, wait=True)
    assert undo.status(manager, imported.id)["status"] == "finished"


def test_a_contact_a_later_import_names_is_kept(manager, imported, state, import_text):
    import_text(manager, HEADER + "US,Cy,Fox,cy@example.com,VIP\n", filename="again.csv")
    undo.launch(state, undo.request(manager, imported.id).id, wait=True)
    assert _contact("cy@example.com") is not None and _contact("di@example.com") is None
    conflict, = undo.status(manager, imported.id)["conflicts"]
    assert (conflict["item"], conflict["kept"]) == ("contact", {"kept": True, "reason": "later_import"})
