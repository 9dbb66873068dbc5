"""Audience resolution for the host's bulk-message sender.

The recipients of a bulk message are the contacts in at least one *include* segment and in no
*exclude* segment, reachable on the channel (``sms``: a mobile number; ``email``: an address),
each exactly once. Counting is one SQL statement; streaming goes through
:mod:`contact_segments.streaming` (rows read on connections of their own, holding no lock
between batches), so memory stays constant however large the audience, and the host may write
and commit its own session between batches.
"""

from typing import NamedTuple

import sqlalchemy as sa

from .errors import InvalidInput, NotFound
from .ids import is_valid_id, parse_ids
from .models import Membership, Segment
from .streaming import parallel_batches

CHANNEL_FIELDS = {"sms": "mobile", "email": "email"}


class SegmentSummary(NamedTuple):
    """A segment as pickers show it: id, name and member count."""

    id: int
    name: str
    member_count: int


class Recipient(NamedTuple):
    """One recipient: the contact's id and names, and its address on the channel
    (E.164 mobile number for ``sms``, email address for ``email``)."""

    contact_id: int
    first_name: str
    last_name: str
    address: str


def _segment_ids(session, account_id, ids, what):
    wanted, out_of_range = parse_ids(ids, f"{what} segment")
    found = set()
    if wanted:
        found = set(session.execute(
            sa.select(Segment.id).where(Segment.account_id == account_id, Segment.id.in_(wanted))
        ).scalars())
    missing = sorted(out_of_range + [segment_id for segment_id in wanted if segment_id not in found])
    if missing:
        raise NotFound(
            f"No segment with id {', '.join(map(str, missing))} in this account ({what}).", field=what
        )
    return wanted


def _address_column(mapping, channel):
    if channel not in CHANNEL_FIELDS:
        raise InvalidInput(f'Unknown channel "{channel}": use "sms" or "email".', field="channel")
    return mapping.col(CHANNEL_FIELDS[channel])


def _audience_clauses(mapping, account_id, include, exclude, address, contact_range=()):
    """WHERE clauses of the audience (reachable at ``address``; ``None``: any contact); ``contact_range`` (start, end) limits it to those contact ids,
    on the contacts and inside each membership lookup (so that every range reads its own part of
    the membership index)."""
    contact_id = mapping.col("id")

    def in_range(column):
        return [column >= contact_range[0], column < contact_range[1]] if contact_range else []

    def member_of(segment_ids):
        return sa.exists().where(Membership.contact_id == contact_id, Membership.segment_id.in_(segment_ids),
                                 *in_range(Membership.contact_id))

    reachable = [address.is_not(None), address != ""] if address is not None else []
    clauses = [mapping.in_account(account_id), *in_range(contact_id), *reachable, member_of(include)]
    if exclude:
        clauses.append(~member_of(exclude))
    return clauses


def _checked_audience(session, mapping, account_id, include, exclude, channel):
    """Check the channel and segment ids; return (address column, include ids, exclude ids)."""
    address = _address_column(mapping, channel)
    include = _segment_ids(session, account_id, include, "include")
    exclude = _segment_ids(session, account_id, exclude, "exclude")
    return address, include, exclude


def count_recipients(session, mapping, account_id, include, exclude, channel):
    """Return how many contacts the audience holds (0 when ``include`` is empty)."""
    address, include, exclude = _checked_audience(session, mapping, account_id, include, exclude, channel)
    if not include:
        return 0
    query = sa.select(sa.func.count()).select_from(mapping.table).where(
        *_audience_clauses(mapping, account_id, include, exclude, address))
    return session.execute(query).scalar_one()


def count_recipients_per_channel(session, mapping, account_id, include, exclude):
    """Return ``{channel: count}`` for every channel, in one pass over the audience: each count
    equals :func:`count_recipients` for that channel (all 0 when ``include`` is empty)."""
    include = _segment_ids(session, account_id, include, "include")
    exclude = _segment_ids(session, account_id, exclude, "exclude")
    if not include:
        return dict.fromkeys(CHANNEL_FIELDS, 0)
    reachable = {channel: sa.and_(mapping.col(field).is_not(None), mapping.col(field) != "")
                 for channel, field in CHANNEL_FIELDS.items()}
    query = sa.select(*[sa.func.count().filter(condition) for condition in reachable.values()]).select_from(
        mapping.table).where(*_audience_clauses(mapping, account_id, include, exclude, None),
                             sa.or_(*reachable.values()))
    return dict(zip(reachable, session.execute(query).one()))


