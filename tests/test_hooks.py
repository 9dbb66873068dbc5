"""Every hook has its own test (``test_hook_<name>``), after Datasette (``test_docs.py`` checks they are documented)."""

import inspect
from pathlib import Path

import pytest

from contact_segments import Actor, memberships, segments
from contact_segments.errors import InvalidInput, NotFound, PermissionDenied, Vetoed
from contact_segments.hooks import specs
from contact_segments.hooks.events import (
    MembersAdded, MembersRemoved, Notice, SegmentCreated, SegmentDeleted, SegmentRenamed,
)
from contact_segments.hooks.markers import hookimpl
from contact_segments.models import Notification

ROOT = Path(__file__).resolve().parent.parent
HOOK_NAMES = sorted(n for n, _ in inspect.getmembers(specs, inspect.isfunction) if n.startswith("segments_"))


@pytest.mark.parametrize("name", HOOK_NAMES)
def test_every_hook_has_a_test(name):
    sources = "".join(path.read_text(encoding="utf-8") for path in (ROOT / "tests").rglob("test_*.py"))
    assert f"def test_hook_{name}(" in sources


@pytest.fixture
def register(state):
    """Register host plugins for one test and check that their hook names exist."""
    registered = []

    def add(plugin):
        state.pm.register(plugin)
        registered.append(plugin)
        state.pm.check_pending()
        return plugin

    yield add
    for plugin in registered:
        state.pm.unregister(plugin)


@pytest.fixture
def audience(scope_for, account, make_contacts):
    """Contacts 0-9: A = 0..5, B = 4..9, C = 0..1; contacts 8, 9 have no mobile, 6 has no email."""
    account_id = account[0]
    ids = make_contacts(account_id, 10)
    from contact_segments.demo.models import db
    from contact_segments.models import Contact
    db.session.query(Contact).filter(Contact.id.in_(ids[8:])).update({"mobile": None})
    db.session.query(Contact).filter(Contact.id == ids[6]).update({"email": None})
    db.session.commit()
    a = segments.create(scope_for(), "A", contact_ids=ids[0:6])
    b = segments.create(scope_for(), "B", contact_ids=ids[4:10])
    c = segments.create(scope_for(), "C", contact_ids=ids[0:2])
    return account_id, ids, a.id, b.id, c.id


def test_hook_segments_audience_segments(state, audience):
    account_id, _, a, b, c = audience
    listed = state.pm.hook.segments_audience_segments(account_id=account_id)
    assert [(s.id, s.name, s.member_count) for s in listed] == [(a, "A", 6), (b, "B", 6), (c, "C", 2)]
    assert state.pm.hook.segments_audience_segments(account_id=account_id + 1) == []


def test_hook_segments_count_recipients(state, audience):
    account_id, _, a, b, c = audience
    count = state.pm.hook.segments_count_recipients
    assert count(account_id=account_id, include=[a, b], exclude=[c], channel="sms") == 6  # 2..7
    assert count(account_id=account_id, include=[a, b], exclude=[c], channel="email") == 7  # 2..9 minus 6
    assert count(account_id=account_id, include=[a, b], exclude=[], channel="sms") == 8
    assert count(account_id=account_id, include=[], exclude=[c], channel="sms") == 0
    with pytest.raises(NotFound):
        count(account_id=account_id + 1, include=[a], exclude=[], channel="sms")
    with pytest.raises(InvalidInput):
        count(account_id=account_id, include=[a], exclude=[], channel="fax")


def test_hook_segments_iter_recipients(state, audience):
    account_id, ids, a, b, c = audience
    batches = list(state.pm.hook.segments_iter_recipients(
        account_id=account_id, include=[a, b], exclude=[c], channel="sms", batch_size=4))
    assert all(0 < len(batch) <= 4 for batch in batches) and sum(map(len, batches)) == 6
    recipients = [r for batch in batches for r in batch]
    assert sorted(r.contact_id for r in recipients) == ids[2:8]
    assert all(r.address.startswith("+1") for r in recipients)
    assert {r.contact_id: r.first_name for r in recipients}[ids[2]] == "First2"
    with pytest.raises(NotFound):  # a foreign id fails before the first batch
        state.pm.hook.segments_iter_recipients(
            account_id=account_id, include=[a, 999999], exclude=[], channel="sms", batch_size=4)


def test_hook_segments_contact_segments(state, audience):
    account_id, ids, a, b, c = audience
    found = state.pm.hook.segments_contact_segments(account_id=account_id, contact_id=ids[4])
    assert [s.name for s in found] == ["A", "B"]
    assert state.pm.hook.segments_contact_segments(account_id=account_id + 1, contact_id=ids[4]) == []


