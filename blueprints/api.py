"""The JSON API for segments (flask-smorest), mounted under ``SEGMENTS_API_URL_PREFIX``.

Thin by design: the schemas (:mod:`.schemas`) check the shape of each request, the services
(:mod:`contact_segments.segments`, :mod:`~contact_segments.memberships`,
:mod:`~contact_segments.contact_query`) do the work, check the role and scope every query to the
account of the actor the host reports (hook ``segments_current_actor``).

Errors are JSON ``{"code", "message", "field"?, "errors"?}`` with the status of the
:class:`~contact_segments.errors.SegmentsError` (401, 403, 404, 409, 422). The handlers are
registered on this blueprint only (:mod:`.api_errors`), so the host's own error pages stay the
host's — flask-smorest would otherwise install an app-wide handler.
"""

from collections import ChainMap

import flask
from flask_smorest import Api, Blueprint

from .. import forget, memberships, segments
from ..contact_query import ContactFilter, count_contacts, existing_contact_ids, list_contacts
from ..errors import NotFound
from ..extension import get_state
from . import api_errors, request_limits, schemas
from .api_history import history_blp
from .api_imports import imports_blp
from .openapi_pages import document_page_endpoints
from .csrf import check_api_request, session_token
from .response_headers import add_security_headers


blp = Blueprint(
    "segments_api", __name__,
    description="Customer segments of the signed-in user's account: create, rename, delete, "
                "assign contacts, list members, count a bulk message's audience.",
)
# The import endpoints live in .api_imports, nested here so they share the error handlers.
blp.register_blueprint(imports_blp, url_prefix="/imports")
# History, deleted segments and undoing imports (.api_history): paths of their own under the API.
blp.register_blueprint(history_blp)
# Size and shape of request bodies, checked before any before_request (see .request_limits).
request_limits.guard(blp)
# Every state-changing request needs the session's token in X-CSRFToken (see .csrf), and every
# answer carries the plugin's security headers; both apply to the nested import endpoints too.
blp.before_request(check_api_request)
blp.after_request(add_security_headers)
# JSON errors and the catch-all of unknown endpoints, on this blueprint only (see .api_errors).
api_errors.register(blp)


class SegmentsApi(Api):
    """flask-smorest's Api, reading its settings from ``SEGMENTS_*`` keys (``config_prefix``) and
    leaving the host's error handlers alone."""

    ERROR_SCHEMA = schemas.ErrorSchema

    def _register_error_handlers(self):
        """Do not register an app-wide handler; the API blueprint has its own (see module doc)."""

    def _openapi_json(self):
        """The OpenAPI document, with the security headers of every plugin response."""
        return add_security_headers(super()._openapi_json())

    def _register_doc_blueprint(self):
        """Serve the OpenAPI document where ``SEGMENTS_OPENAPI_URL_PREFIX`` says: ``None`` means
        under ``SEGMENTS_API_URL_PREFIX``, ``False`` not at all (the host's config is not changed)."""
        configured = self.config.get("OPENAPI_URL_PREFIX")
        if configured is None:
            configured = self._app.config["SEGMENTS_API_URL_PREFIX"].rstrip("/")
        elif configured is False:
            configured = None  # flask-smorest: None = not served
        original = self.config
        self.config = ChainMap({"OPENAPI_URL_PREFIX": configured}, original)
        try:
            super()._register_doc_blueprint()
        finally:
            self.config = original


def init_api(app, state):
    """Register the JSON API on ``app`` under ``SEGMENTS_API_URL_PREFIX``, with its OpenAPI
    document at ``<SEGMENTS_OPENAPI_URL_PREFIX or the API prefix>/openapi.json``."""
    config = app.config
    prefix = config["SEGMENTS_API_URL_PREFIX"].rstrip("/")
    api = SegmentsApi(app, config_prefix="SEGMENTS_")
    api.spec.components.security_scheme(
        "csrfToken", {"type": "apiKey", "in": "header", "name": "X-CSRFToken",
                      "description": "Flask-WTF CSRF token; required on POST/PATCH/DELETE "
                                     "when the host uses CSRFProtect and a session cookie."},
    )
    api.register_blueprint(blp, url_prefix=prefix)
    document_page_endpoints(api, app)
    csrf = app.extensions.get("csrf")
    if csrf is not None:
        csrf.exempt(api_errors.unknown_endpoint)  # it changes nothing: a wrong method gets its 405 first
        if config["SEGMENTS_API_CSRF_EXEMPT"]:
            csrf.exempt(blp)
    app.extensions["segments_api"] = api
    return api


# ---------------------------------------------------------------- helpers


