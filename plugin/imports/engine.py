"""Matching validated rows to the account's contacts and applying them, one batch at a time.

:func:`apply_batch` is set-based: for a batch of (say) 5,000 rows it runs a few look-ups
(contacts by External ID, mobile and email through the per-account unique indexes; their
memberships; the lines of this import that already touched them), works out every row's outcome
in Python (a few microseconds per row: plain dicts and tuples) in :mod:`.decision`, which holds
the matching rules and needs no database, then writes with a handful of set-based statements
(:mod:`.writing`). No statement per row. The caller owns the transaction (see
:mod:`contact_segments.imports.runner`).
"""

import operator
from dataclasses import dataclass

import sqlalchemy as sa

from ..models import Membership
from . import bulk
from .decision import BatchContact, BatchDecisions
from .models import ImportRow
from .segment_index import SegmentIndex
from .storage import VALUE_FIELDS
from .writing import RaceLost, write_batch

__all__ = ["BatchOutcome", "RaceLost", "SegmentIndex", "apply_batch", "load_contacts"]


@dataclass
class BatchOutcome:
    """What a batch did: the counters to add to the import (see ``models.BATCH_COUNTERS``)."""

    counts: dict


def load_contacts(session, contacts, account_id, import_id, rows, decisions):
    """Give ``decisions`` the stored contacts of the account that the ``rows`` name by an
    identifier, with their segments and the earlier lines of import ``import_id`` that touched
    them (the batch's reads)."""
    query = sa.select(contacts.col("id"), *(contacts.col(name) for name in decisions.fields)).where(
        contacts.in_account(account_id))
    for position, name in decisions.key_positions:
        wanted = sorted({row.values[position] for row in rows if not row.errors and row.values[position]})
        for record in bulk.fetch_matching(session, query, contacts.col(name), wanted):
            if record[0] not in decisions.by_id:
                values = dict(zip(decisions.fields, record[1:]))
                decisions.add(BatchContact(record[0], values, dict(values)))
    existing = sorted(decisions.by_id)
    if not existing:
        return
    # The contacts are the account's, so are their segments; keeping only the ids of the
    # account's segments (instead of joining segments) reads one index range per contact.
    account_segments = decisions.segments.ids
    memberships = sa.select(Membership.contact_id, Membership.segment_id)
    for contact_id, segment_id in bulk.fetch_matching(session, memberships, Membership.contact_id, existing):
        if segment_id in account_segments:
            contact = decisions.by_id[contact_id]
            contact.segments.add(segment_id)
            contact.original_segments.add(segment_id)
    earlier_lines = sa.select(ImportRow.contact_id, ImportRow.line).where(
        ImportRow.import_id == import_id)
    for contact_id, line in sorted(bulk.fetch_matching(session, earlier_lines, ImportRow.contact_id, existing),
                                   key=operator.itemgetter(1)):
        decisions.by_id[contact_id].lines.append(line)


def apply_batch(session, contacts, account_id, import_id, replace, rows, segments, change_id=None):
    """Match and apply one batch of :class:`~contact_segments.imports.storage.RowRecord`.

    ``contacts``: the :class:`~contact_segments.contacts.ContactMapping`; ``segments``: the
    account's :class:`SegmentIndex`; ``replace``: the "Replace existing segment data" option;
    ``change_id``: the import's history change (``None`` for a dry run).
    Writes contacts, memberships, member counts, row outcomes and unknown segment names through
    ``session`` without committing, and returns a :class:`BatchOutcome`. The caller must hold the
    account's write lock (:func:`contact_segments.imports.locks.lock_for_writing`). Raises
    :class:`RaceLost` when a contact to create appeared meanwhile (roll back and run again).
    """
    decisions = BatchDecisions([name for name in VALUE_FIELDS if contacts.has(name)], replace, segments)
    load_contacts(session, contacts, account_id, import_id, rows, decisions)
    decide = decisions.decide
    for row in rows:
        decide(row)
    return BatchOutcome(write_batch(session, contacts, account_id, import_id, decisions, change_id))
