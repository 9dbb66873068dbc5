"""Every sentence the plugin says to people, found by a code: one catalog for the pages, the JSON
API, the CLI, the per-row report and the notifications.

Inside the plugin a message is a ``code`` and the ``params`` it speaks of, never a sentence: a
row issue is ``RowIssue(line, column, code, params)``, a refused file ``FileRefused(code,
params)``, a notification ``Notice(kind, import_id, params)``. The edges word them here:

* :func:`english` (the API's and the CLI's ``message``, the hook's ``Notice.message``);
* :func:`render` with the :class:`Words` of a reader (the pages, in the reader's language:
  :func:`contact_segments.blueprints.ui_i18n.page_words`).

A code's sentence is an English template with ``%(name)s`` placeholders (the msgid of the
plugin's Flask-Babel catalog); ``params["variant"]`` picks another sentence of the same code
(``"<code>.<variant>"``). A value of ``params`` is written as it is, unless it is one of these
(JSON-ready, so they can be stored):

* :func:`column` ``{"column": "Mobile Number"}``: a template column, named in the reader's
  language;
* :func:`count` ``{"count": 1500}``: a number written the reader's way ("1,500", "1.500");
* :func:`size` ``{"bytes": 4096}``: a file size ("4 KB");
* :func:`phrase` ``{"message": code, "params": {...}}``: another catalog message, in the same
  language (a reason inside a sentence, a contact's description);
* :func:`names` ``{"names": [...]}``: values listed as "a", "b" and "c";
* :func:`joined` ``{"joined": [...]}``: values listed as "a; b; c".

A preview (an import with ``dry_run``) changes nothing: ``preview=True`` words a code in the
conditional, with the ``"<code>.preview"`` sentence (``"<code>.<variant>.preview"`` for a
variant) when the catalog has one ("… would be used" rather than "… was used").

A ``str`` where ``params`` is expected is the sentence stored by an earlier version, which
knew no params: :func:`render` returns it as it is.
"""

import os
from dataclasses import dataclass

from .catalog import CATALOG, COLUMN_NAMES, LIST_AND, ROW_AT_LINE, Text

__all__ = [
    "CATALOG", "ENGLISH", "Text", "Words", "column", "column_label", "count", "english", "issue_text", "joined",
    "knows", "names", "phrase", "refusal_text", "render", "size", "size_text", "stored_issue_text", "words_for",
]

MIB = 1024 * 1024
#: The suffix of a sentence worded for a preview.
PREVIEW = "preview"


def size_text(n):
    """``n`` bytes in English: "50 MB", "300 KB", "12 bytes"."""
    if n >= MIB:
        return f"{n / MIB:g} MB"
    if n >= 1024:
        return f"{n / 1024:g} KB"
    return f"{n} bytes"


def _english_plural(singular, plural, n):
    return singular if n == 1 else plural


@dataclass(frozen=True)
class Words:
    """How one reader is spoken to: ``gettext(msgid)`` and ``ngettext(singular, plural, n)``
    translate a template, ``number(n)`` writes a count, ``size(bytes)`` a file size;
    ``english`` says whether the reader reads English (then a sentence stored in English by an
    earlier version is shown as it is)."""

    english: bool = True
    gettext: object = str
    ngettext: object = _english_plural
    number: object = "{:,}".format
    size: object = size_text


#: English, as the API, the CLI and the hooks speak (no Flask context needed).
ENGLISH = Words()

#: The plugin's Flask-Babel catalogs (domain ``messages``), one folder per page language.
TRANSLATIONS_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "translations")


def words_for(locale):
    """The :class:`Words` of a reader of ``locale`` (``"pt_BR"``, ``"de"``), from the plugin's
    catalog and Babel's number format, without Flask: for a host that words notices itself."""
    from babel.numbers import format_decimal
    from babel.support import Translations

    translations = Translations.load(TRANSLATIONS_DIR, [locale], domain="messages")
    return Words(english=locale.split("_", 1)[0] == "en", gettext=translations.gettext,
                 ngettext=translations.ngettext,
                 number=lambda n: format_decimal(n, locale=locale))


def column(name):
    """A template column's header (``"Mobile Number"``) as a message value."""
    return {"column": name}


def count(n):
    """A number to write the reader's way ("1,500") as a message value."""
    return {"count": n}


def size(n_bytes):
    """A file size in bytes as a message value."""
    return {"bytes": n_bytes}


def phrase(code, **params):
    """Another catalog message (``code`` with ``params``) as a message value."""
    return {"message": code, "params": params}


def names(values):
    """Values to list as "a", "b" and "c" (each quoted) as a message value."""
    return {"names": list(values)}


