"""What a contact search matches: the words people type, whatever their case and accents, and
phone numbers in any typed form.

* **Words.** The search text is cut into words; a contact matches when every word is part of its
  *search document*: "first last", email, mobile and external id joined by a separator that no
  search holds (so no match runs from one field into the next). Both sides are *folded* by the
  database function ``segments_fold`` (lower case, accents taken off: "João ARAÚJO" →
  "joao araujo", "Weiß" → "weiss", "Łukasz" → "lukasz").
* **Phone numbers.** A search made only of digits and phone punctuation (``+ - ( ) . /`` and
  spaces) also matches when its digits are part of the stored E.164 number ("(415) 555-1011",
  "415.555.1011", "1-415-555-1011" all find +14155551011), also once a dialling prefix is taken
  off (a trunk or international prefix as phonenumbers' metadata lists them: "020 7946 0018"
  finds +442079460018, "011 98765-4321" +5511987654321, "0055 11 98765 4321" too) or read by
  phonenumbers ("+44 (0)20 7946 0018").

``segments_fold`` is a SQL function made by migration ``0010_contact_search_index`` on
PostgreSQL (with the ``unaccent`` extension when the database allows it, else with
``normalize`` and a fixed table), and registered on every SQLite connection as :func:`fold`.
On PostgreSQL a trigram index of the folded document (``pg_trgm``) answers a search without
reading every contact; :func:`search_index_statements` writes the indexes for a host's table.
"""

import functools
import re
import unicodedata

import phonenumbers
import sqlalchemy as sa
from phonenumbers import COUNTRY_CODE_TO_REGION_CODE, NumberParseException, PhoneMetadata
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Engine

FOLD_FUNCTION = "segments_fold"
SEARCH_INDEX = "ix_segments_contact_search"
NAME_INDEX = "ix_segments_contact_account_name"
#: Joins the fields of the search document; a search never holds it (control characters are
#: taken out of the search text).
FIELD_SEPARATOR = "\x1f"
OPTIONAL_SEARCHED = ("email", "mobile", "external_id")
#: Letters that Unicode does not decompose into a base letter and an accent, and the typographic
#: apostrophes (O’Brien is O'Brien).
_UNDECOMPOSED = str.maketrans({
    "ł": "l", "Ł": "l", "ø": "o", "Ø": "o", "đ": "d", "Đ": "d", "ħ": "h", "Ħ": "h", "ı": "i",
    "ŧ": "t", "Ŧ": "t", "ð": "d", "Ð": "d", "ß": "ss", "ẞ": "ss", "æ": "ae", "Æ": "ae",
    "œ": "oe", "Œ": "oe", "þ": "th", "Þ": "th", "’": "'", "‘": "'",
})
_PHONE_TEXT = re.compile(r"[\d\s+\-().\/]+")
_MIN_PHONE_DIGITS, _MAX_PHONE_DIGITS = 4, 17
#: Digits left after a dialling prefix for them to count as a national number.
_MIN_NATIONAL_DIGITS = 6
_MAX_WORDS = 10


def fold(text):
    """``text`` in lower case without accents, as the search compares it ("João" → "joao")."""
    if text is None:
        return None
    if text.isascii():
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(char for char in decomposed if not unicodedata.combining(char))
    return bare.translate(_UNDECOMPOSED).lower()


@sa.event.listens_for(Engine, "engine_connect")
def _register_fold_on_sqlite(connection):
    """Give every SQLite connection the ``segments_fold`` function PostgreSQL gets by migration."""
    if connection.dialect.name != "sqlite":
        return
    pooled = connection.connection
    if not pooled.info.get(FOLD_FUNCTION):
        pooled.dbapi_connection.create_function(FOLD_FUNCTION, 1, fold, deterministic=True)
        pooled.info[FOLD_FUNCTION] = True


def search_text(text):
    """The search as typed, control characters (tabs, line breaks...) turned into spaces."""
    return "".join(" " if ord(char) < 32 else char for char in text or "")


def _literal(text):
    """A constant written into the statement (not a bound parameter), so that PostgreSQL sees the
    same expression as the index's."""
    return sa.literal_column("'" + text.replace("'", "''") + "'", sa.Text)


def folded(expression):
    """``segments_fold(expression)``."""
    return sa.func.segments_fold(expression, type_=sa.Text)


def _field(mapping, name):
    return sa.func.coalesce(mapping.col(name), _literal(""), type_=sa.Text)


def full_name(mapping):
    """The contact's "first last" (empty parts as empty text)."""
    return _field(mapping, "first_name").op("||")(_literal(" ")).op("||")(_field(mapping, "last_name"))


def name_key(mapping):
    """What the list sorts by name: the folded full name (indexed on PostgreSQL)."""
    return folded(full_name(mapping))