def _scope():
    """The service scope of the current request's actor (401 if the host reports nobody)."""
    state = get_state()
    return state.scope(state.current_actor(), via="api")


def _page_size(value):
    return value or flask.current_app.config["SEGMENTS_PAGE_SIZE"]


def _checked_segment_ids(scope, segment_ids):
    """Return ``segment_ids`` after checking that each is a segment of the account (else 404)."""
    for segment_id in segment_ids:
        segments.get(scope, segment_id)
    return tuple(segment_ids)


def _contact_filter(scope, data):
    """Build a :class:`ContactFilter` from request data (``None`` stays ``None``)."""
    if data is None:
        return None
    return ContactFilter(search=data["search"], segment_ids=_checked_segment_ids(scope, data["segment_ids"]))


def _contact_page(items, limit):
    return {"items": items, "next_after_id": items[-1]["id"] if len(items) == limit else None}


@blp.url_value_preprocessor
def _ids_in_range(endpoint, values):
    """An id in the path beyond the database's range is no id of this account: 404."""
    for key in ("segment_id", "contact_id"):
        if (values or {}).get(key, 0) > schemas.MAX_ID:
            raise NotFound(f"There is no {key.split('_')[0]} with id {values[key]} in this account.")


# ---------------------------------------------------------------- the session's CSRF token


@blp.route("/csrf-token", methods=["GET"])
@blp.response(200, schemas.CsrfTokenSchema)
def csrf_token():
    """Get the CSRF token of the caller's session

    Send it in the ``X-CSRFToken`` header of every POST, PATCH and DELETE. It is the token a
    host page renders with ``csrf_token()``; it stays valid for ``WTF_CSRF_TIME_LIMIT`` seconds
    (Flask-WTF, default 3600) and for this session only: ask again after signing in.
    """
    return {"csrf_token": session_token()}


# ---------------------------------------------------------------- segments


@blp.route("", methods=["GET"])
@blp.arguments(schemas.SegmentListArgsSchema, location="query")
@blp.response(200, schemas.SegmentPageSchema)
def list_segments(args):
    """List the account's segments with member counts

    Sorted by name; ``search`` matches anywhere in the name, ignoring case and accents.
    """
    page = segments.list_segments(_scope(), search=args["search"], page=args["page"],
                                  per_page=_page_size(args["per_page"]))
    return {"items": [item._asdict() for item in page.items], "total": page.total,
            "page": page.page, "per_page": page.per_page, "pages": page.pages}


@blp.route("", methods=["POST"])
@blp.arguments(schemas.SegmentCreateSchema)
@blp.response(201, schemas.SegmentSchema)
def create_segment(data):
    """Create a segment

    Optionally with its first members: ``contact_ids`` and/or every contact matching ``filter``.
    409 if the account already has a segment of that name (ignoring case, spaces, Unicode form).
    """
    scope = _scope()
    return segments.create(scope, data["name"], contact_ids=data["contact_ids"],
                           contact_filter=_contact_filter(scope, data["filter"]))


@blp.route("/<int:segment_id>", methods=["GET"])
@blp.response(200, schemas.SegmentSchema)
def get_segment(segment_id):
    """Get one segment"""
    return segments.get(_scope(), segment_id)


@blp.route("/<int:segment_id>", methods=["PATCH"])
@blp.arguments(schemas.SegmentRenameSchema)
@blp.response(200, schemas.SegmentSchema)
def rename_segment(data, segment_id):
    """Rename a segment (managers and admins)"""
    return segments.rename(_scope(), segment_id, data["name"])


@blp.route("/<int:segment_id>", methods=["DELETE"])
@blp.response(200, schemas.DeletedSchema)
def delete_segment(segment_id):
    """Delete a segment (managers and admins)

    Its contacts stay; they only lose the segment. The answer says how many did.
    A host hook may refuse the delete (409, code ``vetoed``).
    """
    scope = _scope()
    name = segments.get(scope, segment_id).name
    removed = segments.delete(scope, segment_id)
    return {"id": segment_id, "name": name, "contacts_removed": removed}


# ---------------------------------------------------------------- members


@blp.route("/<int:segment_id>/members", methods=["GET"])
@blp.arguments(schemas.KeysetArgsSchema, location="query")
@blp.response(200, schemas.ContactPageSchema)
def list_members(args, segment_id):
    """List a segment's members, by contact id

    Keyset pages: pass the answer's ``next_after_id`` as ``after_id`` for the next page.
    """
    limit = _page_size(args["limit"])
    items = memberships.list_members(_scope(), segment_id, after_id=args["after_id"], limit=limit,
                                     search=args["search"])
    return _contact_page(items, limit)


