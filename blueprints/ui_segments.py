"""Creating, renaming and deleting segments from the contacts page.

Each action is a plain form with a full-page POST/redirect/GET, so it works without JavaScript.
A refused request shows the form again with the user's input and a message saying what to fix;
nothing is changed. The page's script opens the create and rename forms in dialogs and sends
them asking for JSON (``Accept: application/json``): the answer is then ``{"redirect": url}``
when done, or the error's ``code``, ``field`` and translated ``message``, which the dialog shows
where the user is.
"""

from dataclasses import replace

from flask import jsonify, redirect, request, url_for

from contact_segments import segments
from contact_segments.contact_query import list_contacts, missing_segments
from contact_segments.errors import NotFound, SegmentsError
from contact_segments.names import NAME_MAX_LENGTH

from .ui_common import current_scope, int_or_none, page_size, redisplays, render, say
from .ui_contacts import contacts, delete_confirmation, permissions_of, restorable_for
from .ui_i18n import _, ngettext
from .ui_messages import describe
from .ui_selection import ListFilter, Selection, count_matching


def _contacts_url(list_filter=None, **extra):
    params = list_filter.params(**extra) if list_filter else extra
    return url_for(".contacts", **params)


def _asks_for_json():
    """True when the page's script sent the form from a dialog and wants the answer as JSON."""
    return request.accept_mimetypes.best == "application/json"


def _done(url):
    """Where to go once the action is done: a redirect, or ``{"redirect": url}`` for the script."""
    return jsonify({"redirect": url}) if _asks_for_json() else redirect(url)


def _refused(error, message):
    """The JSON answer of a refused dialog form: the error and its translated ``message``."""
    body = error.to_dict()
    body["message"] = message
    return jsonify(body), error.status


def _gone(error):
    """A 404 for a segment that is not in the account (someone deleted it, or it is another
    account's: the two look the same): the up-to-date contacts list, saying so (a dialog's
    script is sent there)."""
    say(describe(error, what="segment"), "error")
    if _asks_for_json():
        return jsonify({"code": error.code, "redirect": url_for(".contacts")}), 404
    page, _ = contacts()
    return page, 404


def _find(scope, segment_id):
    """``(segment, None)``, or ``(None, 404 page)`` when the account has no such segment."""
    try:
        return segments.get(scope, segment_id), None
    except NotFound as error:
        return None, _gone(error)


def _render_new(scope, values, error=None, status=200):
    list_filter = ListFilter.from_values(values)
    if missing_segments(scope.session, scope.account_id, list_filter.contact_filter()):
        list_filter = replace(list_filter, segment=None)
    ticked = Selection.from_form(values).contact_ids if hasattr(values, "getlist") else ()
    size = page_size()
    after = int_or_none(values.get("after"))
    rows = list_contacts(scope.session, scope.contacts, scope.account_id,
                         list_filter.contact_filter(), after_id=after, limit=size + 1)
    total, exact = count_matching(scope, list_filter)
    return render(
        "segments/segment_new.html", status=status, name=values.get("name", ""), error=error,
        contacts=rows[:size], ticked=set(ticked), all_matching=values.get("all_matching") == "1",
        list_filter=list_filter, total=total, total_exact=exact,
        next_url=url_for(".new_segment", **list_filter.params(after=rows[size - 1]["id"]))
        if len(rows) > size else None,
    )


def new_segment():
    """``GET /new``: name the segment and pick its contacts; ``POST /new``: create it."""
    scope = current_scope()
    if request.method == "GET":
        return _render_new(scope, request.args)
    name = request.form.get("name", "")
    selection = Selection.from_form(request.form)
    try:
        segment = segments.create(scope, name, **selection.service_arguments())
    except SegmentsError as error:
        message = describe(error, actor=scope.actor, action="create", name=name.strip(), what="contacts")
        if _asks_for_json():
            return _refused(error, message)
        return _render_new(scope, request.form, error=message, status=error.status)
    say(ngettext('Segment "%(name)s" created with %(num)s contact.',
                 'Segment "%(name)s" created with %(num)s contacts.', segment.member_count,
                 name=segment.name))
    return _done(_contacts_url(segment=segment.id))


