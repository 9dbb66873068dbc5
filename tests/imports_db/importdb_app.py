"""The app the worker and CLI subprocesses of the import tests run: the demo host, configured by
the JSON in ``SEGMENTS_TEST_APP_CONFIG`` (database URL, Redis, queue, batch sizes)."""

import json
import os

from contact_segments.demo import create_app as create_demo_app


def create_app():
    """Build the demo host with the test's configuration."""
    config = json.loads(os.environ["SEGMENTS_TEST_APP_CONFIG"])
    return create_demo_app({"DEMO_SEED": False, "TESTING": True, **config})
