"""The contacts page: a searchable list of the account's contacts with their segments, sorted
by when they were added or by name, in keyset pages that say where they are ("1–50 of 1,234");
the segment drop-down ("All contacts" or one segment, searchable) that filters it, the contacts
of one import, and the JSON the drop-down's search box asks while the user types.
"""

from dataclasses import replace

from flask import current_app, jsonify, request, url_for

from contact_segments import segments
from contact_segments.audience import segments_of_contacts
from contact_segments.contact_pages import NAME, NEWEST, OLDEST, read_page
from contact_segments.errors import NotFound
from contact_segments.imports.service import account_import
from contact_segments.permissions import is_allowed

from . import ui_contact_links, ui_phones
from .ui_common import current_scope, int_or_none, page_size, render
from .ui_i18n import _, ngettext
from .ui_list_position import locate, navigation, position_label, requested_position
from .ui_selection import COUNT_CAP, ListFilter, count_matching

MENU_SIZE = 50
DEFAULT_HOOKS_PREFIX = "contact_segments.defaults."


def permissions_of(scope):
    """``{action: allowed}`` for the acting user, so pages show only the controls they may use."""
    actor = scope.actor
    return {action: is_allowed(scope.pm, actor, action)
            for action in ("create", "assign", "import", "rename", "delete")}


def restorable_for():
    """For how many days a deleted segment can be restored, as a sentence."""
    days = int(current_app.config["SEGMENTS_DELETED_SEGMENT_DAYS"])
    return ngettext("It can be restored from “Recently deleted” for %(num)s day.",
                    "It can be restored from “Recently deleted” for %(num)s days.", days)


def delete_confirmation(summary):
    """What the delete confirmation says: how many contacts will lose the segment, and for how
    many days it can be restored from "Recently deleted"."""
    return " ".join((ngettext(
        'Delete the segment "%(name)s"? %(num)s contact will lose this segment. Contacts are not deleted.',
        'Delete the segment "%(name)s"? %(num)s contacts will lose this segment. Contacts are not deleted.',
        summary.member_count, name=summary.name,
    ), restorable_for()))


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
    return segments_of_contacts(scope.session, scope.account_id, contact_ids)


def _import_shown(scope, list_filter):
    """``(import, list_filter, notice)``: the account's import whose contacts the list shows; an
    import id that is not the account's is dropped from the filter, with a notice."""
    if list_filter.import_id is None:
        return None, list_filter, None
    found = account_import(scope, list_filter.import_id)
    if found is None:
        return None, replace(list_filter, import_id=None), _(
            "This import is not one of your account’s (or no longer exists): showing all contacts.")
    return found, list_filter, None


def _segment_shown(scope, list_filter):
    """``(segment, list_filter, notice)``: the segment chosen in the drop-down, if it still exists."""
    if not list_filter.segment:
        return None, list_filter, None
    try:
        return segments.get(scope, list_filter.segment), list_filter, None
    except NotFound:
        return None, replace(list_filter, segment=None), _(
            "This segment no longer exists: someone may have just deleted it. Showing all contacts.")


def contacts():
    """The contacts page (``GET /``): ``q`` search, ``segment`` filter, ``import`` (the contacts
    an import created or updated), ``sort`` (``oldest``, ``newest``, ``name``), keyset pages
    ``after`` / ``before`` a contact id or the ``last`` page (``start`` / ``back``: the page's
    rank, see :mod:`.ui_list_position`), ``seg_q`` search inside the drop-down (for browsers
    without JavaScript)."""
    scope = current_scope()
    list_filter = ListFilter.from_values(request.args)
    segment, list_filter, segment_notice = _segment_shown(scope, list_filter)
    imported, list_filter, import_notice = _import_shown(scope, list_filter)
    after = int_or_none(request.args.get("after"))
    before = None if after is not None else int_or_none(request.args.get("before"))
    last = after is None and before is None and request.args.get("last") == "1"
    size = page_size()
    counted = count_matching(scope, list_filter, segment, cap=COUNT_CAP) if last else None
    # The last page holds what is left after the full pages, as when paging forward to it.
    last_size = counted[0] % size or size if counted and counted[1] else size
    page = read_page(scope.session, scope.contacts, scope.account_id, list_filter.contact_filter(),
                     list_filter.sort, after=after, before=before, last=last,
                     size=last_size if last else size)
    rows = page.rows
    if counted:
        total, exact = counted
    elif not page.has_before and not page.has_after:
        total, exact = len(rows), True  # every match is on this page: nothing to count
    else:
        total, exact = count_matching(scope, list_filter, segment, cap=COUNT_CAP)
    position = locate(scope, list_filter, page, requested_position(request.args), total, exact)
    seg_q = (request.args.get("seg_q") or "").strip()
    return render(
        "segments/contacts.html",
        contacts=rows, segments_of=segments_by_contact(scope, [row["id"] for row in rows]), list_filter=list_filter,
        segment=segment, imported=imported, notice=segment_notice or import_notice,
        total=total, total_exact=exact, sorts=sort_choices(),
        position=position_label(position, len(rows), total, exact),
        pages=navigation(list_filter, page, position, size),
        menu=segment_menu(scope, seg_q), seg_q=seg_q, menu_open=bool(seg_q) or request.args.get("menu") == "1",
        can=permissions_of(scope), delete_confirmation=delete_confirmation,
    )


def sort_choices():
    """``[(order, label), ...]`` of the list's sort menu."""
    return [(OLDEST, _("First added")), (NEWEST, _("Recently added")), (NAME, _("Name (A–Z)"))]


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
            "activity_url": url_for(".segment_activity", segment_id=item.id),
            "delete_confirmation": delete_confirmation(item),
            "count_label": ngettext("%(num)s contact", "%(num)s contacts", item.member_count),
        } for item in found.items],
    })


def register(blueprint):
    """Add the contacts page and the drop-down search to ``blueprint``."""
    blueprint.add_url_rule("/", "contacts", contacts)
    blueprint.add_url_rule("/segments.json", "segments_json", segments_json)
    ui_phones.register(blueprint)
    ui_contact_links.register(blueprint)
