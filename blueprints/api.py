"""The JSON API (placeholder until the API lands)."""


def init_api(app, state):
    """Register the JSON API on ``app``."""
