"""A Flask test client that calls the plugin's JSON API the way a legitimate client does: before
a state-changing request (POST, PUT, PATCH, DELETE) under ``SEGMENTS_API_URL_PREFIX`` it asks
``GET <prefix>/csrf-token`` for its session's token and sends it in ``X-CSRFToken``, unless the
test set that header itself. Other paths (the pages, the host's forms) are sent as given."""

from flask import g, has_app_context
from flask.testing import FlaskClient
from werkzeug.datastructures import Headers

SAFE_METHODS = ("GET", "HEAD", "OPTIONS", "TRACE")


class ApiClient(FlaskClient):
    """``app.test_client()`` with the CSRF header a real API client sends."""

    def session_token(self):
        """This client's token, as ``GET <prefix>/csrf-token`` answers it."""
        if has_app_context():  # a test's app context outlives requests: forget Flask-WTF's
            g.pop(self.application.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"), None)  # cache
        prefix = self.application.config["SEGMENTS_API_URL_PREFIX"].rstrip("/")
        return self.get(f"{prefix}/csrf-token").get_json()["csrf_token"]

    def open(self, *args, **kwargs):
        method = kwargs.get("method", "GET").upper()
        path = args[0] if args and isinstance(args[0], str) else kwargs.get("path", "")
        prefix = self.application.config["SEGMENTS_API_URL_PREFIX"].rstrip("/")
        if method not in SAFE_METHODS and path.startswith(prefix):
            headers = Headers(kwargs.get("headers"))
            if "X-CSRFToken" not in headers:
                headers["X-CSRFToken"] = self.session_token()
            kwargs["headers"] = headers
        return super().open(*args, **kwargs)


def api_client(app):
    """A test client of ``app`` that sends the session's CSRF token to the API."""
    return ApiClient(app, app.response_class, use_cookies=True)


class SignedInClient(FlaskClient):
    """A test client for one user among several: the tests share one app context, so the user
    and CSRF token the demo host caches on ``g`` are forgotten before each request."""

    def open(self, *args, **kwargs):
        for key in ("demo_user", "csrf_token"):
            g.pop(key, None)
        return super().open(*args, **kwargs)