def test_hook_segments_current_actor(app, state, register, account):
    class Host:
        @hookimpl
        def segments_current_actor(self):
            return Actor(account_id=account[0], user_id=42, role="manager")

    # the demo host registers its own implementation; ours is newer and wins
    register(Host())
    with app.test_request_context("/"):
        assert state.current_actor() == Actor(account_id=account[0], user_id=42, role="manager")


def test_hook_segments_authorize(state, register, scope_for):
    decisions = []

    class Host:
        @hookimpl
        def segments_authorize(self, actor, action, target):
            decisions.append((actor.role, action))
            if action == "create" and actor.role == "consultant":
                return False
            if action == "delete" and actor.role == "consultant":
                return True
            return None

    register(Host())
    with pytest.raises(PermissionDenied):
        segments.create(scope_for("consultant"), "Nope")
    segment = segments.create(scope_for("admin"), "Yes")
    assert segments.delete(scope_for("consultant"), segment.id) == 0  # the host allowed it
    with pytest.raises(PermissionDenied):  # None falls back to the default policy
        segments.rename(scope_for("consultant"), segments.create(scope_for(), "X").id, "Y")
    assert ("consultant", "create") in decisions and ("consultant", "delete") in decisions


def test_hook_segments_before_delete(state, register, scope_for, account, make_contacts):
    ids = make_contacts(account[0], 3)
    segment = segments.create(scope_for(), "Scheduled", contact_ids=ids)
    seen = []

    class Host:
        @hookimpl
        def segments_before_delete(self, actor, segment_id, name, member_count):
            seen.append((segment_id, name, member_count))
            return "a scheduled send on Friday uses it" if name == "Scheduled" else None

    register(Host())
    with pytest.raises(Vetoed) as error:
        segments.delete(scope_for("manager"), segment.id)
    assert "scheduled send" in error.value.message
    assert seen == [(segment.id, "Scheduled", 3)]
    assert segments.get(scope_for(), segment.id).member_count == 3
    other = segments.create(scope_for(), "Other")
    assert segments.delete(scope_for("manager"), other.id) == 0


class HostNotifier:
    """A host that delivers the plugin's notices through its own system."""

    def __init__(self):
        self.delivered = []

    @hookimpl
    def segments_notify(self, notice):
        self.delivered.append(notice)
        return True


def test_hook_segments_notify(state, register, account):
    notice = Notice(account_id=account[0], user_id=account[1]["admin"], kind="import_queued",
                    message="You will be notified when your bulk import is ready")
    assert state.pm.hook.segments_notify(notice=notice) is True  # the default stores it in-app
    stored = state.db.session.query(Notification).all()
    assert [(n.account_id, n.kind, n.message) for n in stored] == [(account[0], "import_queued", notice.message)]

    host = HostNotifier()
    register(host)
    state.pm.hook.segments_notify(notice=notice)
    assert host.delivered == [notice]
    assert state.db.session.query(Notification).count() == 1  # the host took it; not stored twice


def test_a_notice_for_no_user_is_not_stored_in_app_but_reaches_a_host(state, register, account):
    """An import run from the CLI (a system actor) has no user to tell in-app: nobody in the
    account is shown "your bulk import is ready" for an import they did not start."""
    notice = Notice(account_id=account[0], user_id=None, kind="import_queued",
                    message="You will be notified when your bulk import is ready")
    assert state.pm.hook.segments_notify(notice=notice) is None
    assert state.db.session.query(Notification).count() == 0
    host = HostNotifier()
    register(host)
    assert state.pm.hook.segments_notify(notice=notice) is True
    assert host.delivered == [notice]


def test_hook_segments_segment_created(scope_for, recorder):
    segment = segments.create(scope_for("consultant"), "Created")
    assert recorder.of(SegmentCreated) == [SegmentCreated(
        account_id=segment.account_id, segment_id=segment.id, name="Created", member_count=0,
        actor_user_id=scope_for("consultant").actor.user_id)]


def test_hook_segments_segment_renamed(scope_for, recorder):
    segment = segments.create(scope_for(), "Old")
    segments.rename(scope_for(), segment.id, "New")
    segments.rename(scope_for(), segment.id, "New")  # no change, no event
    assert [(e.old_name, e.new_name) for e in recorder.of(SegmentRenamed)] == [("Old", "New")]


def test_hook_segments_segment_deleted(scope_for, recorder, account, make_contacts):
    ids = make_contacts(account[0], 2)
    segment = segments.create(scope_for(), "Gone", contact_ids=ids)
    segments.delete(scope_for(), segment.id)
    [event] = recorder.of(SegmentDeleted)
    assert (event.segment_id, event.name, event.member_count) == (segment.id, "Gone", 2)


