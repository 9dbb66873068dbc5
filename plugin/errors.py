"""The errors the plugin's services raise; every interface turns them into a clear message.

Each error carries a ``code`` (stable, for programs), a ``message`` (for people: what is wrong
and how to fix it), the ``params`` the message speaks of, and the HTTP status the JSON API
answers with.
"""


class SegmentsError(Exception):
    """Base class: something the user asked for cannot be done; nothing was changed."""

    status = 400
    code = "invalid"

    def __init__(self, message, *, code=None, field=None, params=None):
        super().__init__(message)
        self.message = message
        self.field = field
        # The values the message speaks of (for example the existing segment's name), for the
        # pages to say the same in the reader's language.
        self.params = dict(params or {})
        if code:
            self.code = code

    def to_dict(self):
        """Return the error as the JSON body the API sends."""
        body = {"code": self.code, "message": self.message}
        if self.field:
            body["field"] = self.field
        return body


class InvalidInput(SegmentsError):
    """A value is missing, malformed or out of range."""

    status = 422
    code = "invalid_input"


class NotFound(SegmentsError):
    """The object does not exist in the current account (or belongs to another account)."""

    status = 404
    code = "not_found"


class Conflict(SegmentsError):
    """The change clashes with existing data, for example a duplicate segment name."""

    status = 409
    code = "conflict"


class PermissionDenied(SegmentsError):
    """The user's role does not allow the action."""

    status = 403
    code = "forbidden"


class NotAuthenticated(SegmentsError):
    """No current user or account: the host did not say who is acting."""

    status = 401
    code = "not_authenticated"


class Vetoed(SegmentsError):
    """A host hook refused the change (for example a scheduled send still uses the segment)."""

    status = 409
    code = "vetoed"
