"""Sentences with a count that the page's script completes: every plural form of the page's
language, for the script to choose from as the count changes (boxes ticked).

A catalog numbers its plural forms by its own ``Plural-Forms`` formula (``msgstr[0]``,
``msgstr[1]`` ...); a browser names them by CLDR category (``Intl.PluralRules``: ``one``,
``few``, ``many``, ``other``). :func:`plural_forms` joins the two: for each category of the
language it asks the catalog for the form of a whole number in that category. The
script then picks the form with ``Intl.PluralRules`` and writes the count with
``Intl.NumberFormat``, so "1 contato selecionado", "2 contatos selecionados" and "1.500" come
out as the server would write them.
"""

import itertools
import json
from functools import cache

from babel import Locale

from .ui_i18n import current_locale, domain

#: Whole numbers tried, in this order, to find one of each plural category: 1 first, so that
#: the category of 1 is asked with 1 (a message not yet translated then falls back to English
#: right), 0 after the others; a million is the ``many`` of French, Spanish, Italian and
#: Portuguese.
_CANDIDATES = (range(1, 200), (0, 10**6, 2 * 10**6))


@cache
def plural_witnesses(locale):
    """``{category: first whole number of that category}`` for ``locale`` ("pt_BR")."""
    rule = Locale.parse(locale).plural_form
    found = {}
    for number in itertools.chain(*_CANDIDATES):
        found.setdefault(rule(number), number)
    return found


def plural_forms(singular, plural):
    """The message ``singular`` / ``plural`` in every plural form of the page's language, as
    JSON ``{"one": "...", "other": "..."}`` (placeholders such as ``%(num)s`` kept) for a
    ``data-*`` attribute that the page's script reads."""
    translations = domain.get_translations()
    forms = {category: translations.ungettext(singular, plural, witness)
             for category, witness in plural_witnesses(current_locale()).items()}
    return json.dumps(forms, ensure_ascii=False, sort_keys=True)
