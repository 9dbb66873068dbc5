"""Segment services: create, rename, delete, search, list, names, events, tenancy."""

import pytest

from contact_segments import ContactFilter, memberships, segments
from contact_segments.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from contact_segments.hooks.events import MembersAdded, SegmentCreated, SegmentDeleted, SegmentRenamed


def test_create_with_initial_contacts_and_event(scope_for, account, make_contacts, recorder):
    ids = make_contacts(account[0], 5)
    segment = segments.create(scope_for("consultant"), "  Downtown Store ", contact_ids=ids[:3])
    assert segment.name == "Downtown Store"
    assert segment.member_count == 3
    [event] = recorder.of(SegmentCreated)
    assert (event.segment_id, event.name, event.member_count) == (segment.id, "Downtown Store", 3)


@pytest.mark.parametrize("duplicate", ["downtown store", " DOWNTOWN STORE ", "Downtown\u00a0Store".replace("\u00a0", " ")])
def test_names_unique_ignoring_case_and_spaces(scope_for, duplicate):
    segments.create(scope_for(), "Downtown Store")
    with pytest.raises(Conflict) as error:
        segments.create(scope_for(), duplicate)
    assert "already exists" in error.value.message


def test_names_unique_ignoring_unicode_form(scope_for):
    segments.create(scope_for(), "Caf\u00e9")
    with pytest.raises(Conflict):
        segments.create(scope_for(), "CAFE\u0301")
    segments.create(scope_for(), "Cafe")  # without the accent it is another name


@pytest.mark.parametrize("name, code", [("", "name_required"), ("   ", "name_required"),
                                        ("x" * 101, "name_too_long"), ("a\nb", "name_invalid"),
                                        ("North; South", "name_invalid")])
def test_bad_names_change_nothing(scope_for, name, code):
    with pytest.raises(InvalidInput) as error:
        segments.create(scope_for(), name)
    assert error.value.code == code
    assert segments.list_segments(scope_for()).total == 0


def test_rename_and_event(scope_for, recorder):
    segment = segments.create(scope_for(), "North")
    segments.rename(scope_for("manager"), segment.id, "North Region")
    assert segments.get(scope_for(), segment.id).name == "North Region"
    [event] = recorder.of(SegmentRenamed)
    assert (event.old_name, event.new_name) == ("North", "North Region")


def test_rename_to_taken_name_conflicts(scope_for):
    segments.create(scope_for(), "North")
    south = segments.create(scope_for(), "South")
    with pytest.raises(Conflict):
        segments.rename(scope_for(), south.id, "north")
    assert segments.get(scope_for(), south.id).name == "South"


def test_consultant_cannot_rename_or_delete(scope_for):
    segment = segments.create(scope_for("consultant"), "North")
    with pytest.raises(PermissionDenied):
        segments.rename(scope_for("consultant"), segment.id, "South")
    with pytest.raises(PermissionDenied):
        segments.delete(scope_for("consultant"), segment.id)
    assert segments.get(scope_for(), segment.id).name == "North"


def test_delete_removes_memberships_and_reports_count(scope_for, account, make_contacts, recorder, state):
    ids = make_contacts(account[0], 4)
    segment = segments.create(scope_for(), "Gold plan", contact_ids=ids)
    assert segments.delete(scope_for("manager"), segment.id) == 4
    with pytest.raises(NotFound):
        segments.get(scope_for(), segment.id)
    assert state.pm.hook.segments_contact_segments(account_id=account[0], contact_id=ids[0]) == []
    [event] = recorder.of(SegmentDeleted)
    assert event.member_count == 4


def test_search_is_case_and_accent_insensitive(scope_for):
    for name in ("São Paulo", "Sao Bernardo", "Rio", "SUV owners"):
        segments.create(scope_for(), name)
    assert [s.name for s in segments.list_segments(scope_for(), search="SAO").items] == ["Sao Bernardo", "São Paulo"]
    assert [s.name for s in segments.list_segments(scope_for(), search="suv").items] == ["SUV owners"]
    assert segments.list_segments(scope_for(), search="%").total == 0


