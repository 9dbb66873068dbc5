"""Small SQL helpers that differ by database dialect (PostgreSQL, SQLite)."""

import contextlib

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite


def insert_ignoring_duplicates(session, table):
    """Return an INSERT into ``table`` that skips rows clashing with a unique constraint."""
    module = postgresql if dialect_name(session) == "postgresql" else sqlite
    return module.insert(table).on_conflict_do_nothing()


def dialect_name(session):
    """Return the name of the database dialect behind ``session`` ("postgresql", "sqlite")."""
    return session.get_bind().dialect.name


def insert_adding_on_conflict(session, table, key_columns, added_columns):
    """Return an INSERT into ``table`` that, when a row with the same ``key_columns`` exists,
    adds the new row's ``added_columns`` to it instead (a running total)."""
    module = postgresql if dialect_name(session) == "postgresql" else sqlite
    insert = module.insert(table)
    return insert.on_conflict_do_update(
        index_elements=list(key_columns),
        set_={name: table.c[name] + insert.excluded[name] for name in added_columns},
    )


def one_of(session, column, ids):
    """A WHERE clause "``column`` is one of the integer ``ids``" that stays one short statement
    however many ids there are: on PostgreSQL ``column = ANY('{1,2,...}'::bigint[])`` (a constant,
    which PostgreSQL checks with a hash table), on SQLite ``column IN (...)`` (keep ``ids`` under
    its limit of bound parameters, 32,766)."""
    ids = sorted({int(value) for value in ids})
    if dialect_name(session) != "postgresql":
        return column.in_(ids)
    return column == sa.any_(constant_int_array(ids, column.type))


def constant_int_array(values, type_):
    """The integers ``values`` as a PostgreSQL array of ``type_`` written into the statement
    (``'{1,2,...}'::bigint[]``): one constant, which PostgreSQL checks with a hash table when it
    filters rows by it (a parameter is searched from its start for every row)."""
    sql_type = type_.compile(dialect=postgresql.dialect())
    return sa.literal_column("'{" + ",".join(map(str, values)) + "}'::" + sql_type + "[]",
                             postgresql.ARRAY(type_))


@contextlib.contextmanager
def without_parallel_workers(session):
    """Run the block's statements without PostgreSQL's parallel workers (in the session's
    transaction, restored after). For a query that stops after a page of rows: starting the
    workers costs more (tens of milliseconds) than the rows it reads."""
    postgres = dialect_name(session) == "postgresql"
    if postgres:
        session.execute(sa.text("SET LOCAL max_parallel_workers_per_gather = 0"))
    yield  # a failure ends the transaction, and the setting with it
    if postgres:
        session.execute(sa.text("SET LOCAL max_parallel_workers_per_gather TO DEFAULT"))
