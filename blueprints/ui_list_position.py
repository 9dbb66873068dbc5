"""Where a page of the contacts list is: "1–50 of 1,234" (or "of more than 100,000"), and the
first / previous / next / last links that keep knowing it.

Keyset pages do not know their rank by themselves, so the links carry it: ``start`` (the rank of
the page's first contact, counted from the top) on pages reached from the first one, ``back``
(how many contacts follow the page) on pages reached from the last one. Where the total is
exact a ``back`` becomes a ``start``. A link without either (written before this existed) has its
rank counted, up to :data:`RANK_COUNT_CAP` contacts before it (else the page shows no rank).
"""

from dataclasses import dataclass

from flask import url_for

from contact_segments.contact_pages import count_before

from .ui_common import int_or_none
from .ui_i18n import _, number

#: How many contacts before a page a link without a rank may count to find it.
RANK_COUNT_CAP = 10_000


@dataclass(frozen=True)
class Position:
    """The page's rank: ``start`` (from the top, 1-based) or ``back`` (contacts after the page)."""

    start: int | None = None
    back: int | None = None


def requested_position(args):
    """The rank the page's link carried (``start`` / ``back``; ``last=1`` is ``back=0``)."""
    start, back = int_or_none(args.get("start")), int_or_none(args.get("back"))
    if args.get("last") == "1":
        back = 0
    return Position(start=start if start and start > 0 else None,
                    back=back if back is not None and back >= 0 else None)


def locate(scope, list_filter, page, asked, total, exact):
    """The :class:`Position` of ``page`` (a :class:`~contact_segments.contact_pages.ContactPage`)."""
    shown = len(page.rows)
    if not page.has_before:
        return Position(start=1)
    back = asked.back if asked.start is None else None
    if back is None and not page.has_after:
        back = 0
    if asked.start is not None:
        return Position(start=asked.start)
    if back is not None:
        return Position(start=total - back - shown + 1) if exact else Position(back=back)
    counted = count_before(scope.session, scope.contacts, scope.account_id, list_filter.contact_filter(),
                           list_filter.sort, page.rows[0]["id"], RANK_COUNT_CAP)
    return Position(start=counted + 1) if counted < RANK_COUNT_CAP else Position()


def position_label(position, shown, total, exact):
    """ "1–50 of 1,234", "51–100 of more than 100,000", "The last 50 of more than 100,000"... """
    if not shown:
        return ""
    if position.start is not None:
        numbers = {"first": number(position.start), "last": number(position.start + shown - 1),
                   "total": number(total)}
        if exact:
            return _("%(first)s–%(last)s of %(total)s", **numbers)
        return _("%(first)s–%(last)s of more than %(total)s", **numbers)
    if position.back == 0:
        return _("The last %(shown)s of more than %(total)s", shown=number(shown), total=number(total))
    if position.back is not None:
        return _("%(first)s–%(last)s from the end, of more than %(total)s",
                 first=number(position.back + 1), last=number(position.back + shown),
                 total=number(total))
    return ""


def navigation(list_filter, page, position, size):
    """``{"first", "previous", "next", "last"}`` URLs of the list (``None`` where there is none)."""
    rows = page.rows
    links = dict.fromkeys(("first", "previous", "next", "last"))
    if not rows:
        return links
    if page.has_before:
        links["first"] = url_for(".contacts", **list_filter.params())
        rank = {}
        if position.start is not None:
            rank = {"start": max(position.start - size, 1)}
        elif position.back is not None:
            rank = {"back": position.back + len(rows)}
        links["previous"] = url_for(".contacts", **list_filter.params(before=rows[0]["id"], **rank))
    if page.has_after:
        rank = {}
        if position.start is not None:
            rank = {"start": position.start + len(rows)}
        elif position.back is not None:
            rank = {"back": max(position.back - size, 0)}
        links["next"] = url_for(".contacts", **list_filter.params(after=rows[-1]["id"], **rank))
        links["last"] = url_for(".contacts", **list_filter.params(last=1))
    return links
