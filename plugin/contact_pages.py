"""One page of an account's contacts in a chosen order, read by keyset in either direction.

Orders (:data:`ORDERS`): ``oldest`` (first added first: contact id; the default), ``newest``
(most recently added first) and ``name`` (by the folded full name, "Álvaro" with "alvaro", then
id). A page is asked for relative to a contact: the page *after* it (next), the page *before* it
(previous), or the *last* page (the order reversed from its end). Every page is one query that
reads about a page of index entries, however deep it is: by the ``(account_id, id)`` index, or
on PostgreSQL the name index of migration ``0010_contact_search_index``.
"""

from dataclasses import dataclass

import sqlalchemy as sa

from .contact_query import where_clauses
from .contact_search import name_key, search_text
from .sql import without_parallel_workers

OLDEST, NEWEST, NAME = "oldest", "newest", "name"
ORDERS = (OLDEST, NEWEST, NAME)


@dataclass(frozen=True)
class ContactPage:
    """The contacts of one page (in the order's direction) and whether there are more before the
    first and after the last."""

    rows: list
    has_before: bool
    has_after: bool


def _keys(mapping, order):
    """``[(expression, descending), ...]`` that ``order`` sorts by (the id last, as tie-break)."""
    contact_id = mapping.col("id")
    if order == NEWEST:
        return [(contact_id, True)]
    if order == NAME:
        return [(name_key(mapping), False), (contact_id, False)]
    return [(contact_id, False)]


def _cursor_values(session, mapping, account_id, keys, contact_id):
    """The sort values of contact ``contact_id`` of the account, or ``None`` if it is not one."""
    if len(keys) == 1:
        found = session.execute(sa.select(mapping.col("id")).where(
            mapping.in_account(account_id), mapping.col("id") == contact_id)).first()
        return None if found is None else (contact_id,)
    row = session.execute(sa.select(*(expression for expression, _ in keys)).where(
        mapping.in_account(account_id), mapping.col("id") == contact_id)).first()
    return None if row is None else tuple(row)


def _beyond(keys, values, backwards):
    """The WHERE clause "after ``values`` in the order" (or before it, ``backwards``)."""
    descending = keys[0][1] != backwards
    columns = sa.tuple_(*(expression for expression, _ in keys)) if len(keys) > 1 else keys[0][0]
    bound = sa.tuple_(*(sa.literal(value) for value in values)) if len(keys) > 1 else values[0]
    return columns < bound if descending else columns > bound


def page_query(mapping, account_id, contact_filter, order, *, size, cursor=None, backwards=False):
    """The SELECT of ``size`` matching contacts in ``order`` (reversed when ``backwards``), after
    the contact whose sort values are ``cursor`` when given.

    A search finds its matches first (through the search index) and orders them then. Left to
    itself PostgreSQL may walk the order's index testing each contact, betting on matches spread
    along it: a word no contact has then read the whole account (1.7 s at a million), and matches
    that sit together in the name order ("João..." after every "A" to "Jo" name) most of it
    (2.7 s)."""
    keys = _keys(mapping, order)
    clauses = where_clauses(mapping, account_id, contact_filter)
    if search_text(contact_filter.search).strip():
        matches = (sa.select(*(column.label(name) for name, column in mapping.columns.items()),
                             keys[0][0].label("sort_key"))
                   .where(*clauses).cte("matches").prefix_with("MATERIALIZED", dialect="postgresql"))
        query = sa.select(*(matches.c[name] for name in mapping.columns))
        keys = [(matches.c.sort_key, descending) for _, descending in keys[:1]] + [
            (matches.c.id, descending) for _, descending in keys[1:]]
    else:
        query = sa.select(*(column.label(name) for name, column in mapping.columns.items())).where(*clauses)
    if cursor is not None:
        query = query.where(_beyond(keys, cursor, backwards))
    return query.order_by(*(
        expression.desc() if descending != backwards else expression.asc() for expression, descending in keys
    )).limit(size)


def read_page(session, mapping, account_id, contact_filter, order=OLDEST, *, after=None, before=None,
              last=False, size=50):
    """The :class:`ContactPage` after contact ``after``, before contact ``before``, the ``last``
    page, or (none of them) the first page. A cursor that is not a contact of the account (it
    was deleted, or never was) gives the first page."""
    order = order if order in ORDERS else OLDEST
    keys = _keys(mapping, order)
    cursor = after if after is not None else before
    values = None if cursor is None else _cursor_values(session, mapping, account_id, keys, cursor)
    backwards = last or (before is not None and values is not None)
    query = page_query(mapping, account_id, contact_filter, order, size=size + 1, cursor=values,
                       backwards=backwards)
    with without_parallel_workers(session):
        rows = [dict(row._mapping) for row in session.execute(query)]
    more = len(rows) > size
    rows = rows[:size]
    if backwards:
        return ContactPage(rows=rows[::-1], has_before=more, has_after=not last)
    return ContactPage(rows=rows, has_before=values is not None, has_after=more)


def count_before(session, mapping, account_id, contact_filter, order, contact_id, cap):
    """How many matching contacts come before contact ``contact_id`` in ``order``, counting up to
    ``cap`` (0 when it is not a contact of the account)."""
    keys = _keys(mapping, order if order in ORDERS else OLDEST)
    values = _cursor_values(session, mapping, account_id, keys, contact_id)
    if values is None:
        return 0
    limited = (sa.select(mapping.col("id"))
               .where(*where_clauses(mapping, account_id, contact_filter), _beyond(keys, values, True))
               .limit(cap).subquery())
    return session.execute(sa.select(sa.func.count()).select_from(limited)).scalar_one()
