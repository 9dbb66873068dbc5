"""Running an import in this process, without Redis: to its end (the CLI), or in a background
thread (the web: the request returns at once).

The steps are the RQ jobs' own (:func:`.lead.carry`, holding the import's lease as a process
lead). Each batch is one transaction, so a process stopped mid-import loses at most the batch in
flight; the import then shows as stalled once its lease lapsed and can be resumed.
:func:`wait_for_background_imports` joins the threads (tests, a host shutting down cleanly).
"""

import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import wait as wait_for_futures

from . import lead, lease, lifecycle

log = logging.getLogger(__name__)

_EXECUTOR_KEY = "segments_import_executor"


def run_in_process(state, import_id, force=False):
    """Run every step of an import in this process, to the end (the CLI; tests; the thread),
    holding its lease (``force``: whoever held it)."""
    lead.carry(state, import_id, lease.process_owner(), force=force)


def _run_in_thread(app, import_id, force):
    with app.app_context():
        state = app.extensions["segments"]
        try:
            run_in_process(state, import_id, force)
        except Exception as error:
            # The thread has nobody to raise to: log the traceback and record the failure on the
            # import, where the user sees it.
            log.exception("contact-segments import %s failed", import_id)
            lifecycle.fail(state, import_id, params={"error": type(error).__name__})


class _Background:
    """The in-process imports of one app: one thread (SQLite, the embedded default, allows only
    one writer anyway), and the futures still running, so that they can be joined."""

    def __init__(self):
        self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="segments-import")
        self.pending = set()
        self.lock = threading.Lock()

    def submit(self, function, *args):
        future = self.executor.submit(function, *args)
        with self.lock:
            self.pending.add(future)
        future.add_done_callback(self._forget)

    def _forget(self, future):
        with self.lock:
            self.pending.discard(future)

    def running(self):
        with self.lock:
            return set(self.pending)


def submit_in_background(app, function, *args):
    """Run ``function(app, *args)`` in the app's background thread, after the work already there
    (imports and undos run one at a time)."""
    background = app.extensions.get(_EXECUTOR_KEY)
    if background is None:
        background = app.extensions[_EXECUTOR_KEY] = _Background()
    background.submit(function, app, *args)


def run_in_background(app, import_id, force=False):
    """Run import ``import_id`` of ``app`` in the app's background thread (one import at a time)."""
    submit_in_background(app, _run_in_thread, import_id, force)


def wait_for_background_imports(app, timeout=None):
    """Wait until the in-process imports ``app`` started in background threads have ended.

    Returns True when none is left running, False when ``timeout`` seconds passed first. Call it
    before tearing down the database under an app (tests), or when stopping a host cleanly.
    """
    background = app.extensions.get(_EXECUTOR_KEY)
    if background is None:
        return True
    deadline = None if timeout is None else time.monotonic() + timeout
    while True:
        running = background.running()
        if not running:
            return True
        left = None if deadline is None else deadline - time.monotonic()
        if left is not None and left <= 0:
            return False
        wait_for_futures(running, timeout=left)
