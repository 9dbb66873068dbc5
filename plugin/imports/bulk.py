"""Bulk statements for the import engine: thousands of rows per statement, fast on both databases.

Rows are tuples of values in the order of the ``columns`` given; ``constants`` (column key ->
value) are values shared by every row (an account id, a time stamp), sent once.

On PostgreSQL the rows travel with ``COPY ... FROM STDIN`` (its text built a column at a time by
:mod:`~contact_segments.imports.copy_text`), either
straight into their table (:func:`insert_rows`) or into a session-private staging table (a
``TEMP`` table, emptied before each use) that one set-based statement then reads:
``INSERT ... SELECT ... ON CONFLICT DO NOTHING RETURNING``, ``UPDATE ... FROM``, ``DELETE ...
USING``, or a ``LATERAL`` look-up. So a batch costs a few round trips whatever its size, and no
statement carries thousands of bound values. On SQLite (in-process, no network) they are plain
``executemany`` calls and ``IN`` lists.
"""

import hashlib
import json

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.schema import CreateTable

from ..sql import constant_int_array, dialect_name, insert_ignoring_duplicates
from .copy_text import copy_text

#: Rows formatted into one piece of ``COPY`` text at a time (bounds its memory).
COPY_CHUNK = 10000
#: Values per ``IN`` list / ``executemany`` chunk on SQLite (under its bound-parameter limit).
SQLITE_CHUNK = 500

_stages = {}  # column spec -> (sa.Table, DDL text) of a staging table
_sequences = {}  # (database URL, table, column) -> name of the column's sequence, or None


class DuplicateKey(Exception):
    """A row given to :func:`insert_new` clashes with a unique index: the transaction is lost."""


def _is_postgres(session):
    return dialect_name(session) == "postgresql"


def _cursor(session):
    """A cursor of the DBAPI (psycopg) connection of ``session``'s current transaction."""
    return session.connection().connection.driver_connection.cursor()


def _quote(session, name):
    return session.get_bind().dialect.identifier_preparer.quote(name)


def _copy(session, table_sql, names, rows, suffix=()):
    """``COPY table_sql (names) FROM STDIN`` the ``rows`` (each followed by the ``suffix`` values).

    The text is built :data:`COPY_CHUNK` rows at a time by :func:`copy_text.copy_text`; rows it
    cannot format go through psycopg's ``write_row``.
    """
    column_list = ", ".join(_quote(session, name) for name in names)
    suffix = tuple(suffix)
    with _cursor(session) as cursor:
        with cursor.copy(f"COPY {table_sql} ({column_list}) FROM STDIN") as copy:
            for start in range(0, len(rows), COPY_CHUNK):
                chunk = rows[start:start + COPY_CHUNK]
                text = copy_text(chunk, suffix)
                if text is not None:
                    copy.write(text)
                    continue
                for row in chunk:
                    copy.write_row((*row, *suffix))


def _stage(session, columns, rows):
    """Fill a staging table of ``columns`` (``(name, SQL type)`` pairs) with ``rows``; return it.

    One ``TEMP`` table per column spec and database session, created on first use (it lives as
    long as the connection) and emptied before each use.
    """
    dialect = session.get_bind().dialect
    spec = tuple((name, type_.compile(dialect=dialect)) for name, type_ in columns)
    if spec not in _stages:
        digest = hashlib.sha1(repr(spec).encode()).hexdigest()[:12]
        table = sa.Table(f"segments_stage_{digest}", sa.MetaData(),
                         *(sa.Column(name, type_) for name, type_ in columns), prefixes=["TEMPORARY"])
        ddl = str(CreateTable(table, if_not_exists=True).compile(dialect=dialect)).strip()
        _stages[spec] = (table, f"{ddl}; TRUNCATE {_quote(session, table.name)}")
    table, prepare = _stages[spec]
    with _cursor(session) as cursor:
        cursor.execute(prepare)  # one round trip; no parameters, so both statements run
    _copy(session, _quote(session, table.name), [name for name, _ in columns], rows)
    return table


def _target_columns(table, columns):
    return [(column, table.c[column].type) for column in columns]


def _constant_params(table, constants):
    return [sa.bindparam(f"k_{key}", value, type_=table.c[key].type) for key, value in constants.items()]


def _dicts(columns, rows, constants):
    return [{**dict(zip(columns, row)), **constants} for row in rows]


