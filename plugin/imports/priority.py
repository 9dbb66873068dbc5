"""Running an import's reading and validation below the CPU priority of the batch that applies it.

An import has one serial chain: the driver applies the validated parts batch after batch,
alternating between its Python and its PostgreSQL backend (see README "Where a benchmark run's
time goes"). Every other step (cutting the file into parts, validating them) can run anywhere,
any time before the driver needs the part. When those steps compete with the driver for the
same cores at the same priority, every batch waits for CPU a little, and the whole import is as
slow as its most delayed chain. Run at a higher *nice* value, they get every cycle the driver
leaves, and the driver never waits for them.

On Linux the nice value belongs to a thread, so :func:`call_below_priority` runs the step in a
short-lived thread whose nice value it raises; the calling thread (which goes on to drive) keeps
its priority, and no privilege is needed (raising a nice value always is allowed). Elsewhere, or
with ``niceness`` 0, the step runs in the calling thread as it is.
"""

import contextvars
import os
import sys
import threading

#: The highest nice value (the lowest priority) Linux has.
MAX_NICE = 19


def _raise_nice_value(niceness):
    """Raise the calling thread's nice value by ``niceness`` (up to :data:`MAX_NICE`)."""
    thread_id = threading.get_native_id()
    try:
        current = os.getpriority(os.PRIO_PROCESS, thread_id)
        os.setpriority(os.PRIO_PROCESS, thread_id, min(MAX_NICE, current + niceness))
    except OSError:
        pass  # not allowed here (a sandbox): the step runs at the usual priority


def call_below_priority(niceness, function, *args):
    """Call ``function(*args)`` with the CPU priority lowered by ``niceness`` and return its result.

    The call runs in a new thread holding a copy of the caller's context (so the Flask app
    context, the database session and the current RQ job go with it) while the caller waits;
    an exception it raises is raised here. ``niceness`` 0 (or not on Linux): a plain call.
    """
    if niceness <= 0 or not sys.platform.startswith("linux"):
        return function(*args)
    context = contextvars.copy_context()
    outcome = {}

    def run():
        _raise_nice_value(niceness)
        try:
            outcome["result"] = context.run(function, *args)
        except BaseException as error:  # handed to the caller, which raises it
            outcome["error"] = error

    thread = threading.Thread(target=run, name="segments-below-priority", daemon=True)
    thread.start()
    thread.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome["result"]
