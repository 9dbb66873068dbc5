"""The shape of a catalog entry, and the markers that let ``pybabel extract`` find the templates
(see ``babel.cfg``): :func:`N_` marks a sentence, :func:`ngettext` a sentence with plural forms.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Text:
    """A message template: ``text`` (English, with ``%(name)s`` placeholders); with ``plural``,
    the param named ``count`` chooses the form."""

    text: str
    plural: str | None = None
    count: str | None = None


def N_(text):  # noqa: N802 - the usual name of a gettext no-op marker
    """Mark ``text`` for the catalog; it is translated when it is rendered."""
    return text


def ngettext(singular, plural, count):
    """Mark a template with plural forms (extracted as ``ngettext``); the param ``count`` (a
    name) chooses the form when it is rendered."""
    return Text(singular, plural, count)
