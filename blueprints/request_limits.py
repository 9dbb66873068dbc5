"""What a request to the plugin's routes may send, checked before anything reads its body.

:func:`guard` gives a blueprint of the plugin (the pages, the JSON API) a first step that Flask
runs before every ``before_request`` function, the host's app-wide ones included (URL value
preprocessors come first), such as a CSRF check that reads the form:

* **Size.** It sets ``request.max_content_length`` to :func:`request_limit` for this request
  only, so Werkzeug refuses a request whose ``Content-Length`` is over the limit without reading
  it, and cuts off a body sent without one (chunked) as soon as it passes the limit: an oversized
  upload is never spooled whole to the temporary folder. The host's own routes keep the host's
  ``MAX_CONTENT_LENGTH``.
* **Shape.** It reads the body at once (a form parsed strictly, any other body kept for the view),
  so a body that is cut short or malformed (broken chunked encoding, broken multipart) is
  answered 400 here instead of failing later in a CSRF check or a view with a 500.

Both raise a :class:`RequestRefused` (a :class:`~contact_segments.errors.SegmentsError`), which
the blueprint's error handlers answer: JSON ``{"code", "message"}`` for the API (413
``file_too_large`` for an upload, ``request_too_large`` otherwise; 400 ``malformed_request``),
a page for the UI.
"""

import functools

from flask import current_app, request
from werkzeug.exceptions import BadRequest, RequestEntityTooLarge

from contact_segments.errors import SegmentsError
from contact_segments.messages import size_text

#: Room for a multipart upload's boundaries, part headers and small form fields on top of the
#: largest import file (``SEGMENTS_IMPORT_MAX_FILE_BYTES``).
UPLOAD_OVERHEAD_BYTES = 1024 * 1024
#: Methods whose body no route of the plugin reads.
BODILESS_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
FORM_TYPES = frozenset({"multipart/form-data", "application/x-www-form-urlencoded"})
UPLOAD_TYPE = "multipart/form-data"


class RequestRefused(SegmentsError):
    """A request to the plugin's routes was refused before its view ran."""


class RequestTooLarge(RequestRefused):
    """The request's body is over :func:`request_limit`; ``largest_file``: the largest import
    file a request can carry (bytes)."""

    status = 413

    def __init__(self, limit, largest_file, upload):
        if upload:
            message = (f"The upload is larger than the limit of {size_text(limit)}, so it was not "
                       f"read. An import file may have at most {size_text(largest_file)}: split a "
                       "larger file into smaller ones (keep the header row in each) and import "
                       "them one after the other.")
        else:
            message = f"The request is larger than the limit of {size_text(limit)}, so it was not read."
        super().__init__(message, code="file_too_large" if upload else "request_too_large")
        self.limit = limit
        self.largest_file = largest_file


class MalformedRequest(RequestRefused):
    """The request's body could not be read: cut short, or not the form it says it is."""

    status = 400
    code = "malformed_request"


def request_limit(config):
    """The most bytes a request to the plugin's routes may send.

    ``SEGMENTS_MAX_REQUEST_BYTES`` when the host set it; else the import file limit
    (``SEGMENTS_IMPORT_MAX_FILE_BYTES``) plus :data:`UPLOAD_OVERHEAD_BYTES`, but never more than
    the host's app-wide ``MAX_CONTENT_LENGTH``.
    """
    configured = config.get("SEGMENTS_MAX_REQUEST_BYTES")
    if configured is not None:
        return int(configured)
    limit = int(config["SEGMENTS_IMPORT_MAX_FILE_BYTES"]) + UPLOAD_OVERHEAD_BYTES
    host_limit = config.get("MAX_CONTENT_LENGTH")
    return limit if host_limit is None else min(limit, int(host_limit))


def _largest_file(config, limit):
    """The largest import file a request within ``limit`` bytes can carry (about)."""
    return min(int(config["SEGMENTS_IMPORT_MAX_FILE_BYTES"]), limit)


def read_body_within_limit(endpoint=None, values=None):
    """URL value preprocessor of the plugin's blueprints: apply :func:`request_limit` to this
    request and read its body now; raise :class:`RequestTooLarge` or :class:`MalformedRequest`."""
    config = current_app.config
    limit = request_limit(config)
    request.max_content_length = limit
    if request.method in BODILESS_METHODS:
        return
    try:
        if request.mimetype in FORM_TYPES:
            # Werkzeug's parser ignores a malformed form by default (it becomes an empty one);
            # here it raises, so that the request is refused as malformed.
            request.form_data_parser_class = functools.partial(
                request.form_data_parser_class, silent=False)
            request.form  # noqa: B018 - parse the form now
        elif len(request.get_data(cache=True)) >= limit:
            # A body sent without Content-Length is read up to the limit without complaint;
            # reading on past it is what raises.
            request.stream.read(1)
    except RequestEntityTooLarge:
        raise RequestTooLarge(limit, _largest_file(config, limit),
                              upload=request.mimetype == UPLOAD_TYPE) from None
    except (BadRequest, ValueError, OSError):
        raise MalformedRequest(
            "The request could not be read: its body was cut short or is not well-formed "
            f"{request.mimetype or 'data'}. Nothing was changed; send it again.") from None


def guard(blueprint, answer=None):
    """Apply the request limits to every route of ``blueprint`` (and of its nested blueprints).

    ``answer(error)``, when given, answers a :class:`RequestRefused` (a page); else the
    blueprint's handler of :class:`~contact_segments.errors.SegmentsError` does (the API's JSON).
    """
    blueprint.url_value_preprocessor(read_body_within_limit)
    if answer is not None:
        blueprint.register_error_handler(RequestRefused, answer)
