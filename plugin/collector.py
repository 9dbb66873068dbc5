"""Pausing Python's cyclic garbage collector around bulk work.

Building hundreds of thousands of small objects (recipient rows, import rows) sets off
collections of the whole heap again and again: the host app, SQLAlchemy and everything else
loaded are traversed each time, which costs more CPU than the work itself. Reference counting
frees those objects anyway, so the bulk paths pause the collector while they build a batch.

The pause is process-wide, so it is counted: several threads may pause at once, and the
collector comes back (if it was enabled before the first pause) when the last one is done.
"""

import contextlib
import gc
import threading

_lock = threading.Lock()
_pauses = 0
_was_enabled = False


@contextlib.contextmanager
def collector_paused():
    """Run the block with automatic garbage collection off (thread-safe, nestable)."""
    global _pauses, _was_enabled
    with _lock:
        if _pauses == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _pauses += 1
    try:
        yield
    finally:
        with _lock:
            _pauses -= 1
            if _pauses == 0 and _was_enabled:
                gc.enable()
