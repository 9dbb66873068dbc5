"""The columns of the import template and how a file's header row is matched to them.

Headers are matched ignoring case, spaces, punctuation and accents ("Código do país",
"CODIGO DO PAIS" and "codigo_do_pais" are one header), against the template names and the
aliases of every language in :data:`HEADER_ALIASES` (English, Brazilian Portuguese, French,
German, Spanish, Italian and Polish: the dashboard's languages). A language joins by adding one
dict; an alias that would name two different columns stops the import of this module.
"""

from dataclasses import dataclass, field

from contact_segments.names import search_key

from .. import messages
from .errors import FileRefused


@dataclass(frozen=True)
class Column:
    """One column of the template: its field key, its header as written in the template, the
    longest value accepted (characters, after stripping) and whether it must be present."""

    key: str
    header: str
    max_length: int
    required: bool = False


#: The template columns, in template order.
COLUMNS = (
    Column("country_code", "Country Code", 2, required=True),
    Column("first_name", "First Name", 100, required=True),
    Column("last_name", "Last Name", 100, required=True),
    Column("mobile", "Mobile Number", 32),
    Column("email", "Email", 254),
    Column("account_number", "Account Number", 64),
    Column("organization", "Organization", 200),
    Column("external_id", "External ID", 128),
    Column("segments", "Segments", 4000),
)

#: Field key -> :class:`Column`.
COLUMN_BY_KEY = {column.key: column for column in COLUMNS}

#: The field keys, in template order.
FIELDS = tuple(column.key for column in COLUMNS)

#: At least one of these columns must be in the header (and one of them filled in each row).
CONTACT_POINT_FIELDS = ("mobile", "email")

#: Header aliases per language: language -> field key -> accepted headers. Matching ignores case,
#: spaces, punctuation and accents, so list each wording once. The template header of each column
#: is always accepted too.
HEADER_ALIASES = {
    "en": {
        "country_code": ("Country Code", "Country", "Country ISO", "ISO Country Code"),
        "first_name": ("First Name", "Given Name", "Firstname", "Forename"),
        "last_name": ("Last Name", "Surname", "Family Name", "Lastname"),
        "mobile": (
            "Mobile Number", "Mobile", "Mobile Phone", "Cell", "Cell Phone", "Cellphone",
            "Phone", "Phone Number", "Telephone",
        ),
        "email": ("Email", "E-mail", "Email Address", "E-mail Address", "Mail"),
        "account_number": ("Account Number", "Account", "Account No", "Customer Number"),
        "organization": ("Organization", "Organisation", "Company", "Company Name"),
        "external_id": ("External ID", "External Identifier", "CRM ID"),
        "segments": ("Segments", "Segment", "Tags"),
    },
    "pt_BR": {
        "country_code": ("Código do país", "País", "Código país", "Código ISO do país"),
        "first_name": ("Nome", "Primeiro nome", "Prenome"),
        "last_name": ("Sobrenome", "Último nome"),
        "mobile": (
            "Número de celular", "Celular", "Número do celular", "Telefone celular",
            "Telefone", "Fone", "Número de telefone",
        ),
        "email": ("E-mail", "Endereço de e-mail", "Correio eletrônico"),
        "account_number": ("Número da conta", "Conta", "Número de conta"),
        "organization": ("Organização", "Empresa"),
        "external_id": ("ID externo", "Identificador externo", "Código externo"),
        "segments": ("Segmentos", "Segmento"),
    },
    "fr": {
        "country_code": ("Code pays", "Pays", "Code du pays", "Code ISO du pays"),
        "first_name": ("Prénom",),
        "last_name": ("Nom", "Nom de famille"),
        "mobile": (
            "Numéro de portable", "Portable", "Téléphone portable", "Numéro de mobile",
            "Téléphone", "Numéro de téléphone",
        ),
        "email": ("E-mail", "Courriel", "Adresse e-mail", "Adresse électronique"),
        "account_number": ("Numéro de compte", "Compte", "Numéro client"),
        "organization": ("Organisation", "Entreprise", "Société"),
        "external_id": ("ID externe", "Identifiant externe"),
        "segments": ("Segments", "Segment"),
    },
    "de": {
        "country_code": ("Ländercode", "Land", "Landescode", "Länderkürzel"),
        "first_name": ("Vorname",),
        "last_name": ("Nachname", "Familienname"),
        "mobile": (
            "Mobilnummer", "Handynummer", "Handy", "Mobiltelefon", "Mobil", "Telefon",
            "Telefonnummer",
        ),
        "email": ("E-Mail", "E-Mail-Adresse"),
        "account_number": ("Kontonummer", "Kundennummer", "Konto"),
        "organization": ("Organisation", "Firma", "Unternehmen"),
        "external_id": ("Externe ID", "Externe Kennung"),
        "segments": ("Segmente", "Segment"),
    },
    "es": {
        "country_code": ("Código de país", "País", "Código del país"),
        "first_name": ("Nombre",),
        "last_name": ("Apellidos", "Apellido"),
        "mobile": (
            "Número de móvil", "Móvil", "Teléfono móvil", "Número de celular", "Celular",
            "Teléfono", "Número de teléfono",
        ),
        "email": ("Correo electrónico", "Correo", "E-mail"),
        "account_number": ("Número de cuenta", "Cuenta", "Número de cliente"),
        "organization": ("Organización", "Empresa", "Compañía"),
        "external_id": ("ID externo", "Identificador externo"),
        "segments": ("Segmentos", "Segmento"),
    },
    "it": {
        "country_code": ("Codice paese", "Paese", "Codice del paese", "Nazione"),
        "first_name": ("Nome",),
        "last_name": ("Cognome",),
        "mobile": ("Numero di cellulare", "Cellulare", "Telefono", "Numero di telefono"),
        "email": ("E-mail", "Indirizzo e-mail", "Posta elettronica"),
        "account_number": ("Numero di conto", "Conto", "Numero cliente", "Codice cliente"),
        "organization": ("Organizzazione", "Azienda", "Società"),
        "external_id": ("ID esterno", "Identificativo esterno"),
        "segments": ("Segmenti", "Segmento"),
    },
    "pl": {
        "country_code": ("Kod kraju", "Kraj"),
        "first_name": ("Imię",),
        "last_name": ("Nazwisko",),
        "mobile": ("Numer komórki", "Komórka", "Telefon komórkowy", "Telefon", "Numer telefonu"),
        "email": ("E-mail", "Adres e-mail"),
        "account_number": ("Numer konta", "Konto", "Numer klienta"),
        "organization": ("Organizacja", "Firma", "Przedsiębiorstwo"),
        "external_id": ("ID zewnętrzne", "Identyfikator zewnętrzny"),
        "segments": ("Segmenty", "Segment"),
    },
}


