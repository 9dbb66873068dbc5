"""Marshmallow schemas of the JSON API: what each endpoint accepts and what it answers.

The schemas check shapes and types (a name is text, ids are whole numbers in range, a page size
is within ``SEGMENTS_MAX_PAGE_SIZE``); the rules about names, accounts and permissions live in
the services, so the API, the CLI and the pages all apply the same ones. Written for marshmallow
3 and 4 (``load_default``, ``validates_schema`` with ``**kwargs``).
"""

from flask import current_app
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from contact_segments.ids import MAX_ID

#: Contact ids one request may name; use a ``filter`` to select more.
MAX_IDS_PER_REQUEST = 10_000
#: Segment ids one filter or audience may name.
MAX_SEGMENTS_PER_REQUEST = 100
SEARCH_MAX_LENGTH = 200
CHANNELS = ("sms", "email")


def _id_field(*, strict, **kwargs):
    """An id: a whole number from 1 to :data:`MAX_ID` (``strict``: JSON numbers only, no "12")."""
    return fields.Integer(
        strict=strict,
        validate=validate.Range(min=1, max=MAX_ID, error="Ids are whole numbers from 1 up."),
        **kwargs,
    )


def _id_list(*, strict, limit, **kwargs):
    return fields.List(
        _id_field(strict=strict),
        validate=validate.Length(max=limit, error=f"Give at most {limit} ids per request."),
        **kwargs,
    )


def _search_field():
    return fields.String(
        load_default="",
        validate=validate.Length(max=SEARCH_MAX_LENGTH,
                                 error=f"Search text is limited to {SEARCH_MAX_LENGTH} characters."),
    )


def _within_max_page_size(value):
    """Validator: a page size from 1 to the host's ``SEGMENTS_MAX_PAGE_SIZE``."""
    largest = current_app.config["SEGMENTS_MAX_PAGE_SIZE"]
    if not 1 <= value <= largest:
        raise ValidationError(f"Ask for 1 to {largest} items per page.")


def _page_size_field():
    """A page size; missing means the host's ``SEGMENTS_PAGE_SIZE``."""
    return fields.Integer(load_default=None, validate=_within_max_page_size)


# ---------------------------------------------------------------- what the API answers


class ErrorSchema(Schema):
    """Every error body: a stable ``code``, a ``message`` for people, the ``field`` at fault (if
    one is) and, for request validation errors, ``errors`` per location and field."""

    code = fields.String(required=True, metadata={"example": "not_found"})
    message = fields.String(required=True, metadata={"example": "There is no segment with id 7 in this account."})
    field = fields.String(metadata={"example": "name"})
    errors = fields.Dict(metadata={"description": "Validation errors by location and field."})


class CsrfTokenSchema(Schema):
    """The CSRF token of the caller's session, for the ``X-CSRFToken`` header."""

    csrf_token = fields.String(required=True)


class SegmentSchema(Schema):
    """A segment: id, name and how many contacts are in it."""

    id = fields.Integer(required=True)
    name = fields.String(required=True)
    member_count = fields.Integer(required=True)


class SegmentPageSchema(Schema):
    """One page of segments, sorted by name, with the total number of matches."""

    items = fields.List(fields.Nested(SegmentSchema), required=True)
    total = fields.Integer(required=True)
    page = fields.Integer(required=True)
    per_page = fields.Integer(required=True)
    pages = fields.Integer(required=True)


class SegmentListSchema(Schema):
    """A list of segments (a contact's segments)."""

    items = fields.List(fields.Nested(SegmentSchema), required=True)


class DeletedSchema(Schema):
    """What a delete did: the segment that is gone and how many contacts lost it."""

    id = fields.Integer(required=True)
    name = fields.String(required=True)
    contacts_removed = fields.Integer(required=True)


class MembersAddedSchema(Schema):
    """How many contacts joined the segment (those already in it are not counted)."""

    added = fields.Integer(required=True)
    segment = fields.Nested(SegmentSchema, required=True)


class MembersRemovedSchema(Schema):
    """How many contacts left the segment."""

    removed = fields.Integer(required=True)
    segment = fields.Nested(SegmentSchema, required=True)


class ContactSchema(Schema):
    """A contact as the API shows it (fields the host's contact table lacks are left out)."""

    id = fields.Integer(required=True)
    country_code = fields.String(allow_none=True)
    first_name = fields.String(allow_none=True)
    last_name = fields.String(allow_none=True)
    mobile = fields.String(allow_none=True, metadata={"description": "E.164, e.g. +14155550100"})
    email = fields.String(allow_none=True)
    account_number = fields.String(allow_none=True)
    organization = fields.String(allow_none=True)
    external_id = fields.String(allow_none=True)


class ContactPageSchema(Schema):
    """One keyset page of contacts by id; pass ``next_after_id`` as ``after_id`` for the next
    page (``null`` when this page was the last)."""

    items = fields.List(fields.Nested(ContactSchema), required=True)
    next_after_id = fields.Integer(allow_none=True, required=True)


class CountSchema(Schema):
    """A number of contacts."""

    count = fields.Integer(required=True)


class SegmentChangeSchema(Schema):
    """A segment that lost members: how many left it and how many it has now."""

    id = fields.Integer(required=True)
    name = fields.String(required=True)
    removed = fields.Integer(required=True)
    member_count = fields.Integer(required=True)


