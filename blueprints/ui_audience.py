"""The audience picker a host drops into its bulk-message composer.

``segments/audience_picker.html`` renders it (macro ``audience_picker``) from
:func:`picker_state`; a small script (``segments/audience-picker.js``) filters the segments as
the user types and asks ``GET <prefix>/audience/count.json`` for the recipients per channel as
include and exclude change. Without JavaScript the composer's own form carries the choice: its
"Search" and "Update count" buttons submit it and the macro, rendered again, shows the counts.
Every count is the ``segments_count_recipients`` hook's figure, the resolution the sender's
``segments_iter_recipients`` streams, for the signed-in user's account (while the plugin's own
implementation answers, both channels are counted in one query).
"""

from typing import NamedTuple

from flask import jsonify, request

from contact_segments.audience import count_recipients_per_channel
from contact_segments.errors import InvalidInput, SegmentsError
from contact_segments.ids import parse_ids

from .schemas import MAX_SEGMENTS_PER_REQUEST
from .ui_common import current_scope
from .ui_i18n import number

#: How the plugin names its own hook implementations in the plugin manager (extension.py).
DEFAULT_HOOKS_PREFIX = "contact_segments.defaults."
#: The channels a bulk message goes out on, in the order the picker shows them.
CHANNELS = ("sms", "email")


class PickerRow(NamedTuple):
    """One segment of the picker: its summary and whether the composer includes or excludes it."""

    id: int
    name: str
    member_count: int
    included: bool
    excluded: bool


class PickerState(NamedTuple):
    """What the picker macro shows: the rows (those matching ``search`` and every chosen one),
    how many segments the account has, the channel and the recipients per channel."""

    rows: list
    total: int
    search: str
    channel: str
    counts: dict


def _ids(values, what):
    values = list(values or ())
    if len(values) > MAX_SEGMENTS_PER_REQUEST:
        raise InvalidInput(f"Choose at most {MAX_SEGMENTS_PER_REQUEST} segments to {what}.", field=what)
    wanted, out_of_range = parse_ids(values, what)
    if out_of_range:
        raise InvalidInput(f"No segment with id {out_of_range[0]} ({what}).", field=what)
    return wanted


def audience_counts(scope, include, exclude):
    """Recipients per channel (``{"sms": n, "email": n}``) of contacts in any ``include`` and no
    ``exclude`` segment of the scope's account; all 0 while nothing is included."""
    scope.require("view")
    include, exclude = _ids(include, "include"), _ids(exclude, "exclude")
    hook = scope.pm.hook
    if _plugin_counts(hook.segments_count_recipients):  # one pass over the audience for both
        return count_recipients_per_channel(scope.session, scope.contacts, scope.account_id, include, exclude)
    return {channel: hook.segments_count_recipients(
        account_id=scope.account_id, include=include, exclude=exclude, channel=channel) if include else 0
        for channel in CHANNELS}


def _plugin_counts(caller):
    """Whether the plugin's own ``segments_count_recipients`` answers (no host implementation
    replaces it), so that counting every channel in one query gives the hook's figures."""
    return all(impl.plugin_name.startswith(DEFAULT_HOOKS_PREFIX) for impl in caller.get_hookimpls())


def picker_state(include=(), exclude=(), channel="sms", search=""):
    """Template global ``segments_audience_picker``: the picker's rows and counts for the
    signed-in user. Segment ids the account does not have raise ``NotFound``."""
    scope = current_scope()
    include, exclude = set(_ids(include, "include")), set(_ids(exclude, "exclude"))
    counts = audience_counts(scope, sorted(include), sorted(exclude))
    segments = scope.pm.hook.segments_audience_segments(account_id=scope.account_id)
    needle = (search or "").strip().casefold()
    rows = [PickerRow(item.id, item.name, item.member_count, item.id in include, item.id in exclude)
            for item in segments
            if item.id in include or item.id in exclude or needle in item.name.casefold()]
    return PickerState(rows=rows, total=len(segments), search=(search or "").strip(),
                       channel=channel if channel in CHANNELS else CHANNELS[0], counts=counts)


def audience_count_json():
    """``GET /audience/count.json?include=1&include=2&exclude=3``: ``{"counts": {"sms": n,
    "email": n}, "written": {...}}`` (written: the numbers as the page's language writes them);
    a bad or foreign segment id answers 422 or 404 with ``{"error": {"code", "message"}}``."""
    try:
        counts = audience_counts(current_scope(), request.args.getlist("include"),
                                 request.args.getlist("exclude"))
    except SegmentsError as error:
        return jsonify({"error": {"code": error.code, "message": error.message}}), error.status
    return jsonify({"counts": counts, "written": {channel: number(value) for channel, value in counts.items()}})


def register(blueprint):
    """Add the picker's count endpoint to ``blueprint``."""
    blueprint.add_url_rule("/audience/count.json", "audience_count", audience_count_json)


def init_picker(app):
    """Expose :func:`picker_state` to templates as ``segments_audience_picker``."""
    app.add_template_global(picker_state, "segments_audience_picker")
