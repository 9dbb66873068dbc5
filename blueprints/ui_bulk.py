"""Bulk actions on the contacts page: "Add to segment" and "Remove from segment".

The contacts page posts its ticked contacts (or "all N matching") with ``op`` = ``add`` or
``remove``. With a ``segment_id`` the action runs; without one (no JavaScript, so no pop-up) a
page asks which segment, carrying the selection along. A refused action shows that page again
with the selection kept and the reason.
"""

from flask import redirect, request, url_for

from contact_segments import memberships, segments
from contact_segments.errors import NotFound, SegmentsError

from .ui_common import current_scope, int_or_none, redisplays, render, say
from .ui_i18n import _, ngettext
from .ui_messages import describe
from .ui_selection import Selection, count_matching

OPERATIONS = ("add", "remove")


def _render_pick(scope, form, error=None, status=200):
    selection = Selection.from_form(form)
    op = form.get("op") if form.get("op") in OPERATIONS else "add"
    pick_q = (form.get("pick_q") or "").strip()
    if selection.all_matching:
        chosen, exact = count_matching(scope, selection.list_filter)
    else:
        chosen, exact = len(selection.contact_ids), True
    return render(
        "segments/bulk_pick.html", status=status, selection=selection, op=op, error=error,
        chosen=chosen, chosen_exact=exact, pick_q=pick_q,
        choices=segments.list_segments(scope, search=pick_q, per_page=100),
        picked=int_or_none(form.get("segment_id")),
    )


def bulk():
    """``POST /bulk``: add the selection to, or remove it from, the chosen segment."""
    scope = current_scope()
    form = request.form
    selection = Selection.from_form(form)
    op = form.get("op")
    target = int_or_none(form.get("segment_id"))
    if op not in OPERATIONS:
        return _render_pick(scope, form, error=_("Choose “Add to segment” or “Remove from segment”."),
                            status=422)
    if selection.empty:
        say(_("Tick at least one contact first, or select all matching contacts."), "error")
        return redirect(url_for(".contacts", **selection.list_filter.params()))
    if form.get("pick_search"):
        return _render_pick(scope, form)
    if target is None:
        error = _("Choose a segment.") if form.get("picking") else None
        return _render_pick(scope, form, error=error, status=422 if error else 200)
    action = memberships.add_contacts if op == "add" else memberships.remove_contacts
    try:
        segment = segments.get(scope, target)
        name = segment.name
        changed = action(scope, target, **selection.service_arguments())
    except SegmentsError as error:
        what = "segment" if isinstance(error, NotFound) and error.field != "contact_ids" else "contacts"
        return _render_pick(scope, form, status=error.status,
                            error=describe(error, actor=scope.actor, action="assign", what=what))
    if op == "add":
        say(ngettext('%(num)s contact added to "%(name)s".', '%(num)s contacts added to "%(name)s".',
                     changed, name=name))
    else:
        say(ngettext('%(num)s contact removed from "%(name)s".',
                     '%(num)s contacts removed from "%(name)s".', changed, name=name))
    return redirect(url_for(".contacts", **selection.list_filter.params()))


@redisplays("segments.bulk")
def _bulk_again(form, message):
    return _render_pick(current_scope(), form, error=message, status=400)


def register(blueprint):
    """Add the bulk-action endpoint to ``blueprint``."""
    blueprint.add_url_rule("/bulk", "bulk", bulk, methods=["POST"])
