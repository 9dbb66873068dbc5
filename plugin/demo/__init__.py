"""A small messaging host that uses contact-segments only through its public integration points.

Run it with ``flask --app contact_segments.demo run``. It has accounts, users with the three
roles (switch user and language in the top bar), a contacts page (the plugin's), conversations
whose contact panel shows the contact's segments (the plugin's ``contact_segments`` macro), a
bulk-message composer with the plugin's audience picker that confirms the count before sending,
and an outbox that records what would be sent.

Configuration from the environment: ``DATABASE_URL`` (default: a SQLite file
``segments-demo.sqlite`` in the current folder), ``REDIS_URL`` (default: none, imports run
in-process) and ``SEGMENTS_QUEUE_NAME`` (the RQ queue of the web app and of its workers).
"""

from .app import create_app

__all__ = ["create_app"]
