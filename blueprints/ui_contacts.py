"""The contacts page: a keyset-paginated, searchable list of the account's contacts with their
segments, the segment drop-down ("All contacts" or one segment, searchable) that filters it, and
the JSON the drop-down's search box asks while the user types.
"""

from dataclasses import replace

import sqlalchemy as sa
from flask import jsonify, request, url_for

from contact_segments import segments
from contact_segments.contact_query import list_contacts, where_clauses
from contact_segments.audience import SegmentSummary
from contact_segments.errors import NotFound
from contact_segments.models import Membership, Segment
from contact_segments.permissions import is_allowed

from .ui_common import current_scope, int_or_none, page_size, render
from .ui_i18n import _, ngettext
from .ui_selection import ListFilter, count_matching

MENU_SIZE = 50
DEFAULT_HOOKS_PREFIX = "contact_segments.defaults."


def permissions_of(scope):
    """``{action: allowed}`` for the acting user, so pages show only the controls they may use."""
    actor = scope.actor
    return {action: is_allowed(scope.pm, actor, action)
            for action in ("create", "assign", "import", "rename", "delete")}


def delete_confirmation(summary):
    """The sentence the delete confirmation shows: how many contacts will lose the segment."""
    return ngettext(
        'Delete the segment "%(name)s"? %(num)s contact will lose this segment. Contacts are not deleted.',
        'Delete the segment "%(name)s"? %(num)s contacts will lose this segment. Contacts are not deleted.',
        summary.member_count, name=summary.name,
    )


def segment_menu(scope, search=""):
    """The first :data:`MENU_SIZE` segments matching ``search`` (a :class:`segments.Page`)."""
    return segments.list_segments(scope, search=search, per_page=MENU_SIZE)


def _host_answers_contact_segments(pm):
    """True when a host implements ``segments_contact_segments`` (then the page asks it)."""
    return any(not impl.plugin_name.startswith(DEFAULT_HOOKS_PREFIX)
               for impl in pm.hook.segments_contact_segments.get_hookimpls())


def segments_by_contact(scope, contact_ids):
    """``{contact_id: [SegmentSummary, ...]}`` for one page of contacts.

    Asks the ``segments_contact_segments`` hook per contact when a host implements it; with only
    the plugin's own implementation, reads the same answer for the whole page in one query.
    """
    if _host_answers_contact_segments(scope.pm):
        hook = scope.pm.hook
        return {contact_id: hook.segments_contact_segments(account_id=scope.account_id,
                                                           contact_id=contact_id)
                for contact_id in contact_ids}
    found = {contact_id: [] for contact_id in contact_ids}
    if contact_ids:
        rows = scope.session.execute(
            sa.select(Membership.contact_id, Segment.id, Segment.name, Segment.member_count)
            .join(Segment, Membership.segment_id == Segment.id)
            .where(Segment.account_id == scope.account_id, Membership.contact_id.in_(contact_ids))
            .order_by(Segment.search_key, Segment.name_key)
        )
        for contact_id, *summary in rows:
            found[contact_id].append(SegmentSummary(*summary))
    return found


def page_before(scope, list_filter, before, size):
    """The page of matching contacts just before contact id ``before`` (keyset, backwards):
    ``(rows in id order, whether there are earlier ones)``. Costs what a forward page costs."""
    mapping = scope.contacts
    columns = [column.label(name) for name, column in mapping.columns.items()]
    query = (sa.select(*columns)
             .where(*where_clauses(mapping, scope.account_id, list_filter.contact_filter()),
                    mapping.col("id") < before)
             .order_by(mapping.col("id").desc()).limit(size + 1))
    rows = [dict(row._mapping) for row in scope.session.execute(query)]
    return list(reversed(rows[:size])), len(rows) > size


def contacts():
    """The contacts page (``GET /``): ``q`` search, ``segment`` filter, ``after`` / ``before``
    keyset cursors (next / previous page), ``seg_q`` search inside the drop-down (for browsers
    without JavaScript)."""
    scope = current_scope()
    list_filter = ListFilter.from_values(request.args)
    segment, notice = None, None
    if list_filter.segment:
        try:
            segment = segments.get(scope, list_filter.segment)
        except NotFound:
            notice = _("This segment no longer exists: someone may have just deleted it. "
                       "Showing all contacts.")
            list_filter = replace(list_filter, segment=None)
    after = int_or_none(request.args.get("after"))
    before = None if after is not None else int_or_none(request.args.get("before"))
    size = page_size()
    if before is not None:
        rows, has_previous = page_before(scope, list_filter, before, size)
        has_next = True  # we came back from the page that starts at ``before``
    else:
        rows = list_contacts(scope.session, scope.contacts, scope.account_id,
                             list_filter.contact_filter(), after_id=after, limit=size + 1)
        has_next, has_previous = len(rows) > size, after is not None
        rows = rows[:size]
    if after is None and before is None and not has_next:
        total, exact = len(rows), True  # every match is on this first page: nothing to count
    else:
        total, exact = count_matching(scope, list_filter, segment)
    seg_q = (request.args.get("seg_q") or "").strip()
    return render(
        "segments/contacts.html",
        contacts=rows, segments_of=segments_by_contact(scope, [row["id"] for row in rows]), list_filter=list_filter,
        segment=segment, notice=notice, total=total, total_exact=exact, after=after,
        next_url=url_for(".contacts", **list_filter.params(after=rows[-1]["id"])) if has_next and rows else None,
        previous_url=url_for(".contacts", **list_filter.params(before=rows[0]["id"])) if has_previous and rows else None,
        first_url=url_for(".contacts", **list_filter.params()) if has_previous else None,
        menu=segment_menu(scope, seg_q), seg_q=seg_q, menu_open=bool(seg_q) or request.args.get("menu") == "1",
        can=permissions_of(scope), delete_confirmation=delete_confirmation,
    )


def segments_json():
    """``GET /segments.json?q=``: the drop-down's search (first 50 matches, with their links)."""
    scope = current_scope()
    found = segment_menu(scope, (request.args.get("q") or "").strip())
    list_filter = ListFilter.from_values({"q": request.args.get("list_q")})
    return jsonify({
        "total": found.total,
        "items": [{
            "id": item.id, "name": item.name, "member_count": item.member_count,
            "filter_url": url_for(".contacts", **list_filter.params(segment=item.id)),
            "rename_url": url_for(".rename_segment", segment_id=item.id),
            "delete_url": url_for(".delete_segment", segment_id=item.id),
            "delete_confirmation": delete_confirmation(item),
            "count_label": ngettext("%(num)s contact", "%(num)s contacts", item.member_count),
        } for item in found.items],
    })


def register(blueprint):
    """Add the contacts page and the drop-down search to ``blueprint``."""
    blueprint.add_url_rule("/", "contacts", contacts)
    blueprint.add_url_rule("/segments.json", "segments_json", segments_json)