def header_key(text):
    """Return the matching key of a header cell: accents, case, spaces and punctuation removed."""
    return "".join(ch for ch in search_key(str(text or "")) if ch.isalnum())


def _build_alias_index():
    index = {}
    for column in COLUMNS:
        index[header_key(column.header)] = column.key
    for language, aliases in HEADER_ALIASES.items():
        for key, names in aliases.items():
            for name in names:
                found = index.setdefault(header_key(name), key)
                if found != key:
                    raise ValueError(f"alias {name!r} ({language}) names both {found} and {key}")
    return index


#: header_key -> field key, for every template header and alias.
ALIAS_INDEX = _build_alias_index()


def field_for_header(text):
    """Return the field key a header cell names, or ``None`` when it names no template column."""
    return ALIAS_INDEX.get(header_key(text))


@dataclass
class HeaderMap:
    """What a file's header row says: where each template field is, and what else is there.

    ``index`` maps field key -> 0-based column index (only fields present in the file);
    ``extra`` lists the header names that match no template column (their cells are ignored);
    ``headers`` is the header row as read and ``width`` its number of cells (trailing empty
    header cells not counted).
    """

    index: dict[str, int]
    extra: list[str] = field(default_factory=list)
    headers: list[str] = field(default_factory=list)
    width: int = 0

    def column_name(self, key):
        """Return the template column name of field ``key`` (for messages)."""
        return COLUMN_BY_KEY[key].header

    def cells(self, raw):
        """Return ``{field: stripped cell}`` for a row of raw cells; missing cells are ``""``."""
        size = len(raw)
        return {
            key: (raw[i].strip() if i < size else "")
            for key, i in self.index.items()
        }


def map_header(cells):
    """Match a header row to the template columns and return a :class:`HeaderMap`.

    Raises :class:`FileRefused` with code ``missing_column`` naming every required column that is
    absent (Country Code, First Name, Last Name, and Mobile Number or Email), or with code
    ``duplicate_column`` when two header cells name the same column.
    """
    headers = [str(cell if cell is not None else "").strip() for cell in cells]
    width = len(headers)
    while width and not headers[width - 1]:
        width -= 1
    headers = headers[:width]
    index, extra, seen = {}, [], {}
    for position, text in enumerate(headers):
        key = field_for_header(text) if text else None
        if key is None:
            if text:
                extra.append(text)
            continue
        if key in index:
            seen.setdefault(key, [headers[index[key]]]).append(text)
            continue
        index[key] = position
    if seen:
        raise FileRefused("duplicate_column", {"columns": messages.joined(
            messages.phrase("column_spellings", column=messages.column(COLUMN_BY_KEY[key].header),
                            spellings=", ".join(repr(name) for name in names))
            for key, names in seen.items())})
    missing = [column.header for column in COLUMNS if column.required and column.key not in index]
    if not any(key in index for key in CONTACT_POINT_FIELDS):
        missing.append("Mobile Number or Email")
    if missing:
        found = ", ".join(repr(h) for h in headers if h)
        params = {"columns": messages.names(map(messages.column, missing)), "found": found}
        if not found:
            params["variant"] = "nothing"
        raise FileRefused("missing_column", params)
    return HeaderMap(index=index, extra=extra, headers=headers, width=width)


def check_replace(header, replace):
    """Refuse a "Replace existing segment data" import (``replace``) of a file whose header (a
    :class:`HeaderMap`) has no Segments column: it would remove every segment of its contacts.

    Raises :class:`FileRefused` with code ``replace_without_segments``.
    """
    if replace and "segments" not in header.index:
        raise FileRefused("replace_without_segments")
