"""The plugin's configuration keys and their defaults.

Every key is read from the host's ``app.config``; :func:`apply_defaults` fills in the ones the
host did not set. README.md ("Configuration") and manifest.yaml list the same keys with the same
defaults, and ``tests/test_manifest.py`` keeps the three equal.
"""

DEFAULTS = {
    # Where the plugin's pages and JSON API are mounted inside the host.
    "SEGMENTS_URL_PREFIX": "/segments",
    "SEGMENTS_API_URL_PREFIX": "/api/segments",
    # The JSON API's OpenAPI document (flask-smorest, config prefix SEGMENTS_, so a host's own
    # flask-smorest Api keeps its API_* / OPENAPI_* keys). SEGMENTS_OPENAPI_URL_PREFIX: None
    # serves it at SEGMENTS_API_URL_PREFIX + "/openapi.json"; False does not serve it.
    "SEGMENTS_API_TITLE": "Customer segments API",
    "SEGMENTS_API_VERSION": "v1",
    "SEGMENTS_OPENAPI_VERSION": "3.0.3",
    "SEGMENTS_OPENAPI_URL_PREFIX": None,
    # Every state-changing request to the pages and the API needs the session's CSRF token (the
    # API's in the X-CSRFToken header), whatever the host configured. True opts the JSON API out
    # (only for hosts whose API clients authenticate without cookies); the pages never are.
    "SEGMENTS_API_CSRF_EXEMPT": False,
    # Content-Security-Policy of every plugin response (pages, API, static files); the host's own
    # header wins. A host layout with inline scripts or other sites' files needs its own policy
    # here; "" sends none.
    "SEGMENTS_CONTENT_SECURITY_POLICY": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'self'"
    ),
    # Template the plugin's pages extend, so that they sit inside the host's layout.
    "SEGMENTS_BASE_TEMPLATE": "segments/base.html",
    # The host's page for one contact (its conversation), a path with {id} for the contact's id,
    # e.g. "/contacts/{id}": the contacts list links each name to it. Empty: names are not links.
    "SEGMENTS_CONTACT_URL": "",
    # Language of the plugin's pages ("en", "pt_BR", "fr", "de", "es", "it" or "pl") when the host
    # has not set Flask-Babel up itself (if it has, its locale selector decides); empty: the
    # browser's Accept-Language.
    "SEGMENTS_LOCALE": "",
    # Database used when the host passes no Flask-SQLAlchemy ``db`` of its own.
    "SEGMENTS_DATABASE_URL": "sqlite:///contact-segments.sqlite",
    # Redis for RQ import jobs; empty means jobs run in-process (the embedded default).
    "SEGMENTS_REDIS_URL": "",
    "SEGMENTS_QUEUE_NAME": "segments-imports",
    "SEGMENTS_JOB_TIMEOUT": 3600,
    "SEGMENTS_JOB_RESULT_TTL": 86400,
    # Page sizes.
    "SEGMENTS_PAGE_SIZE": 50,
    "SEGMENTS_MAX_PAGE_SIZE": 500,
    # Recipients are streamed to the host's bulk sender in batches of this size.
    "SEGMENTS_RECIPIENT_BATCH_SIZE": 5000,
    # PostgreSQL: the recipients of a bulk message are read over this many connections at once
    # (contact-id ranges), so the database and Python work in parallel.
    "SEGMENTS_AUDIENCE_STREAMS": 3,
    # Import limits.
    "SEGMENTS_IMPORT_MAX_FILE_BYTES": 50 * 1024 * 1024,
    "SEGMENTS_IMPORT_MAX_ROWS": 1_048_576,
    # Most bytes a request to the plugin's pages and API may send; a larger one is refused (413)
    # before its body is read, or cut off while it arrives. None: SEGMENTS_IMPORT_MAX_FILE_BYTES
    # plus 1 MiB for the rest of the form, but no more than the host's MAX_CONTENT_LENGTH.
    "SEGMENTS_MAX_REQUEST_BYTES": None,
    "SEGMENTS_IMPORT_BATCH_SIZE": 5000,
    # Rows per part: parts of a file are validated in parallel by the workers (one job each).
    "SEGMENTS_IMPORT_PART_ROWS": 20000,
    # RQ jobs read and validate a file at this much lower CPU priority (nice value) than the
    # batches that apply it, so the one serial step of an import never waits for the others.
    "SEGMENTS_IMPORT_NICENESS": 10,
    # PostgreSQL: an import that changed at least this many rows analyzes the contact,
    # membership and outcome tables before it shows as finished (0: leave it to autovacuum).
    "SEGMENTS_IMPORT_ANALYZE_AFTER": 10000,
    # RQ retries of a failed import job (each retry resumes from the checkpoint).
    "SEGMENTS_IMPORT_RETRIES": 3,
    # Seconds without progress (no committed batch) after which a running import is shown as
    # stalled (its worker died) and can be resumed from its checkpoint.
    "SEGMENTS_IMPORT_STALE_AFTER": 600,
    # Seconds an import's lead (the worker carrying it) is trusted without renewing its lease; it
    # renews it every third of this. A lapsed lease is taken over by a live worker.
    "SEGMENTS_IMPORT_LEASE_SECONDS": 30,
    # Retention (applied by `flask segments purge`, which a host schedules): days an import can
    # be undone (its before-images are kept that long), days a deleted segment can be restored,
    # and days the history of changes is kept.
    "SEGMENTS_UNDO_DAYS": 30,
    "SEGMENTS_DELETED_SEGMENT_DAYS": 30,
    "SEGMENTS_HISTORY_DAYS": 365,
}


def apply_defaults(config):
    """Set every ``SEGMENTS_*`` key the host left unset to its default; return the config."""
    for key, value in DEFAULTS.items():
        config.setdefault(key, value)
    return config
