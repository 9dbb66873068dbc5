"""The app the worker and CLI subprocesses of the import tests run: the demo host, configured by
the JSON in ``SEGMENTS_TEST_APP_CONFIG`` (database URL, Redis, queue, batch sizes). Its
``SLOW_BATCH_SECONDS``, if any, is no setting of the plugin: it pauses the process after each
import batch (see :mod:`slow_batches`)."""

import json
import os

from contact_segments.demo import create_app as create_demo_app
from slow_batches import slow_batches


def create_app():
    """Build the demo host with the test's configuration."""
    config = json.loads(os.environ["SEGMENTS_TEST_APP_CONFIG"])
    pause = config.pop("SLOW_BATCH_SECONDS", 0)
    if pause:
        slow_batches(pause)
    return create_demo_app({"DEMO_SEED": False, "TESTING": True, **config})