@redisplays("segments.new_segment")
def _new_again(form, message):
    return _render_new(current_scope(), form, error=message, status=400)


def _segment_action(segment_id, action, show, apply):
    """The flow rename and delete share: find the account's segment (or say it is gone); on GET
    ``show(scope, segment, error, status)`` the form; on POST ``apply(scope, segment)`` and, when
    the service refuses, show the form again with the user's input and the reason."""
    scope = current_scope()
    segment, gone = _find(scope, segment_id)
    if gone:
        return gone
    if request.method == "GET":
        return show(scope, segment, None, 200)
    try:
        return apply(scope, segment)
    except SegmentsError as error:
        if isinstance(error, NotFound):
            return _gone(error)
        name = request.form.get("name", "").strip()
        message = describe(error, actor=scope.actor, action=action, name=name)
        if _asks_for_json():
            return _refused(error, message)
        return show(scope, segment, message, error.status)


def _show_again(show):
    """A :func:`redisplays` handler that shows ``show``'s form again after a stale CSRF token."""

    def again(form, message):
        scope = current_scope()
        segment, gone = _find(scope, request.view_args.get("segment_id"))
        return gone or show(scope, segment, message, 400)

    return again


def _show_rename(scope, segment, error, status):
    name = request.form.get("name", "") if request.method == "POST" else segment.name
    return render("segments/segment_rename.html", status=status, segment=segment, name=name,
                  error=error, list_filter=ListFilter.from_values(request.values))


def _apply_rename(scope, segment):
    old_name = segment.name
    segments.rename(scope, segment.id, request.form.get("name", ""))
    say(_('Segment "%(old)s" renamed to "%(new)s".', old=old_name, new=segment.name))
    return _done(_contacts_url(ListFilter.from_values(request.form), segment=segment.id))


def rename_segment(segment_id):
    """``GET /<id>/rename``: the rename form; ``POST``: rename the segment."""
    return _segment_action(segment_id, "rename", _show_rename, _apply_rename)


def _show_delete(scope, segment, error, status):
    return render("segments/segment_delete.html", status=status, segment=segment, error=error,
                  confirmation=delete_confirmation(segment), can=permissions_of(scope),
                  list_filter=ListFilter.from_values(request.values))


def _apply_delete(scope, segment):
    name = segment.name
    removed = segments.delete(scope, segment.id)
    say(" ".join((ngettext('Segment "%(name)s" deleted; %(num)s contact lost it.',
                           'Segment "%(name)s" deleted; %(num)s contacts lost it.', removed, name=name),
                  restorable_for())))
    return redirect(_contacts_url(ListFilter(q=ListFilter.from_values(request.form).q)))


def delete_segment(segment_id):
    """``GET /<id>/delete``: the confirmation (how many contacts lose it); ``POST``: delete."""
    return _segment_action(segment_id, "delete", _show_delete, _apply_delete)


redisplays("segments.rename_segment")(_show_again(_show_rename))
redisplays("segments.delete_segment")(_show_again(_show_delete))


def _name_limit():
    """The longest segment name, for the name fields of every page (they state it)."""
    return {"segment_name_max_length": NAME_MAX_LENGTH}


def register(blueprint):
    """Add the create, rename and delete pages to ``blueprint``."""
    blueprint.context_processor(_name_limit)
    blueprint.add_url_rule("/new", "new_segment", new_segment, methods=["GET", "POST"])
    blueprint.add_url_rule("/<int:segment_id>/rename", "rename_segment", rename_segment,
                           methods=["GET", "POST"])
    blueprint.add_url_rule("/<int:segment_id>/delete", "delete_segment", delete_segment,
                           methods=["GET", "POST"])
