"""The plugin's pages inside the host's dashboard: contacts with segments, bulk actions,
segment create/rename/delete, the contact import pages and in-app notifications.

:func:`init_ui` registers the blueprint ``segments`` under ``SEGMENTS_URL_PREFIX``. Templates live
under ``templates/segments/`` (a host template of the same name overrides any of them) and extend
the host's layout named by ``SEGMENTS_BASE_TEMPLATE`` (blocks ``title``, ``head``, ``content``,
``scripts``). Every state-changing request is CSRF-checked (Flask-WTF); every page runs as the
host's current actor, scoped to its account and checked against the role policy.
"""

from flask import Blueprint, current_app, jsonify, request
from flask_wtf.csrf import CSRFError, CSRFProtect

from contact_segments.errors import SegmentsError, PermissionDenied

from . import ui_bulk, ui_contacts, ui_imports, ui_notifications, ui_segments
from .ui_common import FORM_REDISPLAY, pop_messages, render
from .ui_i18n import _, gettext, init_i18n, ngettext, refresh_locale
from .ui_messages import describe

PAGE_MODULES = (ui_contacts, ui_segments, ui_bulk, ui_imports, ui_notifications)
SAFE_METHODS = ("GET", "HEAD", "OPTIONS", "TRACE")


def _wants_json():
    return request.path.endswith(".json") or (
        request.accept_mimetypes.best == "application/json"
    )


def _page_context():
    return {
        "segments_base_template": current_app.config["SEGMENTS_BASE_TEMPLATE"],
        "_": gettext, "gettext": gettext, "ngettext": ngettext,
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
    message = describe(error, actor=actor, action=action)
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
    if redisplay is not None:
        response = redisplay(request.form, message)
        return response if not isinstance(response, tuple) else (response[0], 400)
    return render("segments/error.html", status=400, message=message, status_code=400)


def _init_csrf(app, blueprint):
    """Use the host's CSRFProtect when it has one; else check only this blueprint's requests."""
    if "csrf" in app.extensions:
        return
    app.config.setdefault("WTF_CSRF_CHECK_DEFAULT", False)
    csrf = CSRFProtect(app)

    @blueprint.before_request
    def _check_csrf():
        if request.method not in SAFE_METHODS:
            csrf.protect()


def init_ui(app, state):
    """Register the UI blueprint (named ``segments``) on ``app`` under ``SEGMENTS_URL_PREFIX``.

    Sets up Flask-Babel (with the plugin's own catalog) and Flask-WTF's CSRF protection when the
    host has not done so itself. Returns the blueprint.
    """
    blueprint = Blueprint("segments", __name__, template_folder="templates", static_folder="static",
                          static_url_path="/static")
    init_i18n(app)
    # Choose the locale afresh for every request, even when a test or a host reuses one app
    # context for several requests (Flask-Babel caches it on ``g``).
    blueprint.before_request(refresh_locale)
    _init_csrf(app, blueprint)
    for module in PAGE_MODULES:
        module.register(blueprint)
    blueprint.context_processor(_page_context)
    blueprint.register_error_handler(SegmentsError, _on_segments_error)
    blueprint.register_error_handler(CSRFError, _on_csrf_error)
    app.register_blueprint(blueprint, url_prefix=app.config["SEGMENTS_URL_PREFIX"])
    return blueprint


__all__ = ["init_ui"]