class NotificationSchema(Schema):
    """An in-app notification, its message in the reader's language."""

    id = fields.Integer(required=True)
    kind = fields.String(required=True, metadata={
        "description": "What it is about: import_queued or import_finished."})
    level = fields.String(required=True, metadata={"description": "info, success or error"})
    import_id = fields.Integer(required=True, allow_none=True, metadata={
        "description": "The import it is about (a newer notice about it replaces this one), or null."})
    message = fields.String(required=True)
    link = fields.String(required=True, allow_none=True, metadata={
        "description": "Where it leads (an import's report), or null."})
    read_url = fields.String(required=True, metadata={"description": "POST here to dismiss it."})


class NotificationListSchema(Schema):
    """The answer of the pages' ``notifications.json``."""

    items = fields.List(fields.Nested(NotificationSchema), required=True)


class ForgetResultSchema(Schema):
    """What forgetting contacts changed."""

    contacts_deleted = fields.Integer(required=True, metadata={
        "description": "Contacts deleted from the plugin's own table (0 when the host owns the "
                       "contact table: its rows are the host's to delete)."})
    memberships_removed = fields.Integer(required=True)
    import_rows_cleared = fields.Integer(required=True, metadata={
        "description": "Per-row import outcomes that no longer name the contact."})
    segments = fields.List(fields.Nested(SegmentChangeSchema), required=True, metadata={
        "description": "Each segment that lost members, by id."})


# ---------------------------------------------------------------- what the API accepts


class ContactFilterSchema(Schema):
    """Every contact of the account matching ``search`` (name, email, mobile, external id) and in
    ANY of ``segment_ids`` (none: all contacts) — the Gmail-style "select all N matching"."""

    search = _search_field()
    segment_ids = _id_list(strict=True, limit=MAX_SEGMENTS_PER_REQUEST, load_default=list)


class SegmentCreateSchema(Schema):
    """A new segment: its name (1–100 characters, unique in the account ignoring case, spaces
    and Unicode form) and optionally its first members, by id and/or by filter."""

    name = fields.String(required=True, metadata={"example": "Downtown Store"})
    contact_ids = _id_list(strict=True, limit=MAX_IDS_PER_REQUEST, load_default=list)
    filter = fields.Nested(ContactFilterSchema, load_default=None)


class SegmentRenameSchema(Schema):
    """The segment's new name."""

    name = fields.String(required=True, metadata={"example": "North Region"})


class MembersChangeSchema(Schema):
    """The contacts to add or remove: ``contact_ids`` OR a ``filter`` (every matching contact)."""

    contact_ids = _id_list(strict=True, limit=MAX_IDS_PER_REQUEST, load_default=list)
    filter = fields.Nested(ContactFilterSchema, load_default=None)

    @validates_schema
    def _one_selection(self, data, **kwargs):
        if not data.get("contact_ids") and data.get("filter") is None:
            raise ValidationError('Choose the contacts: give "contact_ids" or a "filter".', "contact_ids")
        if data.get("contact_ids") and data.get("filter") is not None:
            raise ValidationError('Give either "contact_ids" or a "filter", not both.', "filter")


class ForgetContactsSchema(Schema):
    """The contacts to forget, by id (1 to 10,000 per request)."""

    contact_ids = fields.List(
        _id_field(strict=True), required=True,
        validate=validate.Length(min=1, max=MAX_IDS_PER_REQUEST,
                                 error=f"Give 1 to {MAX_IDS_PER_REQUEST} ids per request."),
    )


class SegmentListArgsSchema(Schema):
    """Query of the segment list: ``search`` in names (ignoring case and accents), ``page``
    (from 1) and ``per_page`` (default ``SEGMENTS_PAGE_SIZE``)."""

    search = _search_field()
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, error="Pages are numbered from 1."))
    per_page = _page_size_field()


class KeysetArgsSchema(Schema):
    """Query of a keyset listing: contacts with an id above ``after_id``, at most ``limit``."""

    after_id = _id_field(strict=False, load_default=None)
    limit = _page_size_field()
    search = _search_field()


class ContactListArgsSchema(KeysetArgsSchema):
    """Query of the contact list: also ``segment_id`` (repeatable: contacts in ANY of them)."""

    segment_id = _id_list(strict=False, limit=MAX_SEGMENTS_PER_REQUEST, load_default=list)


class ContactCountArgsSchema(Schema):
    """Query of the contact count: ``search`` and ``segment_id`` as in the contact list."""

    search = _search_field()
    segment_id = _id_list(strict=False, limit=MAX_SEGMENTS_PER_REQUEST, load_default=list)


class AudienceArgsSchema(Schema):
    """Query of the audience count: ``include`` and ``exclude`` segment ids (repeatable) and the
    ``channel`` (``sms`` counts contacts with a mobile number, ``email`` those with an address)."""

    include = _id_list(strict=False, limit=MAX_SEGMENTS_PER_REQUEST, required=True)
    exclude = _id_list(strict=False, limit=MAX_SEGMENTS_PER_REQUEST, load_default=list)
    channel = fields.String(
        required=True,
        validate=validate.OneOf(CHANNELS, error='Use channel "sms" or "email".'),
    )