def insert_returning(session, table, columns, rows, returning, constants=None):
    """Insert ``rows`` into ``table``, skipping those that clash with a unique index; return the
    ``returning`` columns of the rows inserted (in no particular order)."""
    if not rows:
        return []
    constants = constants or {}
    if _is_postgres(session):
        stage = _stage(session, _target_columns(table, columns), rows)
        statement = (postgresql.insert(table)
                     .from_select([*constants, *columns],
                                  sa.select(*_constant_params(table, constants), *stage.c))
                     .on_conflict_do_nothing().returning(*returning))
        return session.execute(statement).all()
    statement = insert_ignoring_duplicates(session, table).returning(*returning)
    return session.execute(statement, _dicts(columns, rows, constants)).all()


def _python_defaults(table, given):
    """Values of ``table``'s Python-side column defaults for the columns not ``given``, or
    ``None`` when one of them cannot be worked out without SQLAlchemy's INSERT."""
    values = {}
    for column in table.columns:
        default = column.default
        if column.key in given or default is None or column.server_default is not None:
            continue
        if default.is_scalar:
            values[column.key] = default.arg
        elif default.is_callable and not column.primary_key:
            if default.arg is getattr(default, "_fn", default.arg):
                return None  # the function wants SQLAlchemy's execution context
            values[column.key] = default.arg(None)  # a function of no argument, wrapped
        elif not column.primary_key:
            return None
    return values


def _id_sequence(session, table, id_column):
    key = (str(session.get_bind().engine.url), table.fullname, id_column)
    if key not in _sequences:
        _sequences[key] = session.execute(sa.select(sa.func.pg_get_serial_sequence(
            session.get_bind().dialect.identifier_preparer.format_table(table), table.c[id_column].name))
        ).scalar_one()
    return _sequences[key]


def insert_new(session, table, id_column, columns, rows, constants=None):
    """Insert ``rows``, which no other row should clash with, and return their ids in row order,
    or ``None`` when this table needs :func:`insert_returning` instead.

    On PostgreSQL, for a table whose ids come from a sequence (serial or identity column) and
    whose Python-side defaults are plain values or functions: ids are drawn from the sequence and
    the rows go straight into the table with ``COPY``, without the cost of ``ON CONFLICT``. A row
    that clashes with a unique index (a contact someone else created meanwhile) raises
    :class:`DuplicateKey`; the transaction is then lost (roll it back and run the batch again).
    """
    if not rows:
        return []
    if not _is_postgres(session):
        return None
    constants = dict(constants or {})
    defaults = _python_defaults(table, {id_column, *columns, *constants})
    sequence = _id_sequence(session, table, id_column) if defaults is not None else None
    if sequence is None:
        return None
    constants.update(defaults)
    ids = session.execute(sa.select(sa.func.nextval(sequence)).select_from(
        sa.func.generate_series(1, len(rows)))).scalars().all()
    try:
        insert_rows(session, table, [id_column, *columns],
                    [(contact_id, *row) for contact_id, row in zip(ids, rows)], constants)
    except Exception as error:
        if getattr(error, "sqlstate", None) == "23505":  # unique_violation
            raise DuplicateKey(str(error)) from error
        raise
    return ids


def insert_rows(session, table, columns, rows, constants=None):
    """Insert ``rows`` into ``table`` (``COPY`` on PostgreSQL); a duplicate key is an error.

    Values of JSON columns are Python objects (``None`` is SQL ``NULL``).
    """
    if not rows:
        return
    constants = constants or {}
    if not _is_postgres(session):
        session.execute(sa.insert(table), _dicts(columns, rows, constants))
        return
    json_positions = [i for i, column in enumerate(columns) if isinstance(table.c[column].type, sa.JSON)]
    if json_positions:
        rows = [list(row) for row in rows]
        for row in rows:
            for i in json_positions:
                if row[i] is not None:
                    row[i] = json.dumps(row[i])
    preparer = session.get_bind().dialect.identifier_preparer
    _copy(session, preparer.format_table(table), [table.c[c].name for c in (*columns, *constants)],
          rows, suffix=constants.values())


