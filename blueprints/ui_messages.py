"""The plugin's errors as sentences for the pages, in the request's language.

Services raise :class:`~contact_segments.errors.SegmentsError` with an English message, a
stable ``code`` and the ``params`` it speaks of; :func:`describe` words the codes of the
message catalog (:mod:`contact_segments.messages`) and the others the pages can meet in the
reader's language (what is wrong and how to fix it), and falls back to the service's own
message for any other code.
"""

from contact_segments import messages
from contact_segments.errors import NotAuthenticated, NotFound, PermissionDenied, Vetoed

from .ui_i18n import _, label_of, page_words

ROLE_LABELS = {
    "consultant": lambda: _("consultant"),
    "manager": lambda: _("manager"),
    "admin": lambda: _("admin"),
}

ACTION_LABELS = {
    "view": lambda: _("see segments and their members"),
    "create": lambda: _("create segments"),
    "assign": lambda: _("add contacts to segments or remove them"),
    "import": lambda: _("import contacts"),
    "rename": lambda: _("rename segments"),
    "delete": lambda: _("delete segments"),
    "undo": lambda: _("undo imports"),
    "restore": lambda: _("restore deleted segments"),
}


def role_label(role):
    """The translated name of a role (the role itself when unknown)."""
    return label_of(ROLE_LABELS, role)


def forbidden(role, action):
    """The sentence shown when ``role`` may not perform ``action``."""
    return _("Your role (%(role)s) may not %(action)s. Ask a manager or an admin of your account.",
             role=role_label(role), action=label_of(ACTION_LABELS, action))


def _by_code(error, name):
    code = error.code
    if code == "name_required":
        return _("Give the segment a name (1 to 100 characters).")
    if code == "name_too_long":
        return _("The segment name is too long: use at most 100 characters.")
    if code == "name_invalid" and ";" in name:
        return _('The segment name cannot contain ";": import files use it to separate segment names.')
    if code == "name_invalid":
        return _("The segment name cannot contain line breaks or tabs.")
    if code == "name_taken":
        return _('A segment named "%(name)s" already exists. Choose another name.',
                 name=error.params.get("existing", name))
    if code == "name_confusable":
        return _('The name "%(name)s" looks the same as the segment "%(existing)s". '
                 'Choose a name that looks different.',
                 name=error.params.get("name", name), existing=error.params.get("existing", ""))
    return None


def describe(error, *, actor=None, action=None, name="", what="segment"):
    """Return the translated message for ``error`` met while doing ``action``.

    ``name`` is the segment name the user typed (for duplicate names); ``what`` says which kind
    of object a :class:`NotFound` was about (``"segment"``, ``"contacts"``, ``"import"``,
    ``"notification"`` or ``"contact"``).
    """
    if isinstance(error, PermissionDenied) and actor is not None and action:
        return forbidden(actor.role, action)
    if isinstance(error, NotAuthenticated):
        return _("Sign in to use customer segments.")
    if isinstance(error, NotFound):
        if what == "segment":
            return _("This segment no longer exists: someone may have just deleted it. "
                     "The list below is up to date.")
        if what == "contacts":
            return _("Some of the chosen contacts no longer exist in this account. "
                     "Reload the page and choose again.")
        if what == "import":
            return _("There is no such import in this account.")
        if what == "notification":
            return _("This notification does not exist.")
        if what == "contact":
            return _("There is no such contact in this account.")
    if isinstance(error, Vetoed):
        return _("The segment cannot be deleted: %(reason)s", reason=error.message.split(": ", 1)[-1])
    if messages.knows(error.code):
        return messages.render(error.code, error.params, page_words())
    return _by_code(error, name) or error.message
