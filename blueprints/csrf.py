"""The plugin's own check against cross-site request forgery, on its pages and its JSON API,
whatever the host has configured (no ``CSRFProtect``, one that checks nothing by default, or
Flask-WTF switched off).

Every request that may change something (any method but GET, HEAD, OPTIONS and TRACE) must carry
the Flask-WTF CSRF token of the user's session: a page's form sends it as the ``csrf_token``
field (or, from script, in the ``X-CSRFToken`` header); an API client sends it in the
``X-CSRFToken`` header only, so neither a cross-site ``<form>`` (multipart or bodiless) nor a
request with only the session cookie can change anything. A request the browser marks
``Sec-Fetch-Site: cross-site`` is refused even with a token. ``SEGMENTS_API_CSRF_EXEMPT = True``
opts the API (never the pages) out, for hosts whose API clients authenticate without cookies.
"""

from flask import current_app, request
from flask_wtf.csrf import CSRFError, generate_csrf, validate_csrf
from wtforms import ValidationError

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
DEFAULT_HEADERS = ("X-CSRFToken", "X-CSRF-Token")


def _header_token():
    for name in current_app.config.get("WTF_CSRF_HEADERS", DEFAULT_HEADERS):
        token = request.headers.get(name)
        if token:
            return token
    return None


def _form_token():
    return request.form.get(current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"))


def changes_nothing(view):
    """Mark ``view`` as one that never changes anything whatever its method (for example the
    API's answer to an unknown path), so it answers without asking for a token."""
    view.segments_changes_nothing = True
    return view


def _check(token_from):
    if request.method in SAFE_METHODS:
        return
    view = current_app.view_functions.get(request.endpoint)
    if getattr(view, "segments_changes_nothing", False):
        return
    if request.headers.get("Sec-Fetch-Site", "").lower() == "cross-site":
        raise CSRFError("The request came from another site, so it was refused.")
    try:
        validate_csrf(token_from())
    except ValidationError as error:
        raise CSRFError(error.args[0]) from None


def check_page_request():
    """``before_request`` of the pages: a state-changing request needs the session's token in
    the form's ``csrf_token`` field or an ``X-CSRFToken`` header (else ``CSRFError``, 400)."""
    _check(lambda: _header_token() or _form_token())


def check_api_request():
    """``before_request`` of the JSON API: a state-changing request needs the session's token
    in the ``X-CSRFToken`` header (else ``CSRFError``, 400), unless the host set
    ``SEGMENTS_API_CSRF_EXEMPT``."""
    if current_app.config["SEGMENTS_API_CSRF_EXEMPT"]:
        return
    _check(_header_token)


def session_token():
    """The CSRF token of the current session (created when it has none yet)."""
    return generate_csrf()