def test_list_paginates_with_counts(scope_for, account, make_contacts):
    ids = make_contacts(account[0], 3)
    for index in range(7):
        segments.create(scope_for(), f"Segment {index}", contact_ids=ids[: index % 4])
    page = segments.list_segments(scope_for(), page=2, per_page=3)
    assert page.total == 7 and page.pages == 3
    assert [(s.name, s.member_count) for s in page.items] == [("Segment 3", 3), ("Segment 4", 0), ("Segment 5", 1)]


def test_add_and_remove_by_ids_and_filter(scope_for, account, make_contacts, recorder):
    ids = make_contacts(account[0], 10)
    segment = segments.create(scope_for(), "Service")
    assert memberships.add_contacts(scope_for("consultant"), segment.id, contact_ids=ids[:4]) == 4
    assert memberships.add_contacts(scope_for(), segment.id, contact_ids=ids[:6]) == 2  # 4 already in
    everyone = memberships.add_contacts(scope_for(), segment.id, contact_filter=ContactFilter())
    assert everyone == 4
    assert segments.get(scope_for(), segment.id).member_count == 10
    assert [e.count for e in recorder.of(MembersAdded)] == [4, 2, 4]
    removed = memberships.remove_contacts(scope_for(), segment.id, contact_filter=ContactFilter(search="First1"))
    assert removed == 1  # First1 only (First10 does not exist: ids 0..9)
    assert segments.get(scope_for(), segment.id).member_count == 9


def test_filter_contacts_by_segments(scope_for, account, make_contacts):
    from contact_segments.contact_query import count_contacts
    ids = make_contacts(account[0], 6)
    a = segments.create(scope_for(), "A", contact_ids=ids[:2])
    b = segments.create(scope_for(), "B", contact_ids=ids[1:4])
    scope = scope_for()
    assert count_contacts(scope.session, scope.contacts, account[0], ContactFilter(segment_ids=(a.id,))) == 2
    assert count_contacts(scope.session, scope.contacts, account[0], ContactFilter(segment_ids=(a.id, b.id))) == 4
    assert [m["id"] for m in memberships.list_members(scope, b.id)] == ids[1:4]


def test_other_accounts_are_invisible(scope_for, make_account, account, make_contacts):
    other_account, other_users = make_account("Other")
    other_ids = make_contacts(other_account, 2)
    mine = segments.create(scope_for(), "Mine")
    theirs_scope = scope_for("admin", account_id=other_account, user_id=other_users["admin"])
    theirs = segments.create(theirs_scope, "Mine")  # same name is fine in another account
    with pytest.raises(NotFound):
        segments.get(theirs_scope, mine.id)
    with pytest.raises(NotFound):
        segments.delete(theirs_scope, mine.id)
    with pytest.raises(NotFound):
        memberships.add_contacts(scope_for(), mine.id, contact_ids=other_ids)
    with pytest.raises(NotFound):
        memberships.add_contacts(scope_for(), theirs.id, contact_ids=other_ids)
    # select-all in my account never reaches their contacts
    assert memberships.add_contacts(scope_for(), mine.id, contact_filter=ContactFilter()) == 0
    assert segments.get(theirs_scope, theirs.id).member_count == 0


def test_events_not_fired_when_rolled_back(scope_for, account, make_contacts, recorder):
    ids = make_contacts(account[0], 2)
    segment = segments.create(scope_for(), "Keep")
    with pytest.raises(NotFound):
        memberships.add_contacts(scope_for(), segment.id, contact_ids=[ids[0], 999999])
    assert recorder.of(MembersAdded) == []
    assert segments.get(scope_for(), segment.id).member_count == 0


def test_ids_beyond_the_database_range_are_not_found(scope_for, account, make_contacts, state):
    segment = segments.create(scope_for(), "S")
    with pytest.raises(NotFound):
        segments.get(scope_for(), 2**70)
    with pytest.raises(NotFound):
        memberships.add_contacts(scope_for(), segment.id, contact_ids=[2**70])
    with pytest.raises(NotFound):
        state.pm.hook.segments_count_recipients(account_id=account[0], include=[2**64], exclude=[], channel="sms")
    assert state.pm.hook.segments_contact_segments(account_id=account[0], contact_id=2**64) == []
