"""The JSON endpoints of the pages, in the JSON API's OpenAPI document.

The pages' script polls ``notifications.json`` (under ``SEGMENTS_URL_PREFIX``, not the API
prefix); a host that shows the plugin's notifications in its own front end reads it too, so its
answer is documented next to the API's, tagged ``pages``.
"""

from . import schemas


def document_page_endpoints(api, app):
    """Add the pages' JSON endpoints mounted on ``app`` to ``api``'s OpenAPI document (none
    when the host did not mount the pages)."""
    rule = next(app.url_map.iter_rules("segments.notifications_json"), None) \
        if "segments.notifications_json" in app.view_functions else None
    if rule is None:
        return
    api.spec.path(rule=rule, operations={"get": {
        "tags": ["pages"],
        "summary": "The signed-in user's unread notifications (what the pages show top-right)",
        "description": "The newest unread notifications of the user, oldest first (at most 5), "
                       "newer than ``after`` when given. Dismiss one with ``POST`` to its "
                       "``read_url`` (CSRF token required; an ``Accept: application/json`` "
                       "request answers ``{\"ok\": true}``, a form is redirected back).",
        "parameters": [{"name": "after", "in": "query", "required": False,
                        "schema": {"type": "integer"},
                        "description": "Only notifications with a greater id."}],
        "responses": {"200": {"description": "OK", "content": {
            "application/json": {"schema": schemas.NotificationListSchema}}}},
    }})