def iter_recipients(session, mapping, account_id, include, exclude, channel, batch_size=5000,
                    streams=1):
    """Return a generator of the audience in lists of at most ``batch_size`` :class:`Recipient`.

    The segment ids and the channel are checked at once (:class:`NotFound`,
    :class:`InvalidInput`), so a bad request fails when the stream is asked for, not midway.
    Every answer is a generator, an empty audience included. Rows are read on a connection of
    their own (:mod:`contact_segments.streaming`): memory stays constant, the stream holds no
    lock between batches, and the caller may write and commit its own session between them. A
    stream not read to the end holds its connection until it is closed: close it (``close()``
    or ``contextlib.closing``) when stopping early. On PostgreSQL the account's contact-id range
    is split into ``streams`` parts read at once.
    """
    address, include, exclude = _checked_audience(session, mapping, account_id, include, exclude, channel)
    batch_size = max(1, int(batch_size))
    engine = session.get_bind()
    ranges = []
    if include:
        ranges = [()]
        if engine.dialect.name == "postgresql" and streams > 1:
            ranges = _id_ranges(session, mapping, account_id, streams)
    contact_id = mapping.col("id")
    columns = (contact_id, mapping.col("first_name"), mapping.col("last_name"), address)
    queries = [sa.select(*columns).where(*_audience_clauses(mapping, account_id, include, exclude, address, bounds))
               for bounds in ranges]
    return parallel_batches(engine, queries, batch_size, Recipient, key=contact_id)


def _id_ranges(session, mapping, account_id, parts):
    """Split the account's contact ids into ``parts`` ranges of equal width, as (start, end) pairs
    (``[()]``, no range, when the account has no contacts)."""
    contact_id = mapping.col("id")
    low, high = session.execute(
        sa.select(sa.func.min(contact_id), sa.func.max(contact_id)).where(mapping.in_account(account_id))
    ).one()
    if low is None:
        return [()]
    step = (high - low) // parts + 1
    edges = [low + step * index for index in range(parts)] + [high + 1]
    return list(zip(edges, edges[1:]))


def audience_segments(session, account_id):
    """Return the account's segments as :class:`SegmentSummary`, sorted by name."""
    rows = session.execute(
        sa.select(Segment.id, Segment.name, Segment.member_count)
        .where(Segment.account_id == account_id).order_by(Segment.search_key, Segment.name_key, Segment.id)
    )
    return [SegmentSummary(*row) for row in rows]


def contact_segments(session, mapping, account_id, contact_id):
    """Return the segments contact ``contact_id`` of the account belongs to, sorted by name."""
    if not is_valid_id(contact_id):
        return []
    rows = session.execute(
        sa.select(Segment.id, Segment.name, Segment.member_count)
        .join(Membership, Membership.segment_id == Segment.id)
        .where(Segment.account_id == account_id, Membership.contact_id == int(contact_id))
        .order_by(Segment.search_key, Segment.name_key)
    )
    return [SegmentSummary(*row) for row in rows]


def segments_of_contacts(session, account_id, contact_ids):
    """Return ``{contact_id: [SegmentSummary, ...]}`` for ``contact_ids`` of the account (each
    list sorted by name, empty for a contact in no segment), read in one query."""
    found = {contact_id: [] for contact_id in contact_ids}
    if found:
        rows = session.execute(
            sa.select(Membership.contact_id, Segment.id, Segment.name, Segment.member_count)
            .join(Segment, Membership.segment_id == Segment.id)
            .where(Segment.account_id == account_id, Membership.contact_id.in_(list(found)))
            .order_by(Segment.search_key, Segment.name_key)
        )
        for contact_id, *summary in rows:
            found[contact_id].append(SegmentSummary(*summary))
    return found