@blp.route("/<int:segment_id>/members", methods=["POST"])
@blp.arguments(schemas.MembersChangeSchema)
@blp.response(200, schemas.MembersAddedSchema)
def add_members(data, segment_id):
    """Add contacts to a segment

    ``contact_ids``, or a ``filter`` meaning every contact of the account that matches it
    (select-all across pages). Contacts already in the segment are skipped.
    """
    scope = _scope()
    added = memberships.add_contacts(scope, segment_id, contact_ids=data["contact_ids"],
                                     contact_filter=_contact_filter(scope, data["filter"]))
    return {"added": added, "segment": segments.get(scope, segment_id)}


@blp.route("/<int:segment_id>/members/remove", methods=["POST"])
@blp.arguments(schemas.MembersChangeSchema)
@blp.response(200, schemas.MembersRemovedSchema)
def remove_members(data, segment_id):
    """Remove contacts from a segment

    ``contact_ids``, or a ``filter`` meaning every contact of the account that matches it.
    """
    scope = _scope()
    removed = memberships.remove_contacts(scope, segment_id, contact_ids=data["contact_ids"],
                                          contact_filter=_contact_filter(scope, data["filter"]))
    return {"removed": removed, "segment": segments.get(scope, segment_id)}


# ---------------------------------------------------------------- contacts and audiences


@blp.route("/contacts", methods=["GET"])
@blp.arguments(schemas.ContactListArgsSchema, location="query")
@blp.response(200, schemas.ContactPageSchema)
def list_account_contacts(args):
    """List the account's contacts, optionally only those in any of ``segment_id``

    Keyset pages by contact id (``after_id``, ``limit``); ``search`` matches names, email,
    mobile and external id.
    """
    scope = _scope()
    scope.require("view")
    limit = _page_size(args["limit"])
    contact_filter = _contact_filter(scope, {"search": args["search"], "segment_ids": args["segment_id"]})
    items = list_contacts(scope.session, scope.contacts, scope.account_id, contact_filter,
                          after_id=args["after_id"], limit=limit)
    return _contact_page(items, limit)


@blp.route("/contacts/count", methods=["GET"])
@blp.arguments(schemas.ContactCountArgsSchema, location="query")
@blp.response(200, schemas.CountSchema)
def count_account_contacts(args):
    """Count the contacts a filter matches (the "select all N matching" figure)"""
    scope = _scope()
    scope.require("view")
    contact_filter = _contact_filter(scope, {"search": args["search"], "segment_ids": args["segment_id"]})
    return {"count": count_contacts(scope.session, scope.contacts, scope.account_id, contact_filter)}


@blp.route("/contacts/<int:contact_id>/segments", methods=["GET"])
@blp.response(200, schemas.SegmentListSchema)
def contact_segments(contact_id):
    """List the segments one contact is in"""
    scope = _scope()
    scope.require("view")
    if not existing_contact_ids(scope.session, scope.contacts, scope.account_id, [contact_id]):
        raise NotFound(f"There is no contact with id {contact_id} in this account.", field="contact_id")
    items = scope.pm.hook.segments_contact_segments(account_id=scope.account_id, contact_id=contact_id)
    return {"items": [item._asdict() for item in items]}


@blp.route("/contacts/forget", methods=["POST"])
@blp.arguments(schemas.ForgetContactsSchema)
@blp.response(200, schemas.ForgetResultSchema)
def forget_account_contacts(data):
    """Forget contacts (managers and admins)

    For a host that deletes customers: removes the contacts from every segment of the account
    (member counts stay right; ``segments_members_removed`` events follow), clears the import
    rows that name them and, when the plugin owns the contact table, deletes them (a host's own
    contact rows are the host's to delete). An id with nothing in this account changes nothing.
    """
    scope = _scope()
    with scope.transaction():
        result = forget.forget_contacts(scope, data["contact_ids"])
    return result.to_dict()


@blp.route("/audience/count", methods=["GET"])
@blp.arguments(schemas.AudienceArgsSchema, location="query")
@blp.response(200, schemas.CountSchema)
def count_audience(args):
    """Count a bulk message's recipients

    Contacts in any ``include`` segment and in no ``exclude`` segment, reachable on ``channel``
    (``sms``: has a mobile number; ``email``: has an address), each counted once.
    """
    scope = _scope()
    scope.require("view")
    count = scope.pm.hook.segments_count_recipients(
        account_id=scope.account_id, include=args["include"], exclude=args["exclude"],
        channel=args["channel"],
    )
    return {"count": count}
