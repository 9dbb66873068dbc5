"""The JSON API's answers when something is wrong, on its blueprint only (the host's own error
pages stay the host's): a :class:`~contact_segments.errors.SegmentsError` as its
``{"code", "message", "field"?}``, webargs' validation errors as one sentence naming each bad item,
CSRF failures, other HTTP errors, unexpected exceptions (logged, a plain 500), and a JSON 404 or
405 for any path or method under the API prefix that no endpoint answers.
"""

import logging
import re

import flask
from flask import jsonify, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, MethodNotAllowed

from ..errors import NotFound, SegmentsError
from .csrf import changes_nothing

log = logging.getLogger("contact_segments.blueprints.api")

ANY_METHOD = ("GET", "POST", "PUT", "PATCH", "DELETE")


def _methods_of_path():
    """The methods the API's own endpoints accept at this request's path (none: unknown path)."""
    adapter = flask.current_app.url_map.bind_to_environ(request.environ)
    views = flask.current_app.view_functions
    allowed = []
    for method in ANY_METHOD:
        try:
            endpoint, _ = adapter.match(request.path, method=method)
        except HTTPException:  # no rule, or a redirect to the canonical path
            continue
        if views.get(endpoint) is not unknown_endpoint:
            allowed.append(method)
    return allowed


@changes_nothing
def unknown_endpoint(**_):
    """Any path or method of the API that no endpoint answers: a JSON 404, or a 405 naming
    the methods the path accepts."""
    allowed = _methods_of_path()
    if allowed:
        raise MethodNotAllowed(valid_methods=allowed, description=(
            f"{request.path} does not accept {request.method}; it accepts {', '.join(allowed)}."))
    raise NotFound(f"There is no API endpoint {request.method} {request.path}. The endpoints are "
                   f"listed in the OpenAPI document.", code="unknown_endpoint")


def segments_error(error):
    """A service's refusal: its JSON and status."""
    return jsonify(error.to_dict()), error.status


def _flatten(problems, path=""):
    """Yield ``(path, text)`` for each message of a marshmallow error tree; list items and
    nested fields get paths such as ``contact_ids[2]`` and ``filter.search``."""
    if isinstance(problems, dict):
        for key, value in problems.items():
            if key == "_schema":
                yield from _flatten(value, path)
            elif isinstance(key, int) or str(key).isdigit():
                yield from _flatten(value, f"{path}[{key}]")
            else:
                yield from _flatten(value, f"{path}.{key}" if path else str(key))
    elif isinstance(problems, (list, tuple)):
        for value in problems:
            yield from _flatten(value, path)
    else:
        yield path, str(problems)


def _validation_message(messages):
    """Turn webargs' ``{location: {field: [messages]}}`` into one sentence and the first field."""
    found = [(path, text) for by_field in (messages or {}).values() for path, text in _flatten(by_field)]
    message = " ".join(f"{path}: {text}" if path else text for path, text in found)
    message = message or "The request is not valid."
    if "json" in (messages or {}) and not request.is_json:
        message += " (Send a JSON body with Content-Type: application/json.)"
    first_field = next((re.split(r"[.\[]", path)[0] for path, _ in found if path), None)
    return message, first_field


def http_error(error):
    """An HTTP error (invalid input, bad JSON, CSRF, 404, 405, 413 ...) as JSON."""
    data = getattr(error, "data", None) or {}
    if error.code == 422 and "messages" in data:
        message, field = _validation_message(data["messages"])
        body = {"code": "invalid_input", "message": message, "errors": data["messages"]}
        if field:
            body["field"] = field
        return jsonify(body), 422
    if error.code == 400 and "messages" in data:  # webargs: the body is not JSON at all
        return jsonify({"code": "invalid_json", "message": "The request body is not valid JSON.",
                        "errors": data["messages"]}), 400
    if isinstance(error, CSRFError):
        prefix = flask.current_app.config["SEGMENTS_API_URL_PREFIX"].rstrip("/")
        return jsonify({
            "code": "csrf_failed",
            "message": f"{error.description} Send the CSRF token of your session in the "
                       f"X-CSRFToken header (GET {prefix}/csrf-token answers it).",
        }), 400
    code = error.name.lower().replace(" ", "_").replace("'", "")
    headers = [(name, value) for name, value in error.get_headers() if name == "Allow"]
    return jsonify({"code": code, "message": error.description or error.name}), error.code, headers


def unexpected_error(error):
    """Anything else: logged, and a plain 500 answer."""
    log.exception("contact-segments API: unexpected error on %s %s", request.method, request.path)
    return jsonify({"code": "internal_error",
                    "message": "Something went wrong on the server; it has been logged. "
                               "Try again later."}), 500


def register(blueprint):
    """Install the error handlers and the catch-all of unknown endpoints on ``blueprint``."""
    blueprint.register_error_handler(SegmentsError, segments_error)
    blueprint.register_error_handler(HTTPException, http_error)
    blueprint.register_error_handler(Exception, unexpected_error)
    # Under the API prefix, an unknown path gets a JSON 404 too (not the host's HTML page), and
    # a known path asked with a method it does not accept a JSON 405. Added with Flask's own
    # add_url_rule so that it stays out of the OpenAPI document.
    flask.Blueprint.add_url_rule(blueprint, "/<path:path>", "unknown_endpoint", unknown_endpoint,
                                 methods=ANY_METHOD)
    flask.Blueprint.add_url_rule(blueprint, "", "unknown_endpoint_root", unknown_endpoint,
                                 methods=["PUT", "PATCH", "DELETE"])
