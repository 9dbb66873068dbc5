"""Translations of the plugin's pages (Flask-Babel): English and Brazilian Portuguese.

The plugin keeps its own catalog (``contact_segments/translations``, domain ``messages``) in a
:class:`flask_babel.Domain`, so it never mixes with the host's catalogs. The locale is the host's
when the host set up Flask-Babel itself; otherwise the plugin sets Flask-Babel up with
``SEGMENTS_LOCALE`` when that is set, else the best match of the request's ``Accept-Language``.
"""

import os

from flask import current_app, has_request_context, request
from flask_babel import Babel, Domain, get_locale, refresh

TRANSLATIONS_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "translations")
if not os.path.isdir(TRANSLATIONS_DIR):  # installed wheel: contact_segments/translations
    import contact_segments

    TRANSLATIONS_DIR = os.path.join(os.path.dirname(contact_segments.__file__), "translations")

SUPPORTED_LOCALES = ("en", "pt_BR")

domain = Domain(translation_directories=[TRANSLATIONS_DIR], domain="messages")


def gettext(string, **variables):
    """Translate ``string`` into the request's locale; ``%(name)s`` placeholders from ``variables``."""
    return domain.gettext(string, **variables)


def ngettext(singular, plural, num, **variables):
    """Translate a message with a count ``num`` (``%(num)d`` in the message)."""
    return domain.ngettext(singular, plural, num, **variables)


_ = gettext


def label_of(labels, key):
    """Translate ``key`` with ``labels`` (key -> function returning the translated label);
    ``key`` itself when it has no label."""
    label = labels.get(key)
    return label() if label else key


def select_locale():
    """The locale of the current request: ``SEGMENTS_LOCALE``, else ``Accept-Language``, else en."""
    configured = current_app.config.get("SEGMENTS_LOCALE") or ""
    if configured:
        return configured
    if has_request_context():
        best = request.accept_languages.best_match(["en", "pt-BR", "pt"], default="en")
        return "pt_BR" if best.startswith("pt") else "en"
    return "en"


def current_locale():
    """The locale the plugin's pages are shown in, as a string such as ``"pt_BR"``."""
    return str(get_locale() or "en")


def refresh_locale():
    """Forget the locale Flask-Babel cached, so that this request's own is chosen."""
    refresh()


def init_i18n(app):
    """Set Flask-Babel up on ``app`` unless the host already did; expose the helpers to Jinja."""
    if "babel" not in app.extensions:
        Babel(app, locale_selector=select_locale)
    app.add_template_global(current_locale, "segments_locale")
