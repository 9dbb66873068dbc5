"""The plugin's pages inside the host's dashboard: contacts with segments, bulk actions,
segment create/rename/delete, the contact import pages and in-app notifications.

:func:`init_ui` registers the blueprint ``segments`` under ``SEGMENTS_URL_PREFIX``. Templates live
under ``templates/segments/`` (a host template of the same name overrides any of them) and extend
the host's layout named by ``SEGMENTS_BASE_TEMPLATE`` (blocks ``title``, ``head``, ``content``,
``scripts``). Every state-changing request is CSRF-checked by the plugin itself (:mod:`.csrf`);
every response carries the security headers of :mod:`.response_headers`; every page runs as
the host's current actor, scoped to its account and checked against the role policy.
"""

from flask import Blueprint, current_app, jsonify, request
from flask_wtf.csrf import CSRFError, CSRFProtect

from contact_segments.errors import SegmentsError, PermissionDenied

from . import (
    request_limits, ui_audience, ui_bulk, ui_contacts, ui_history, ui_imports, ui_notifications, ui_segments,
    ui_undo,
)
from .csrf import check_page_request
from .response_headers import add_security_headers
from .ui_common import FORM_REDISPLAY, pop_messages, render
from .ui_i18n import _, gettext, init_i18n, ngettext, refresh_locale
from .ui_messages import describe
from .ui_plurals import plural_forms

PAGE_MODULES = (ui_contacts, ui_segments, ui_bulk, ui_imports, ui_notifications, ui_audience, ui_history,
                ui_undo)
# Which kind of object a page's 404 is about, by the id in its URL.
NOT_FOUND_KINDS = {"segment_id": "segment", "import_id": "import", "notification_id": "notification",
                   "contact_id": "contact"}


def _wants_json():
    return request.path.endswith(".json") or (
        request.accept_mimetypes.best == "application/json"
    )


def _page_context():
    return {
        "segments_base_template": current_app.config["SEGMENTS_BASE_TEMPLATE"],
        "_": gettext, "gettext": gettext, "ngettext": ngettext, "plural_forms": plural_forms,
        "segments_page_messages": pop_messages,
        "segments_notifications": ui_notifications.page_notifications,
    }


def _acting_user():
    try:
        return current_app.extensions["segments"].current_actor()
    except SegmentsError:
        return None


def _on_segments_error(error):
    actor = _acting_user()
    action = "view" if isinstance(error, PermissionDenied) else None
    what = next((kind for key, kind in NOT_FOUND_KINDS.items() if key in (request.view_args or {})),
                "segment")
    message = describe(error, actor=actor, action=action, what=what)
    if _wants_json():
        body = error.to_dict()
        body["message"] = message
        return jsonify(body), error.status
    return render("segments/error.html", status=error.status, message=message, status_code=error.status)


def _on_csrf_error(error):
    message = _("This form had expired (its security token was missing or too old), so nothing "
                "was changed. Check what you typed below and submit it again.")
    if _wants_json():
        return jsonify({"code": "csrf", "message": message}), 400
    redisplay = FORM_REDISPLAY.get(request.endpoint)
    if redisplay is not None and _acting_user() is not None:  # a form is shown only to its user
        response = redisplay(request.form, message)
        return response if not isinstance(response, tuple) else (response[0], 400)
    return render("segments/error.html", status=400, message=message, status_code=400)


def _init_csrf(app, blueprint):
    """Check the CSRF token of every state-changing page request (the plugin's own check, see
    :mod:`.csrf`, whatever the host configured). A host without Flask-WTF's ``CSRFProtect`` gets
    one that checks nothing by itself (``WTF_CSRF_CHECK_DEFAULT`` off), for ``csrf_token()``."""
    blueprint.before_request(check_page_request)
    if "csrf" not in app.extensions:
        app.config.setdefault("WTF_CSRF_CHECK_DEFAULT", False)
        CSRFProtect(app)


def init_ui(app, state):
    """Register the UI blueprint (named ``segments``) on ``app`` under ``SEGMENTS_URL_PREFIX``.

    Sets up Flask-Babel (with the plugin's own catalog) and Flask-WTF's CSRF protection when the
    host has not done so itself. Returns the blueprint.
    """
    blueprint = Blueprint("segments", __name__, template_folder="templates", static_folder="static",
                          static_url_path="/static")
    init_i18n(app)
    ui_audience.init_picker(app)
    # Choose the locale afresh for every request, even when a test or a host reuses one app
    # context for several requests (Flask-Babel caches it on ``g``).
    # Size and shape of request bodies, checked before any before_request (see .request_limits).
    request_limits.guard(blueprint, answer=ui_imports.refused_request_page)
    blueprint.before_request(refresh_locale)
    _init_csrf(app, blueprint)
    blueprint.after_request(add_security_headers)
    for module in PAGE_MODULES:
        module.register(blueprint)
    blueprint.context_processor(_page_context)
    blueprint.register_error_handler(SegmentsError, _on_segments_error)
    blueprint.register_error_handler(CSRFError, _on_csrf_error)
    app.register_blueprint(blueprint, url_prefix=app.config["SEGMENTS_URL_PREFIX"])
    return blueprint


__all__ = ["init_ui"]
