"""Finding an account's contacts: search, filter by segments, keyset pagination.

The same :class:`ContactFilter` drives the contacts page, "select all N matching" bulk actions
and the API, so that what a user sees is exactly what a bulk action touches.
"""

from dataclasses import dataclass, field

import sqlalchemy as sa

from .contact_search import search_clause, search_text
from .imports.models import CREATED, UPDATED, ImportRow
from .models import Membership, Segment
from .sql import one_of


@dataclass(frozen=True)
class ContactFilter:
    """Which contacts of the account: ``search`` text (see :mod:`contact_segments.contact_search`:
    name, email, mobile, external id; phone numbers in any typed form), ``segment_ids`` (a
    contact in ANY of them; empty means all contacts) and ``import_id`` (only the contacts that
    import created or updated)."""

    search: str = ""
    segment_ids: tuple = field(default_factory=tuple)
    import_id: int | None = None


def missing_segments(session, account_id, contact_filter):
    """The segment ids of ``contact_filter`` that are not segments of the account (deleted, or
    never its own), sorted; a filter on them must not be run."""
    wanted = set(contact_filter.segment_ids)
    if not wanted:
        return []
    found = set(session.execute(sa.select(Segment.id).where(
        Segment.account_id == account_id, Segment.id.in_(sorted(wanted)))).scalars())
    return sorted(wanted - found)


def where_clauses(mapping, account_id, contact_filter):
    """Return the WHERE clauses that select ``contact_filter``'s contacts in ``account_id``."""
    clauses = [mapping.in_account(account_id)]
    search = search_text(contact_filter.search).strip()
    if search:
        clauses.append(search_clause(mapping, search))
    if contact_filter.segment_ids:
        # The ids must be the account's segments (see missing_segments): a deleted segment
        # keeps its memberships until it is purged, but has no members.
        clauses.append(
            sa.exists().where(
                Membership.contact_id == mapping.col("id"),
                Membership.segment_id.in_(list(contact_filter.segment_ids)),
            )
        )
    if contact_filter.import_id is not None:
        clauses.append(
            sa.exists().where(
                ImportRow.import_id == contact_filter.import_id,
                ImportRow.contact_id == mapping.col("id"),
                ImportRow.outcome.in_((CREATED, UPDATED)),
            )
        )
    return clauses


def select_contact_ids(mapping, account_id, contact_filter):
    """Return a SELECT of the ids of the matching contacts (for INSERT ... SELECT)."""
    return sa.select(mapping.col("id")).where(*where_clauses(mapping, account_id, contact_filter))


def count_contacts(session, mapping, account_id, contact_filter):
    """Return how many contacts match ``contact_filter``."""
    query = sa.select(sa.func.count()).select_from(mapping.table).where(
        *where_clauses(mapping, account_id, contact_filter)
    )
    return session.execute(query).scalar_one()


def count_contacts_up_to(session, mapping, account_id, contact_filter, cap):
    """Return ``(count, exact)``: how many contacts match ``contact_filter``, counting no further
    than ``cap`` (``exact`` is False when more match), so a count over millions stays fast."""
    limited = (
        sa.select(mapping.col("id"))
        .where(*where_clauses(mapping, account_id, contact_filter))
        .limit(cap + 1)
        .subquery()
    )
    count = session.execute(sa.select(sa.func.count()).select_from(limited)).scalar_one()
    return min(count, cap), count <= cap


def list_contacts(session, mapping, account_id, contact_filter, *, after_id=None, limit=50):
    """Return one page of matching contacts, ordered by id, starting after ``after_id``.

    Keyset pagination: the cost of a page does not grow with how deep it is. Returns a list of
    dicts with the logical contact fields; ask for the next page with the last row's ``id``.
    """
    columns = [column.label(name) for name, column in mapping.columns.items()]
    query = sa.select(*columns).where(*where_clauses(mapping, account_id, contact_filter))
    if after_id is not None:
        query = query.where(mapping.col("id") > after_id)
    query = query.order_by(mapping.col("id")).limit(limit)
    return [dict(row._mapping) for row in session.execute(query)]


def existing_contact_ids(session, mapping, account_id, contact_ids):
    """Return the subset of ``contact_ids`` that are contacts of ``account_id``."""
    ids = sorted({int(contact_id) for contact_id in contact_ids})
    found = set()
    for start in range(0, len(ids), 5000):
        chunk = ids[start:start + 5000]
        query = sa.select(mapping.col("id")).where(
            mapping.in_account(account_id), one_of(session, mapping.col("id"), chunk)
        )
        found.update(session.execute(query).scalars())
    return found