def joined(values):
    """Values (plain or message values) to list as "a; b; c" as a message value."""
    return {"joined": list(values)}


class _Values(dict):
    """The values of a template; a placeholder without a value shows as "…", never fails."""

    def __missing__(self, key):
        return "…"


def _text_of(key):
    entry = CATALOG.get(key)
    if entry is None or isinstance(entry, Text):
        return entry
    return Text(entry)


def _entry(code, params, preview=False):
    variant = params.get("variant")
    keys = [f"{code}.{variant}", code] if variant else [code]
    for key in keys:
        found = _text_of(key)
        if found is not None:
            return (_text_of(f"{key}.{PREVIEW}") or found) if preview else found
    return None


def column_label(name, words=ENGLISH):
    """A template column's header in the language of ``words`` (other names as they are)."""
    return words.gettext(name) if name in COLUMN_NAMES else name


def knows(code):
    """True when the catalog has a sentence for ``code``."""
    return code in CATALOG


def _value(value, words):
    if not isinstance(value, dict):
        return value
    if "column" in value:
        return column_label(value["column"], words)
    if "count" in value:
        return words.number(value["count"])
    if "bytes" in value:
        return words.size(value["bytes"])
    if "message" in value:
        return render(value["message"], value.get("params"), words)
    if "names" in value:
        quoted = [f'"{_value(name, words)}"' for name in value["names"]]
        if len(quoted) < 2:
            return "".join(quoted)
        return words.gettext(LIST_AND) % {"items": ", ".join(quoted[:-1]), "last": quoted[-1]}
    if "joined" in value:
        return "; ".join(str(_value(item, words)) for item in value["joined"])
    return value


def _raw_count(value):
    return value["count"] if isinstance(value, dict) and "count" in value else value


def render(code, params=None, words=ENGLISH, preview=False):
    """The sentence of ``code`` with ``params``, in the language of ``words`` (English by
    default); ``preview``: in the conditional when the code has such a sentence. ``params``
    given as a ``str`` (a sentence stored by an earlier version) is returned as it is; a code
    the catalog does not know gives ``None``."""
    if isinstance(params, str):
        return params
    params = params or {}
    entry = _entry(code, params, preview)
    if entry is None:
        return None
    values = _Values((name, _value(value, words)) for name, value in params.items())
    if entry.plural is None:
        return words.gettext(entry.text) % values
    return words.ngettext(entry.text, entry.plural, int(_raw_count(params.get(entry.count, 0)))) % values


def english(code, params=None):
    """The English sentence of ``code`` with ``params`` (the API's and the CLI's ``message``);
    the code itself when the catalog does not know it."""
    found = render(code, params)
    return code if found is None else found


def _issue_params(line, column_name, params):
    return {"line": line, "column": column(column_name) if column_name else "—", **(params or {})}


def issue_text(line, column_name, code, params, words=ENGLISH, located=False, preview=False):
    """The sentence of a row issue (its ``line`` and ``column`` are params too).

    ``located``: a sentence that does not name its line starts with "Line N: " (the pages and
    the report show it so, the API does not). ``preview``: the row is one of a preview, worded
    in the conditional. ``params`` as a ``str``: see :func:`stored_issue_text`.
    """
    if isinstance(params, str):
        return stored_issue_text(line, column_name, code, params, words, preview)
    values = _issue_params(line, column_name, params)
    text = render(code, values, words, preview)
    if text is None:
        return code
    entry = _entry(code, values, preview)
    if located and "%(line)s" not in entry.text:
        text = words.gettext(ROW_AT_LINE) % {"line": line, "problem": text}
    return text


def stored_issue_text(line, column_name, code, sentence, words=ENGLISH, preview=False):
    """A row issue stored as an English ``sentence`` by an earlier version: the sentence in
    English (or for a code without one), else the code's general sentence in the reader's
    language, which names only the line and the column (in the conditional for a
    ``preview``)."""
    if words.english or f"{code}.stored_row" not in CATALOG:
        return sentence
    values = _issue_params(line, column_name, {
        "variant": "stored_row", "mobile": column("Mobile Number"), "email": column("Email")})
    return render(code, values, words, preview)


def refusal_text(code, params, sentence, words=ENGLISH):
    """Why a file was refused or an import failed (``code``, ``params``), in the language of
    ``words``; without ``params`` (stored by an earlier version) the stored English
    ``sentence``, or the code's general sentence in another language when it has one."""
    if params is None:
        if words.english or f"{code}.stored_file" not in CATALOG:
            return sentence
        return render(code, {"variant": "stored_file"}, words)
    return render(code, params, words) or sentence
