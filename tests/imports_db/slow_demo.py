"""The demo host as test subprocesses (an RQ worker, a CLI import) run it: configured from the
environment the way the demo reads it, with each import batch followed by a pause of
``SLOW_BATCH_SECONDS`` (see :mod:`slow_batches`), so that a test sees the import mid-way."""

import os

from contact_segments.demo import create_app as create_demo_app
from slow_batches import slow_batches


def create_app():
    """Build the demo host, its import batches slowed when ``SLOW_BATCH_SECONDS`` is set."""
    seconds = float(os.environ.get("SLOW_BATCH_SECONDS") or 0)
    if seconds:
        slow_batches(seconds)
    return create_demo_app()
