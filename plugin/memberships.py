"""Membership services: add contacts to a segment, remove them, list a segment's members.

Contacts are named by id or chosen with a :class:`~contact_segments.contact_query.ContactFilter`
("every contact matching this filter", the Gmail-style select-all across pages); both run as
set-based SQL (``INSERT ... SELECT ... ON CONFLICT DO NOTHING``, written by
:mod:`.membership_rows`), so adding 100,000 contacts is one statement, and a contact already in
the segment is never added twice.
"""

from . import segments
from .contact_query import ContactFilter, list_contacts
from .errors import InvalidInput
from .history import recording
from .history.models import MEMBERS_ADDED, MEMBERS_REMOVED
from .hooks.events import MembersAdded, MembersRemoved
from .membership_rows import delete_members, insert_members


def _announce_change(scope, hook_name, event_class, segment, count, contact_ids, contact_filter):
    """Announce that ``count`` members joined or left ``segment`` (nothing when none did).

    The event lists the contact ids when they were named one by one, ``None`` when a filter
    chose them.
    """
    if not count:
        return
    named = None
    if contact_ids and contact_filter is None:
        named = tuple(sorted({int(contact_id) for contact_id in contact_ids}))
    scope.announce(hook_name, event_class(
        account_id=scope.account_id, segment_id=segment.id, segment_name=segment.name,
        count=count, actor_user_id=scope.actor.user_id, contact_ids=named,
    ))


def _require_selection(contact_ids, contact_filter):
    if not contact_ids and contact_filter is None:
        raise InvalidInput("Choose the contacts: give contact ids or a filter.", field="contact_ids")


def _change_members(scope, segment_id, contact_ids, contact_filter, write, action, hook_name, event_class):
    """Check the actor and the selection, lock the segment, ``write`` its member rows (history
    ``action``) and announce the change; return how many members joined or left."""
    scope.require("assign")
    _require_selection(contact_ids, contact_filter)
    with scope.transaction():
        segment = segments.get_for_update(scope, segment_id)
        change = recording.begin(scope, action)
        count = write(scope, segment, change.id, contact_ids, contact_filter)
        change.params = {"count": count}
        _announce_change(scope, hook_name, event_class, segment, count, contact_ids, contact_filter)
    return count


def add_contacts(scope, segment_id, contact_ids=(), contact_filter=None):
    """Add contacts to the account's segment ``segment_id``; return how many joined it.

    Contacts already in the segment are skipped (not counted). Unknown or foreign contact ids
    raise :class:`NotFound` and nothing is added.
    """
    return _change_members(scope, segment_id, contact_ids, contact_filter, insert_members,
                           MEMBERS_ADDED, "segments_members_added", MembersAdded)


def remove_contacts(scope, segment_id, contact_ids=(), contact_filter=None):
    """Remove contacts from the account's segment ``segment_id``; return how many left it."""
    return _change_members(scope, segment_id, contact_ids, contact_filter, delete_members,
                           MEMBERS_REMOVED, "segments_members_removed", MembersRemoved)


def list_members(scope, segment_id, *, after_id=None, limit=50, search=""):
    """Return one keyset page of the segment's members (dicts of contact fields, by id)."""
    scope.require("view")
    segment = segments.get(scope, segment_id)
    return list_contacts(
        scope.session, scope.contacts, scope.account_id,
        ContactFilter(search=search, segment_ids=(segment.id,)), after_id=after_id, limit=limit,
    )
