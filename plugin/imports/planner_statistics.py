"""Fresh PostgreSQL planner statistics once a large import has written its rows.

PostgreSQL plans a query from statistics that ``ANALYZE`` gathers: how many contacts a table
holds, how many of them an account has, how many members a segment has. Right after an import
of 200,000 rows into an account, they still describe the account as it was (autovacuum analyzes
a table only after a tenth of it changed, and then within a minute or so: in a database of many
accounts, an account's import may never be a tenth). The contacts page of a segment then took
375 ms instead of 20 ms, and a search 450 ms instead of 200 (measured at 200,000 rows; worse as
accounts grow) — just when the user opens them to check the import's contacts.

So the last batch of an import that changed at least ``SEGMENTS_IMPORT_ANALYZE_AFTER`` rows
(contacts created or updated, memberships added or removed) analyzes the contact, membership
and row-outcome tables before it commits: the import shows as finished with the statistics
already fresh. ``ANALYZE`` reads a sample (30,000 rows by default), whatever the table's size,
and blocks no reads or writes. A database user that does not own a table gets a warning from
PostgreSQL and the table keeps its statistics; any error leaves the import untouched.
"""

import logging

import sqlalchemy as sa
from sqlalchemy.exc import SQLAlchemyError

from ..models import Membership
from ..sql import dialect_name
from .models import ImportRow

log = logging.getLogger(__name__)


def rows_changed(imp):
    """The rows ``imp`` wrote: contacts created or updated, memberships added or removed."""
    return imp.created + imp.updated + imp.memberships_added + imp.memberships_removed


def refresh_after_import(session, contacts, imp, threshold):
    """Analyze the tables an import wrote to, inside the current transaction, when it changed at
    least ``threshold`` rows (PostgreSQL only; ``threshold`` 0 turns it off).

    ``contacts``: the :class:`~contact_segments.contacts.ContactMapping`. Returns True when the
    tables were analyzed. An error is logged and undone (a savepoint), never raised.
    """
    if threshold <= 0 or dialect_name(session) != "postgresql" or rows_changed(imp) < threshold:
        return False
    preparer = session.get_bind().dialect.identifier_preparer
    tables = ", ".join(preparer.format_table(table)
                       for table in (contacts.table, Membership.__table__, ImportRow.__table__))
    try:
        with session.begin_nested():
            session.execute(sa.text(f"ANALYZE {tables}"))
    except SQLAlchemyError:
        log.warning("contact-segments import %s: ANALYZE %s failed; the planner's statistics "
                    "stay as they were until autovacuum refreshes them", imp.id, tables, exc_info=True)
        return False
    return True
