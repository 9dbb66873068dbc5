"""Streaming a large SELECT in batches, in constant memory, over one or several connections.

On PostgreSQL each query runs on a connection of its own, in a transaction tuned for one large
ordered read (no JIT, no parallel workers, merge joins instead of hash tables), and its rows are
streamed in chunks (libpq's chunked mode, or single-row mode before libpq 17): the server keeps
producing rows while Python converts the previous chunk, and TCP flow control keeps memory
constant. A reader on PostgreSQL takes no lock that a writer waits for, so the consumer's own
session may write and commit between batches.

On SQLite an unfinished SELECT keeps a shared lock on the whole database file, and in SQLite's
default journal mode a writer cannot commit until every such lock is gone. So there each batch
is a query of its own, read to the end (keyset pages: ``key > last key ORDER BY key LIMIT
batch_size``): between two batches the stream holds no lock and no transaction, in any journal
mode, and the consumer's commits never wait for it.

The garbage collector is paused while a batch is built (:mod:`contact_segments.collector`).
Several queries (for example the same audience split into contact-id ranges) may be read at once
by one thread each; their batches are yielded as they arrive (in no particular order) through a
small bounded queue.

Every stream is a generator holding a pooled connection until it ends: a consumer that stops
early closes it (``close()``, or ``contextlib.closing``), which gives the connection back at once
(on PostgreSQL it also cancels the query).
"""

import queue
import threading
from functools import partial
from itertools import islice

from .collector import collector_paused

_DONE = object()


class _Failure:
    def __init__(self, error):
        self.error = error


def _compiled(engine, query):
    compiled = query.compile(dialect=engine.dialect, compile_kwargs={"render_postcompile": True})
    params = compiled.params
    if compiled.positional:
        params = tuple(params[name] for name in compiled.positiontup)
    return str(compiled), params


# For the streaming transaction only: sort-and-merge over the indexes instead of building hash
# tables of whole segments (three times faster for segments of hundreds of thousands of
# members; nested loops stay available for small ones), no JIT compilation, and no parallel
# workers (the caller's own streams are the parallelism).
POSTGRESQL_STREAM_SETTINGS = (
    "work_mem = '64MB'", "jit = off", "max_parallel_workers_per_gather = 0", "enable_hashjoin = off",
)


def _postgresql_rows(raw, sql, params, batch_size, make_row):
    """Stream the rows of ``sql`` over the psycopg connection ``raw``, ``batch_size`` at a time."""
    import psycopg

    tuning = raw.cursor()
    for setting in POSTGRESQL_STREAM_SETTINGS:
        tuning.execute(f"SET LOCAL {setting}")
    tuning.close()
    chunk = batch_size if psycopg.pq.version() >= 170000 else 1
    cursor = raw.driver_connection.cursor(binary=True, row_factory=lambda _cursor: make_row)
    rows = cursor.stream(sql, params, size=chunk)
    try:
        while batch := list(islice(rows, batch_size)):
            yield batch
    finally:
        rows.close()  # cancels the query when the consumer stops early
        cursor.close()


def _postgresql_batches(engine, query, batch_size, make_row):
    """Stream the rows of ``query`` in one statement on a connection of its own (PostgreSQL)."""
    sql, params = _compiled(engine, query)
    raw = engine.raw_connection()
    try:
        yield from _postgresql_rows(raw, sql, params, batch_size, make_row)
    finally:
        raw.rollback()
        raw.close()


def _keyset_batches(engine, query, key, batch_size, make_row):
    """Read ``query`` in pages ordered by ``key`` (its first column), each page one statement
    read to the end and its transaction ended, so no lock is held between pages (SQLite)."""
    raw = engine.raw_connection()
    try:
        last = None
        while True:
            page = query.order_by(key).limit(batch_size)
            if last is not None:
                page = page.where(key > last)
            sql, params = _compiled(engine, page)
            cursor = raw.cursor()
            try:
                cursor.execute(sql, params)
                rows = cursor.fetchall()
            finally:
                cursor.close()
                raw.rollback()  # ends a read transaction the driver may have opened
            if rows:
                yield list(map(make_row, rows))
            if len(rows) < batch_size:
                return
            last = rows[-1][0]
    finally:
        raw.close()


def cursor_batches(engine, query, batch_size, row_type=tuple, *, key):
    """Yield the rows of ``query`` as lists of ``row_type`` (a tuple subclass such as a
    NamedTuple), ``batch_size`` rows at a time, from a connection of its own.

    ``key`` is the query's first column, unique per row: SQLite reads the rows in pages ordered
    by it (PostgreSQL streams them in one statement, in no particular order).
    """
    make_row = partial(tuple.__new__, row_type)
    if engine.dialect.name == "postgresql":
        batches = _postgresql_batches(engine, query, batch_size, make_row)
    else:
        batches = _keyset_batches(engine, query, key, batch_size, make_row)
    try:
        while True:
            with collector_paused():  # building a batch is where the objects are made
                batch = next(batches, None)
            if batch is None:
                return
            yield batch
    finally:
        batches.close()  # its cursor and connection (on PostgreSQL this cancels an unfinished query)


def _put(out, stop, item):
    """Put ``item`` on the queue unless the consumer has stopped; return whether it was put."""
    while not stop.is_set():
        try:
            out.put(item, timeout=0.1)
            return True
        except queue.Full:
            continue
    return False


def parallel_batches(engine, queries, batch_size, row_type=tuple, max_waiting=4, *, key):
    """Yield the batches of every query of ``queries``, read at once by one thread each.

    ``key`` is as for :func:`cursor_batches`. At most ``max_waiting`` batches wait in memory.
    An error in any query is raised to the consumer; closing the generator early stops every
    thread and releases its connection. With no query it yields nothing.
    """
    if len(queries) <= 1:
        for query in queries:
            yield from cursor_batches(engine, query, batch_size, row_type, key=key)
        return
    out = queue.Queue(maxsize=max_waiting)
    stop = threading.Event()

    def pump(query):
        try:
            batches = cursor_batches(engine, query, batch_size, row_type, key=key)
            try:
                for batch in batches:
                    if not _put(out, stop, batch):
                        return
            finally:
                batches.close()
        except Exception as error:  # handed to the consumer, which raises it
            _put(out, stop, _Failure(error))
        finally:
            _put(out, stop, _DONE)

    threads = [threading.Thread(target=pump, args=(query,), daemon=True) for query in queries]
    for thread in threads:
        thread.start()
    try:
        finished = 0
        while finished < len(threads):
            item = out.get()
            if item is _DONE:
                finished += 1
            elif isinstance(item, _Failure):
                raise item.error
            else:
                yield item
    finally:
        stop.set()
        for thread in threads:
            while thread.is_alive():
                try:
                    out.get_nowait()
                except queue.Empty:
                    thread.join(0.05)