def test_hook_segments_members_added(scope_for, recorder, account, make_contacts):
    ids = make_contacts(account[0], 3)
    segment = segments.create(scope_for(), "S")
    memberships.add_contacts(scope_for(), segment.id, contact_ids=ids[:2])
    memberships.add_contacts(scope_for(), segment.id, contact_ids=ids[:2])  # nothing new, no event
    [event] = recorder.of(MembersAdded)
    assert (event.count, event.contact_ids) == (2, tuple(ids[:2]))


def test_hook_segments_members_removed(scope_for, recorder, account, make_contacts):
    ids = make_contacts(account[0], 3)
    segment = segments.create(scope_for(), "S", contact_ids=ids)
    memberships.remove_contacts(scope_for(), segment.id, contact_ids=[ids[0]])
    [event] = recorder.of(MembersRemoved)
    assert (event.count, event.contact_ids, event.segment_name) == (1, (ids[0],), "S")


def test_events_fire_only_after_commit(state, register, scope_for):
    """A host reacting to an event already sees the committed change in a new connection."""
    seen = []

    class Host:
        @hookimpl
        def segments_segment_created(self, event):
            with state.db.engine.connect() as connection:
                from contact_segments.models import Segment
                seen.append(connection.execute(
                    Segment.__table__.select().where(Segment.id == event.segment_id)).first() is not None)

    register(Host())
    segments.create(scope_for(), "Visible")
    assert seen == [True]


def test_hook_segments_import_finished(state, register, scope_for, account):
    import io

    from contact_segments.hooks.events import ImportFinished
    from contact_segments.imports import service

    segments.create(scope_for(), "Service Plan")
    heard = []

    class Host:
        @hookimpl
        def segments_import_finished(self, event):
            heard.append(event)

    register(Host())
    body = ("Country Code,First Name,Last Name,Mobile Number,Email,Segments\n"
            "US,Jane,Doe,(415) 555-2671,,Service Plan\n"
            "BR,João,Silva,11 98765-4321,joao@example.com,\n"
            "USA,Bad,Row,4155552672,,\n")
    scope = scope_for("consultant")
    upload = service.create_import(scope, io.BytesIO(body.encode()), "contacts.csv")
    service.start(scope, upload.id, wait=True)
    [event] = heard
    assert isinstance(event, ImportFinished)
    assert (event.account_id, event.import_id, event.status, event.dry_run) == (account[0], upload.id, "finished", False)
    assert (event.counts["created"], event.counts["failed"]) == (2, 1)
    assert event.actor_user_id == account[1]["consultant"]


def test_recipients_streamed_over_several_connections_are_each_contact_once(state, scope_for, account, make_contacts):
    """On PostgreSQL the id range is split over SEGMENTS_AUDIENCE_STREAMS connections; closing
    the stream early releases them."""
    ids = make_contacts(account[0], 300)
    segment = segments.create(scope_for(), "Everyone", contact_ids=ids)
    evens = segments.create(scope_for(), "Evens", contact_ids=ids[::2])
    thirds = segments.create(scope_for(), "Thirds", contact_ids=ids[::3])
    from contact_segments import audience

    for streams in (1, 2, 3):
        batches = list(audience.iter_recipients(
            state.db.session, state.contacts, account[0], [segment.id], [], "sms", 7, streams=streams))
        assert all(len(batch) <= 7 for batch in batches)
        assert sorted(r.contact_id for batch in batches for r in batch) == ids
        # every range looks up memberships of its own contacts only: include two, exclude one
        batches = audience.iter_recipients(
            state.db.session, state.contacts, account[0], [evens.id, thirds.id], [segment.id], "sms", 7, streams=streams)
        assert [r for batch in batches for r in batch] == []
        batches = audience.iter_recipients(
            state.db.session, state.contacts, account[0], [evens.id, segment.id], [thirds.id], "sms", 5, streams=streams)
        assert sorted(r.contact_id for batch in batches for r in batch) == sorted(set(ids) - set(ids[::3]))
    stream = audience.iter_recipients(state.db.session, state.contacts, account[0], [segment.id], [], "sms", 7, streams=2)
    assert len(next(stream)) <= 7
    stream.close()  # stops the reading threads; their connections go back to the pool, usable
    assert state.pm.hook.segments_count_recipients(account_id=account[0], include=[segment.id], exclude=[], channel="sms") == 300
    for _ in range(6):  # more streams than a pool keeps: closed streams gave their connections back
        stream = audience.iter_recipients(state.db.session, state.contacts, account[0], [segment.id], [], "sms", 7, streams=2)
        next(stream)
        stream.close()
    assert sum(map(len, audience.iter_recipients(
        state.db.session, state.contacts, account[0], [segment.id], [], "sms", 50, streams=2))) == 300
