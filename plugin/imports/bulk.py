"""Bulk statements for the import engine: thousands of rows in one statement, fast on both
databases.

On PostgreSQL the rows travel as one array per column (``INSERT ... SELECT FROM unnest(...)``,
``UPDATE ... FROM unnest(...)``), so each statement is compiled once and cached, whatever the
number of rows, and rows without a ``RETURNING`` go through ``COPY``. On SQLite (in-process, no
network) they are plain ``executemany`` calls. Rows are dicts keyed by column key.
"""

import json

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from ..sql import dialect_name, insert_ignoring_duplicates


def _unnest(table, columns, rows):
    """A ``FROM unnest(array, array, ...) AS v(c0, c1, ...)`` of ``rows``' values."""
    arrays = [
        sa.bindparam(f"v{i}", [row[column] for row in rows],
                     type_=postgresql.ARRAY(table.c[column].type))
        for i, column in enumerate(columns)
    ]
    names = [f"c{i}" for i in range(len(columns))]
    return sa.func.unnest(*arrays).table_valued(*names).render_derived(name="v")


def insert_returning(session, table, columns, rows, returning):
    """Insert ``rows`` into ``table``, skipping those that clash with a unique index; return the
    ``returning`` columns of the rows inserted (in no particular order)."""
    if not rows:
        return []
    if dialect_name(session) == "postgresql":
        values = _unnest(table, columns, rows)
        statement = (postgresql.insert(table)
                     .from_select(columns, sa.select(*values.c))
                     .on_conflict_do_nothing().returning(*returning))
        return session.execute(statement).all()
    statement = insert_ignoring_duplicates(session, table).returning(*returning)
    return session.execute(statement, rows).all()


def insert_rows(session, table, columns, rows):
    """Insert ``rows`` into ``table`` (``COPY`` on PostgreSQL); a duplicate key is an error."""
    if not rows:
        return
    if dialect_name(session) != "postgresql":
        session.execute(sa.insert(table), rows)
        return
    json_columns = {column for column in columns if isinstance(table.c[column].type, sa.JSON)}
    names = ", ".join(f'"{table.c[column].name}"' for column in columns)
    raw = session.connection().connection.driver_connection
    with raw.cursor() as cursor:
        with cursor.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:
            for row in rows:
                copy.write_row(tuple(
                    json.dumps(row[column]) if column in json_columns and row[column] is not None
                    else row[column]
                    for column in columns
                ))


def update_by_key(session, table, key_column, columns, rows, where=()):
    """Set ``columns`` of the rows of ``table`` whose ``key_column`` equals each row's value of
    it (extra ``where`` clauses scope the update)."""
    if not rows:
        return
    if dialect_name(session) == "postgresql":
        values = _unnest(table, [key_column, *columns], rows)
        session.execute(
            sa.update(table).where(table.c[key_column] == values.c.c0, *where)
            .values({column: values.c[f"c{i + 1}"] for i, column in enumerate(columns)})
        )
        return
    statement = (sa.update(table).where(table.c[key_column] == sa.bindparam("b_key"), *where)
                 .values({column: sa.bindparam(f"b_{column}") for column in columns}))
    session.execute(statement, [
        {"b_key": row[key_column], **{f"b_{column}": row[column] for column in columns}}
        for row in rows
    ])


def is_in(session, column, values):
    """``column IN (values)``: on PostgreSQL ``column = ANY(array)``, one cached statement
    whatever the number of values."""
    values = list(values)
    if dialect_name(session) == "postgresql":
        return column == sa.any_(sa.bindparam(None, values, type_=postgresql.ARRAY(column.type)))
    return column.in_(values)


def select_matching(session, query, column, values):
    """Return ``query`` limited to rows whose ``column`` is one of ``values``.

    On PostgreSQL each value is looked up on its own through a ``LATERAL`` subquery over
    ``unnest(array)`` (``OFFSET 0`` keeps the planner from flattening it). So the lookup goes
    through the index on ``column`` even when the table's statistics are stale, as they are
    while an import fills a new account: a plain ``= ANY(array)`` then risks a scan of the whole
    account per batch, and an import that slows down as it goes.
    """
    values = list(values)
    if dialect_name(session) != "postgresql":
        return query.where(column.in_(values))
    keys = sa.func.unnest(sa.bindparam(None, values, type_=postgresql.ARRAY(column.type))) \
        .table_valued("v").render_derived(name="k")
    matched = query.where(column == keys.c.v).offset(0).lateral("matched")
    return sa.select(*matched.c).select_from(keys).join(matched, sa.true())
