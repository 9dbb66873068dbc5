"""Streaming a large SELECT in batches, in constant memory, over one or several connections.

On PostgreSQL each query runs on a server-side cursor of a connection of its own, in a
transaction that skips JIT compilation and may hash in memory. Several queries (for example the
same audience split into contact-id ranges) are read at once by one thread each, so that the
database works on one range while Python converts the rows of another; their batches are
yielded as they arrive (in no particular order) through a small bounded queue.
"""

import queue
import threading

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


def cursor_batches(engine, query, batch_size, convert):
    """Yield the rows of ``query`` as lists of ``convert(row)``, ``batch_size`` rows at a time."""
    sql, params = _compiled(engine, query)
    raw = engine.raw_connection()
    try:
        if engine.dialect.name == "postgresql":
            tuning = raw.cursor()
            # For this transaction only: hash in memory, no JIT, no parallel workers (the
            # caller's own streams are the parallelism).
            for setting in ("work_mem = '64MB'", "jit = off", "max_parallel_workers_per_gather = 0"):
                tuning.execute(f"SET LOCAL {setting}")
            tuning.close()
            cursor = raw.driver_connection.cursor(name="segments_stream", binary=True)
        else:
            cursor = raw.cursor()
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(batch_size):
            yield list(map(convert, rows))
        cursor.close()
    finally:
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


def parallel_batches(engine, queries, batch_size, convert, max_waiting=4):
    """Yield the batches of every query of ``queries``, read at once by one thread each.

    At most ``max_waiting`` batches wait in memory. An error in any query is raised to the
    consumer; closing the generator early stops every thread and releases its connection.
    """
    if len(queries) == 1:
        yield from cursor_batches(engine, queries[0], batch_size, convert)
        return
    out = queue.Queue(maxsize=max_waiting)
    stop = threading.Event()

    def pump(query):
        try:
            batches = cursor_batches(engine, query, batch_size, convert)
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
