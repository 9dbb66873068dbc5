"""The JSON endpoints of the pages, in the JSON API's OpenAPI document.

The pages' script polls ``notifications.json`` (under ``SEGMENTS_URL_PREFIX``, not the API
prefix) and the audience picker's script asks ``audience/count.json``; a host's own front end may
read them too, so their answers are documented next to the API's, tagged ``pages``.
"""

from . import schemas


PER_CHANNEL = {"type": "object", "properties": {"sms": {"type": "integer"}, "email": {"type": "integer"}}}
AUDIENCE_COUNT = {"get": {
    "tags": ["pages"],
    "summary": "The audience picker's recipients per channel",
    "description": "Contacts in any ``include`` and no ``exclude`` segment of the signed-in user's "
                   "account, reachable by SMS and by email (``segments_count_recipients``), and the "
                   "same numbers ``written`` in the page's language. All 0 while nothing is included. "
                   "An id that is not a whole number (or more than 100 ids) answers 422, one the "
                   "account does not have 404: ``{\"error\": {\"code\", \"message\"}}``.",
    "parameters": [{"name": name, "in": "query", "required": False, "explode": True,
                    "schema": {"type": "array", "items": {"type": "integer"}}} for name in ("include", "exclude")],
    "responses": {"200": {"description": "OK", "content": {"application/json": {"schema": {
        "type": "object", "properties": {"counts": PER_CHANNEL, "written": {
            "type": "object", "properties": {"sms": {"type": "string"}, "email": {"type": "string"}}}}}}}}},
}}


def _rule(app, endpoint):
    return next(app.url_map.iter_rules(endpoint), None) if endpoint in app.view_functions else None


def document_page_endpoints(api, app):
    """Add the pages' JSON endpoints mounted on ``app`` to ``api``'s OpenAPI document (none
    when the host did not mount the pages)."""
    rule = _rule(app, "segments.notifications_json")
    if rule is None:
        return
    count_rule = _rule(app, "segments.audience_count")
    if count_rule is not None:
        api.spec.path(rule=count_rule, operations=AUDIENCE_COUNT)
    api.spec.path(rule=rule, operations={"get": {
        "tags": ["pages"],
        "summary": "The signed-in user's unread notifications (what the pages' notification stack shows)",
        "description": "The newest unread notifications of the user, oldest first (at most 20), "
                       "newer than ``after`` when given. Dismiss one with ``POST`` to its "
                       "``read_url``, all with ``POST`` to ``notifications/read`` (CSRF token "
                       "required; an ``Accept: application/json`` request answers "
                       "``{\"ok\": true}``, a form is redirected back).",
        "parameters": [{"name": "after", "in": "query", "required": False,
                        "schema": {"type": "integer"},
                        "description": "Only notifications with a greater id."}],
        "responses": {"200": {"description": "OK", "content": {
            "application/json": {"schema": schemas.NotificationListSchema}}}},
    }})
