"""Streaming a large SELECT in batches, in constant memory, over one or several connections.

On PostgreSQL each query runs on a connection of its own, in a transaction tuned for one large
ordered read (no JIT, no parallel workers, merge joins instead of hash tables), and its rows are
streamed in chunks (libpq's chunked mode, or single-row mode before libpq 17): the server keeps
producing rows while Python converts the previous chunk, and TCP flow control keeps memory
constant. The garbage collector is paused while a batch is built
(:mod:`contact_segments.collector`). Several queries (for example the same audience split into
contact-id ranges) may be read at once by one thread each; their batches are yielded as they
arrive (in no particular order) through a small bounded queue.
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


def _dbapi_rows(raw, sql, params, batch_size, make_row):
    """Read the rows of ``sql`` with ``fetchmany`` on a plain DBAPI cursor (SQLite)."""
    cursor = raw.cursor()
    try:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(batch_size):
            yield list(map(make_row, rows))
    finally:
        cursor.close()


def cursor_batches(engine, query, batch_size, row_type=tuple):
    """Yield the rows of ``query`` as lists of ``row_type`` (a tuple subclass such as a
    NamedTuple), ``batch_size`` rows at a time, from a connection of its own."""
    sql, params = _compiled(engine, query)
    make_row = partial(tuple.__new__, row_type)
    read = _postgresql_rows if engine.dialect.name == "postgresql" else _dbapi_rows
    raw = engine.raw_connection()
    batches = read(raw, sql, params, batch_size, make_row)
    try:
        while True:
            with collector_paused():  # building a batch is where the objects are made
                batch = next(batches, None)
            if batch is None:
                return
            yield batch
    finally:
        batches.close()  # its cursor first (on PostgreSQL this cancels an unfinished query)
        raw.rollback()
        raw.close()


def _put(out, stop, item):
    """Put ``item`` on the queue unless the consumer has stopped; return whether it was put."""
    while not stop.is_set():
        try:
            out.put(item, timeout=0.1)
            return True
        except queue.Full:
            continue
    return False


def parallel_batches(engine, queries, batch_size, row_type=tuple, max_waiting=4):
    """Yield the batches of every query of ``queries``, read at once by one thread each.

    At most ``max_waiting`` batches wait in memory. An error in any query is raised to the
    consumer; closing the generator early stops every thread and releases its connection.
    """
    if len(queries) == 1:
        yield from cursor_batches(engine, queries[0], batch_size, row_type)
        return
    out = queue.Queue(maxsize=max_waiting)
    stop = threading.Event()

    def pump(query):
        try:
            batches = cursor_batches(engine, query, batch_size, row_type)
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
