"""The plugin's web UI (server-rendered pages) and JSON API, mounted inside the host app."""


def register_blueprints(app, state):
    """Mount the UI under ``SEGMENTS_URL_PREFIX`` and the API under ``SEGMENTS_API_URL_PREFIX``."""
    from .api import init_api
    from .ui import init_ui

    init_ui(app, state)
    init_api(app, state)
