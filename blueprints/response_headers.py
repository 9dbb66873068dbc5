"""The security headers every response of the plugin carries (pages, API answers, static files,
error pages): ``X-Content-Type-Options: nosniff``, ``X-Frame-Options: SAMEORIGIN`` and the
Content-Security-Policy of ``SEGMENTS_CONTENT_SECURITY_POLICY`` (empty: none is sent).

A header the host has already put on the response is left as it is, and a host's own
``after_request`` runs after this one, so the host always has the last word.
"""

from flask import current_app


def add_security_headers(response):
    """``after_request`` of the plugin's blueprints: add the headers the response lacks."""
    headers = response.headers
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "SAMEORIGIN")
    policy = current_app.config["SEGMENTS_CONTENT_SECURITY_POLICY"]
    if policy:
        headers.setdefault("Content-Security-Policy", policy)
    return response
