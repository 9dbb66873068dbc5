"""The example import file as the pages and the API hand it out: in a language, naming the
account's own segments (what it holds: :mod:`contact_segments.imports.template`)."""

from functools import cache

from babel.support import Translations

from contact_segments import segments
from contact_segments.imports.template import example_language, template_csv, template_xlsx

from .ui_i18n import SUPPORTED_LOCALES, TRANSLATIONS_DIR, current_locale

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_TYPE = "text/csv; charset=utf-8"
KINDS = ("csv", "xlsx")
#: The languages the example comes in, as ``lang`` accepts them ("pt_BR" or "pt-BR").
LANGUAGES = SUPPORTED_LOCALES + tuple(locale.replace("_", "-") for locale in SUPPORTED_LOCALES if "_" in locale)
#: How many of the account's segments (by name) are read to find names for the sample row.
SEGMENTS_READ = 20


@cache
def _catalog(language):
    """The plugin's catalog of ``language`` (English: none, the words are the catalog's ids)."""
    return Translations.load(TRANSLATIONS_DIR, [language], domain="messages")


def example_file(scope, kind, locale=None):
    """``(body, mimetype)``: the example ``kind`` (``"csv"`` or ``"xlsx"``) in the language of
    ``locale`` ("pt_BR", "pt-BR", "de" ...; by default the page's), its sample row naming
    segments of ``scope``'s account when it has some."""
    language = example_language(locale or current_locale())
    names = [item.name for item in segments.list_segments(scope, per_page=SEGMENTS_READ).items]
    if kind == "xlsx":
        return template_xlsx(language, names, translate=_catalog(language).gettext), XLSX_TYPE
    return template_csv(language, names), CSV_TYPE