def update_by_key(session, table, key_column, columns, rows, constants=None, where=()):
    """Set ``columns`` (and ``constants``) of the rows of ``table`` whose ``key_column`` equals
    each row's first value; each row is ``(key, *values of columns)``. Extra ``where`` clauses
    scope the update."""
    if not rows:
        return
    constants = constants or {}
    if _is_postgres(session):
        stage = _stage(session, _target_columns(table, [key_column, *columns]), rows)
        values = {column: stage.c[column] for column in columns}
        values.update({key: param for key, param in zip(constants, _constant_params(table, constants))})
        # The keys again as an array: the planner then reads exactly those rows through the
        # key's index, whatever it believes of the ``where`` clauses (its statistics are stale
        # while an import fills an account, and it would read the whole account per batch).
        key = table.c[key_column]
        keys = _key_array([row[0] for row in rows], key.type)
        session.execute(sa.update(table).where(key == stage.c[key_column], key == sa.any_(keys), *where)
                        .values(values))
        return
    statement = (sa.update(table).where(table.c[key_column] == sa.bindparam("b_key"), *where)
                 .values({column: sa.bindparam(f"b_{column}") for column in [*columns, *constants]}))
    session.execute(statement, [
        {"b_key": row[0], **{f"b_{column}": value for column, value in zip(columns, row[1:])},
         **{f"b_{key}": value for key, value in constants.items()}}
        for row in rows
    ])


def delete_pairs(session, table, group_column, member_column, pairs, returning=()):
    """Delete the rows of ``table`` whose (``group_column``, ``member_column``) is one of
    ``pairs``; return the deleted rows as tuples (group value, member value, then the values of
    the ``returning`` column names)."""
    if not pairs:
        return []
    group, member = table.c[group_column], table.c[member_column]
    columns = (group, member, *(table.c[name] for name in returning))
    if _is_postgres(session):
        stage = _stage(session, _target_columns(table, [group_column, member_column]), pairs)
        members = _key_array(sorted({pair[1] for pair in pairs}), member.type)
        return [tuple(row) for row in session.execute(
            sa.delete(table).where(group == stage.c[group_column], member == stage.c[member_column],
                                   member == sa.any_(members))  # see update_by_key
            .returning(*columns))]
    members = {}
    for group_value, member_value in pairs:
        members.setdefault(group_value, []).append(member_value)
    deleted = []
    for group_value, values in members.items():
        for start in range(0, len(values), SQLITE_CHUNK):
            deleted += [tuple(row) for row in session.execute(
                sa.delete(table).where(group == group_value, member.in_(values[start:start + SQLITE_CHUNK]))
                .returning(*columns).execution_options(synchronize_session=False))]
    return deleted


def _array_literal(values):
    """``values`` (strings or integers) written as one PostgreSQL array literal: a single text
    parameter, instead of psycopg adapting a list value by value."""
    if all(isinstance(value, int) for value in values):
        return "{" + ",".join(map(str, values)) + "}"
    plain = "".join(values)
    if "\\" not in plain and '"' not in plain:  # nothing to escape: all in C
        return '{"' + '","'.join(values) + '"}'
    return "{" + ",".join(
        '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"' for value in values) + "}"


def _array_param(name, values, type_):
    """A bound parameter holding ``values`` as a PostgreSQL array of ``type_`` (one text value)."""
    return sa.cast(sa.bindparam(name, _array_literal(values), type_=sa.Text), postgresql.ARRAY(type_))


def _key_array(values, type_):
    """``values`` as a PostgreSQL array for ``column = ANY(array)``: integers (ids) as a constant
    written into the statement, other values as :func:`_array_param`.

    A constant array is what PostgreSQL checks with a hash table when it filters rows by it. A
    parameter, even a cast one, is searched from its start for every row: when stale statistics
    make the planner read a whole account (tens of thousands of contacts) and filter it by 5,000
    ids, that is 10^8 comparisons, and a batch of seconds to minutes instead of milliseconds.
    """
    if all(type(value) is int for value in values):
        return constant_int_array(values, type_)
    return _array_param("keys", values, type_)


def fetch_matching(session, query, column, values):
    """Return the rows of ``query`` whose ``column`` is one of ``values`` (a list).

    On PostgreSQL each value is looked up on its own through a ``LATERAL`` subquery over
    ``unnest(array)`` (``OFFSET 0`` keeps the planner from flattening it). So the look-up goes
    through the index on ``column`` even when the table's statistics are stale, as they are
    while an import fills a new account: a plain join or ``= ANY(array)`` then risks a scan of
    the whole account per batch, and an import that slows down as it goes. The array travels as
    one text parameter.
    """
    if not values:
        return []
    if _is_postgres(session):
        array = _array_param("values", values, column.type)
        keys = sa.func.unnest(array).table_valued("v").render_derived(name="k")
        matched = query.where(column == keys.c.v).offset(0).lateral("matched")
        return session.execute(sa.select(*matched.c).select_from(keys).join(matched, sa.true())).all()
    found = []
    for start in range(0, len(values), SQLITE_CHUNK):
        found += session.execute(query.where(column.in_(values[start:start + SQLITE_CHUNK]))).all()
    return found