def search_document(mapping):
    """The folded text a search looks into (indexed with trigrams on PostgreSQL)."""
    document = full_name(mapping)
    for name in OPTIONAL_SEARCHED:
        if mapping.has(name):
            document = document.op("||")(_literal(FIELD_SEPARATOR)).op("||")(_field(mapping, name))
    return folded(document)


def _contains(text):
    """A LIKE pattern that finds ``text`` anywhere (``%``, ``_`` and ``\\`` are plain characters)."""
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _is_phone_text(text):
    return bool(_PHONE_TEXT.fullmatch(text))


def _dialling_prefixes():
    """The international (00, 011, 810...) and trunk (0, 1, 8, 06) prefixes that phonenumbers'
    metadata writes as plain digits, longest first: what a national or dialled form may start with
    that its E.164 number does not hold."""
    prefixes = set()
    for regions in COUNTRY_CODE_TO_REGION_CODE.values():
        for region in regions:
            metadata = PhoneMetadata.metadata_for_region(region)
            if metadata is None:
                continue
            for prefix in (metadata.international_prefix, metadata.national_prefix):
                if prefix and prefix.isdigit():
                    prefixes.add(prefix)
    return tuple(sorted(prefixes, key=lambda prefix: (-len(prefix), prefix)))


_DIALLING_PREFIXES = _dialling_prefixes()


@functools.lru_cache(maxsize=1024)
def phone_digit_forms(text):
    """The digit strings a phone number typed as ``text`` may hold in E.164, empty when ``text``
    is not a phone number: its digits ("(415) 555-1011" → 4155551011), the digits after a
    dialling prefix ("020 7946 0018" → 2079460018, "0055 11 98765 4321" → 5511987654321), and
    phonenumbers' reading of an international form ("+44 (0)20 7946 0018" → 442079460018)."""
    text = text.strip()
    digits = re.sub(r"\D", "", text)
    if not _is_phone_text(text) or not _MIN_PHONE_DIGITS <= len(digits) <= _MAX_PHONE_DIGITS:
        return ()
    forms = {digits}
    if text.startswith("+"):
        try:
            number = phonenumbers.parse(text, None)
            forms.add(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)[1:])
        except NumberParseException:
            pass
    else:
        forms.update(digits[len(prefix):] for prefix in _DIALLING_PREFIXES
                     if digits.startswith(prefix) and len(digits) - len(prefix) >= _MIN_NATIONAL_DIGITS)
    return tuple(sorted(forms))


def search_clause(mapping, text):
    """The WHERE clause of a search for ``text`` (already cleaned and not empty): every word in
    the contact's folded search document, or, for a phone number, one of its digit forms."""
    document = search_document(mapping)
    words = text.split()[:_MAX_WORDS]
    alternatives = [sa.and_(*(document.like(folded(_pattern(word)), escape="\\") for word in words))]
    alternatives += [document.like(_pattern(form), escape="\\") for form in phone_digit_forms(text)]
    return sa.or_(*alternatives)


def _pattern(text):
    """The LIKE pattern that finds ``text``, written into the statement: PostgreSQL then plans
    each search with its own words (a prepared statement's generic plan, blind to them, walked
    every contact of the account for a word that no contact has: 1.8 s at a million)."""
    return sa.literal(_contains(text), sa.Text, literal_execute=True)


def _postgresql_sql(expression):
    """``expression`` as PostgreSQL SQL, its columns not qualified by their table (as in an index)."""
    dialect = postgresql.dialect()
    return dialect.statement_compiler(dialect, None).process(expression, include_table=False,
                                                              literal_binds=True)


def search_index_statements(mapping, search_index=None, name_index=None):
    """The PostgreSQL statements that create the search index (trigrams: the ``pg_trgm``
    extension, created first if missing) and the name-order index on ``mapping``'s table: what
    migration ``0010_contact_search_index`` runs for ``segments_contact``, for a host that brings
    its own contact table (``CREATE INDEX IF NOT EXISTS``; add ``CONCURRENTLY`` on a busy table)."""
    quote = postgresql.dialect().identifier_preparer.quote
    table = mapping.table.name
    search_index = search_index or f"ix_{table}_segments_search"
    name_index = name_index or f"ix_{table}_segments_name"
    return [
        "CREATE EXTENSION IF NOT EXISTS pg_trgm",
        f"CREATE INDEX IF NOT EXISTS {quote(search_index)} ON {quote(table)} "
        f"USING gin (({_postgresql_sql(search_document(mapping))}) gin_trgm_ops)",
        f"CREATE INDEX IF NOT EXISTS {quote(name_index)} ON {quote(table)} "
        f"({quote(mapping.col('account_id').name)}, ({_postgresql_sql(name_key(mapping))}), "
        f"{quote(mapping.col('id').name)})",
    ]
