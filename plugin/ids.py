"""Checking ids that come from users (forms, JSON, CLI) before they reach SQL."""

from .errors import InvalidInput

MAX_ID = 2**63 - 1  # the largest BIGINT; larger numbers overflow SQLite and PostgreSQL


def parse_ids(values, what):
    """Return the distinct ids in ``values`` as sorted ints.

    Raises :class:`InvalidInput` naming ``what`` (for example "contact") when one is not a whole
    number. Ids out of the database's range are kept out of SQL and returned in the second list.
    Returns ``(ids_in_range, out_of_range)``.
    """
    try:
        ids = {int(value) for value in values or ()}
    except (TypeError, ValueError):
        raise InvalidInput(f"{what.capitalize()} ids must be whole numbers.", field=f"{what}_ids") from None
    in_range = sorted(value for value in ids if 0 < value <= MAX_ID)
    out_of_range = sorted(value for value in ids if not 0 < value <= MAX_ID)
    return in_range, out_of_range


def is_valid_id(value):
    """Return whether ``value`` is an int that can be a row id."""
    return isinstance(value, int) and 0 < value <= MAX_ID
