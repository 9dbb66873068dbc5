"""Translations of the plugin's pages (Flask-Babel): English, Brazilian Portuguese, French, German,
Spanish, Italian and Polish (the languages the dashboard is used in).

The plugin keeps its own catalog (``contact_segments/translations``, domain ``messages``) in a
:class:`flask_babel.Domain`, so it never mixes with the host's catalogs. The locale is the host's
when the host set up Flask-Babel itself; otherwise the plugin sets Flask-Babel up with
``SEGMENTS_LOCALE`` when that is set, else the best match of the request's ``Accept-Language``.
"""

import os

from flask import current_app, has_request_context, request
from flask_babel import Babel, Domain, format_decimal, get_locale, refresh

from contact_segments.messages import Words

TRANSLATIONS_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "translations")
if not os.path.isdir(TRANSLATIONS_DIR):  # installed wheel: contact_segments/translations
    import contact_segments

    TRANSLATIONS_DIR = os.path.join(os.path.dirname(contact_segments.__file__), "translations")

#: The page languages: English (the strings in the code) and a catalog for each of the others.
SUPPORTED_LOCALES = ("en", "pt_BR", "fr", "de", "es", "it", "pl")
#: Language (primary subtag of an Accept-Language tag, lower case) -> locale. A regional variant
#: (de-AT, fr-CA, es-MX) gets its language's catalog; any Portuguese gets the Brazilian one.
_BY_LANGUAGE = {locale.split("_")[0].lower(): locale for locale in SUPPORTED_LOCALES}

domain = Domain(translation_directories=[TRANSLATIONS_DIR], domain="messages")


def gettext(string, **variables):
    """Translate ``string`` into the request's locale; ``%(name)s`` placeholders from ``variables``
    (a count given as ``num`` is written the locale's way, see :func:`number`)."""
    if isinstance(variables.get("num"), int):
        variables["num"] = number(variables["num"])
    return domain.gettext(string, **variables)


def ngettext(singular, plural, num, **variables):
    """Translate a message with a count ``num``: ``num`` chooses the plural form, and
    ``%(num)s`` in the message shows it written the locale's way ("1.500 Kontakte")."""
    variables.setdefault("num", number(num))
    # As Flask-Babel's Domain.ngettext, whose own ``num`` argument would take the written count.
    return domain.get_translations().ungettext(singular, plural, num) % variables


_ = gettext


def number(value):
    """``value`` written as the page's language writes numbers: 1,500 (en), 1.500 (de, pt_BR),
    1 500 (fr)."""
    return format_decimal(value)


def megabytes(size):
    """``size`` bytes in MB, written the page language's way ("50", "0.3", "0,3"; under 0.1 MB
    it keeps its first digits: "0.004", never "0")."""
    value = size / (1024 * 1024)
    return number(float(f"{value:.2g}") if value < 0.1 else round(value, 1))


def size_in_megabytes(size):
    """``size`` bytes as the pages write a file size: "0.3 MB" ("0,3 Mo" in French)."""
    return gettext("%(mb)s MB", mb=megabytes(size))


def page_words():
    """How the plugin's messages (:mod:`contact_segments.messages`) are worded for the reader
    of the current page: its language, its way of writing numbers, sizes in MB."""
    translations = domain.get_translations()
    return Words(english=current_locale().split("_", 1)[0] == "en", gettext=translations.gettext,
                 ngettext=translations.ngettext, number=number, size=size_in_megabytes)


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
        return locale_for_accept_language(request.accept_languages)
    return "en"


def locale_for_accept_language(accepted):
    """The page language for a browser's ``Accept-Language`` (Werkzeug's ``LanguageAccept``,
    best first): the first language it names that has a catalog, else ``"en"``."""
    for tag, quality in accepted:
        locale = _BY_LANGUAGE.get(tag.replace("_", "-").split("-")[0].lower())
        if locale is not None and quality > 0:
            return locale
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
    # The plugin's catalog for its macros on the host's own pages (``segments/macros.html``),
    # where ``_`` is the host's.
    app.add_template_global(gettext, "segments_gettext")
    app.add_template_filter(number, "segments_number")
