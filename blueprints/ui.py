"""The segment and import pages (placeholder until the UI lands)."""

from flask import Blueprint


def init_ui(app, state):
    """Register the UI blueprint on ``app``."""
    blueprint = Blueprint("segments", __name__, template_folder="templates", static_folder="static",
                          static_url_path="/static")
    app.register_blueprint(blueprint, url_prefix=app.config["SEGMENTS_URL_PREFIX"])
