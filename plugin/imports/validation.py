"""Validation of one import row: required cells, country, mobile, email, lengths, segment names.

Pure functions, no database: :func:`validate_row` turns a :class:`SourceRow` into a
:class:`ValidatedRow` with normalized values, ``errors`` (the row must fail) and ``warnings``
(the row is imported, the user is told).

Built to run on a million rows, with fast paths that give the slow path's exact answer:

* **Mobile numbers**: :func:`contact_segments.imports.phones.fast_valid_number` answers, for
  the usual typed shapes (ASCII digits, spaces, ``-``, ``.``, parentheses, a leading ``+``),
  what ``phonenumbers.parse`` + ``is_valid_number`` + E.164 + ``number_type`` answer, several
  times faster (its docstring says why it is the same answer; its tests compare the two on
  every region). Anything else, and every invalid number, goes through
  :func:`normalize_mobile` (phonenumbers itself), which also words the error.
* **Emails**: a plain ASCII address in a form email-validator certainly accepts (dot-atom
  local part of at most 64 characters, LDH host labels without ``--``, alphabetic TLD, not a
  special-use domain) is only lower-cased, which is exactly email-validator's normalized form
  lower-cased; anything else (non-ASCII, quoted, IP literals, unusual) goes to email-validator.
  ``tests/imports/test_import_validation.py`` compares the two on thousands of addresses.
* **Segments**: the split of a Segments cell is cached (a file has few distinct cells).
* Constants (the region set, regular expressions, limits) are made once; an issue is a code
  with params (worded at the edges, see :mod:`contact_segments.messages`).

Normalization choices:

* ``country_code``: upper-case ISO 3166-1 alpha-2 (``br`` -> ``BR``).
* ``mobile``: E.164 (``+5511987654321``), parsed in the row's country; a number typed with its
  ``+`` calling code is accepted whatever the row's country.
* ``email``: email-validator's normalized form, then **lower-cased entirely** (local part
  included). RFC 5321 lets a mailbox's local part be case-sensitive, but no mainstream provider
  treats it so, and two contacts "Ana@x.com" and "ana@x.com" are one customer: the lower-cased
  address is both what is stored and the matching key.
* names and other text: surrounding spaces removed, Unicode NFC.
* ``segment_names``: the names as written (NFC, stripped), split on ``;``, empties dropped,
  de-duplicated by :func:`contact_segments.names.segment_name_key`; whether they exist is for
  the database half to say.
"""

import functools
import re
import unicodedata
from dataclasses import dataclass, field

import email_validator
import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat, PhoneNumberType

from contact_segments.names import segment_name_key

from ..messages import column, count
from .columns import COLUMN_BY_KEY
from .errors import RowIssue
from .phones import fast_valid_number

__all__ = [
    "RowIssue", "ValidatedRow", "validate_row", "validate_rows", "split_segment_names",
    "is_country_code", "normalize_email", "normalize_mobile", "COUNTRY_CODES",
]

#: ISO 3166-1 alpha-2 codes accepted in the Country Code column: every region phonenumbers
#: knows, plus the few ISO territories it has no phone data for.
COUNTRY_CODES = frozenset(phonenumbers.SUPPORTED_REGIONS) | frozenset(
    {"AQ", "BV", "GS", "HM", "PN", "TF", "UM"}
)

#: Values people type instead of an ISO code, with the code they most likely meant.
_COUNTRY_HINTS = {
    "USA": "US", "EUA": "US", "UNITEDSTATES": "US", "ESTADOSUNIDOS": "US", "AMERICA": "US",
    "UK": "GB", "ENGLAND": "GB", "UNITEDKINGDOM": "GB", "GREATBRITAIN": "GB",
    "BRASIL": "BR", "BRAZIL": "BR", "BRA": "BR",
    "CANADA": "CA", "CAN": "CA", "CANADÁ": "CA",
    "AUSTRALIA": "AU", "AUS": "AU", "AUSTRÁLIA": "AU",
    "PORTUGAL": "PT", "PRT": "PT", "MEXICO": "MX", "MÉXICO": "MX", "MEX": "MX",
    "ARGENTINA": "AR", "ARG": "AR", "FRANCE": "FR", "FRANÇA": "FR", "GERMANY": "DE",
    "DEUTSCHLAND": "DE", "ALEMANHA": "DE", "SPAIN": "ES", "ESPAÑA": "ES", "ESPANHA": "ES",
    "ITALY": "IT", "ITALIA": "IT", "ITÁLIA": "IT", "POLAND": "PL", "POLSKA": "PL",
}

_HEADER = {key: column.header for key, column in COLUMN_BY_KEY.items()}
_MAX = {key: column.max_length for key, column in COLUMN_BY_KEY.items()}
_TEXT_FIELDS = ("account_number", "organization", "external_id")
_E164 = PhoneNumberFormat.E164
_NOT_MOBILE = frozenset({PhoneNumberType.FIXED_LINE, PhoneNumberType.TOLL_FREE,
                         PhoneNumberType.PREMIUM_RATE, PhoneNumberType.SHARED_COST})
_SCIENTIFIC = re.compile(r"^[0-9]+(?:[.,][0-9]+)?[eE]\+?[0-9]+$")

# A strict subset of the ASCII addresses email-validator accepts (dot-atom local part of at
# most 64 characters; host labels of letters, digits and single hyphens; an alphabetic TLD).
# Anything else, and any special-use domain, goes through email-validator itself.
_ATEXT = r"[A-Za-z0-9_!#$%&'*+/=?^`{|}~-]"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_SIMPLE_EMAIL = re.compile(
    rf"(?=[^@]{{1,64}}@){_ATEXT}+(?:\.{_ATEXT}+)*@(?!.*--)(?:{_LABEL}\.)+([A-Za-z]{{2,63}})"
)


@dataclass(slots=True)
class ValidatedRow:
    """A row after validation: normalized values (``None`` when blank or invalid) and issues.

    ``errors`` non-empty means the row must not be imported; ``warnings`` are reported but the
    row is imported. ``segment_names`` are the names as written in the file (not yet matched).
    """

    line: int
    country_code: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    mobile: str | None = None
    email: str | None = None
    account_number: str | None = None
    organization: str | None = None
    external_id: str | None = None
    segment_names: list[str] = field(default_factory=list)
    errors: list[RowIssue] = field(default_factory=list)
    warnings: list[RowIssue] = field(default_factory=list)

    @property
    def ok(self):
        """True when the row has no error."""
        return not self.errors


def is_country_code(value):
    """Return True when ``value`` (any case) is an ISO 3166-1 alpha-2 country code."""
    return isinstance(value, str) and value.upper() in COUNTRY_CODES


@functools.lru_cache(maxsize=4096)
def _segment_names(cell):
    # A file uses few distinct Segments cells ("VIP; Newsletter" on thousands of rows): split
    # each once. A tuple, so that a cached value cannot be changed by a caller.
    return tuple(split_segment_names(cell))


def split_segment_names(cell):
    """Split a Segments cell ``"A; B; C"`` into names: stripped, NFC, empties dropped, and
    de-duplicated by segment key (the first spelling is kept)."""
    if not cell:
        return []
    names, seen = [], set()
    for part in cell.split(";"):
        name = _text(part)
        if not name:
            continue
        key = segment_name_key(name)
        if key not in seen:
            seen.add(key)
            names.append(name)
    return names


def normalize_email(value):
    """Return ``value`` as a lower-cased normalized address, or raise ``ValueError`` with
    email-validator's explanation."""
    simple = _SIMPLE_EMAIL.fullmatch(value)
    if simple and (simple[1].lower() not in _SPECIAL_USE_TLDS or not _special_use(value)):
        return value.lower()
    try:
        result = email_validator.validate_email(value, check_deliverability=False)
    except email_validator.EmailNotValidError as error:
        raise ValueError(str(error)) from None
    return result.normalized.lower()


#: The last labels of the special-use domains: a domain whose top-level label is not one of
#: these cannot be, or be under, a special-use domain.
_SPECIAL_USE_TLDS = frozenset(name.rpartition(".")[2].lower()
                              for name in email_validator.SPECIAL_USE_DOMAIN_NAMES)


def _special_use(address):
    domain = address[address.rindex("@") + 1:].lower()
    for name in email_validator.SPECIAL_USE_DOMAIN_NAMES:
        if domain == name or domain.endswith("." + name):
            return True
    return False


def normalize_mobile(value, region):
    """Return ``(e164, number)`` for a phone number typed in country ``region``, or raise
    ``ValueError``. ``region`` may be ``None`` when the number is written with ``+``."""
    try:
        number = phonenumbers.parse(value, region)
    except NumberParseException as error:
        raise ValueError(str(error)) from None
    # Checking against the row's own country first is much cheaper than is_valid_number, which
    # tries every region of the calling code (25 for +1); a number of another country sharing
    # or not the calling code (a Canadian mobile on a US row) still gets the full check.
    if not (number.country_code == _CALLING_CODES.get(region)
            and phonenumbers.is_valid_number_for_region(number, region)):
        if not phonenumbers.is_valid_number(number):
            raise ValueError("not a valid number")
    return phonenumbers.format_number(number, _E164), number


def _check_mobile(value, region):
    """Return ``(e164, looks_like_a_landline)`` for a Mobile Number cell, or raise
    ``ValueError``: the fast path when it can answer, phonenumbers otherwise."""
    fast = fast_valid_number(value, region)
    if fast is not None:
        e164, calling_code, kind = fast
    else:
        e164, number = normalize_mobile(value, region)
        calling_code = number.country_code
        kind = None if calling_code == 1 else phonenumbers.number_type(number)
    # +1 (NANP) numbers do not tell mobiles from landlines: never warned about.
    return e164, calling_code != 1 and kind in _NOT_MOBILE


def _calling_codes():
    codes = {}
    for calling_code, regions in phonenumbers.COUNTRY_CODE_TO_REGION_CODE.items():
        for region in regions:
            codes.setdefault(region, calling_code)
    return codes


_CALLING_CODES = _calling_codes()
#: The params of ``missing_contact_point``: the two columns it names.
_CONTACT_POINTS = {"mobile": column("Mobile Number"), "email": column("Email")}


def _text(value):
    value = value.strip()
    if value and not value.isascii():
        value = unicodedata.normalize("NFC", value)
    return value


def _country_error(line, value):
    key = "".join(ch for ch in value.upper() if ch.isalnum())
    hint = _COUNTRY_HINTS.get(key)
    digits = value.lstrip("+").strip()
    if hint is None and digits.isdigit():
        # the calling code's main country (+1 is shared by the US, Canada and the Caribbean)
        regions = phonenumbers.COUNTRY_CODE_TO_REGION_CODE.get(int(digits), ())
        hint = "US or CA" if digits == "1" else (regions[0] if regions else None)
    params = {"value": value}
    if hint == "US or CA":
        params["variant"] = "us_or_ca"
    elif hint:
        params.update(variant="hint", hint=hint)
    return RowIssue(line, _HEADER["country_code"], "invalid_country_code", params)


def _required(line, key):
    return RowIssue(line, _HEADER[key], "required", {})


def _too_long(line, key, length):
    return RowIssue(line, _HEADER[key], "too_long", {"length": count(length), "limit": count(_MAX[key])})


def validate_row(source_row, default_region=None):
    """Validate and normalize one :class:`~contact_segments.imports.rows.SourceRow`.

    ``default_region`` (an ISO code such as ``"US"``), when given, is used for a row whose
    Country Code is blank, with a warning; without it a blank Country Code is an error.
    Reading problems of the source row become errors, its warnings stay warnings.
    Returns a :class:`ValidatedRow`; never raises for bad data.
    """
    line = source_row.line
    cells = source_row.cells
    get = cells.get
    errors = list(source_row.problems)
    warnings = list(source_row.warnings)
    row = ValidatedRow(line, errors=errors, warnings=warnings)

    # Country Code
    country = get("country_code", "")
    region = None
    if country:
        upper = country.upper()
        if upper in COUNTRY_CODES:
            region = row.country_code = upper
        else:
            errors.append(_country_error(line, country))
    elif default_region:
        region = row.country_code = default_region.upper()
        warnings.append(RowIssue(line, _HEADER["country_code"], "country_defaulted",
                                 {"country": region}))
    else:
        errors.append(_required(line, "country_code"))

    # Names
    for key in ("first_name", "last_name"):
        value = _text(get(key, ""))
        if not value:
            errors.append(_required(line, key))
        elif len(value) > _MAX[key]:
            errors.append(_too_long(line, key, len(value)))
        elif key == "first_name":
            row.first_name = value
        else:
            row.last_name = value

    # Mobile Number
    mobile = get("mobile", "")
    if mobile:
        if len(mobile) > _MAX["mobile"]:
            errors.append(_too_long(line, "mobile", len(mobile)))
        elif region is not None or mobile.startswith("+"):
            try:
                row.mobile, landline = _check_mobile(mobile, region)
            except ValueError:
                errors.append(_invalid_mobile(line, mobile, region))
            else:
                if landline:
                    warnings.append(RowIssue(line, _HEADER["mobile"], "not_mobile", {"value": mobile}))

    # Email
    email = get("email", "")
    if email:
        if len(email) > _MAX["email"]:
            errors.append(_too_long(line, "email", len(email)))
        else:
            try:
                row.email = normalize_email(email)
            except ValueError as error:
                errors.append(RowIssue(line, _HEADER["email"], "invalid_email",
                                       {"value": email, "reason": str(error)}))

    if not mobile and not email:
        errors.append(RowIssue(
            line, _HEADER["mobile"] if "mobile" in cells else _HEADER["email"],
            "missing_contact_point", _CONTACT_POINTS))

    # Optional text
    for key in _TEXT_FIELDS:
        value = get(key)
        if value:
            value = _text(value)
            if len(value) > _MAX[key]:
                errors.append(_too_long(line, key, len(value)))
            else:
                setattr(row, key, value)

    # Segments
    segments = get("segments")
    if segments:
        if len(segments) > _MAX["segments"]:
            errors.append(_too_long(line, "segments", len(segments)))
        else:
            row.segment_names = list(_segment_names(segments))
    return row


def _invalid_mobile(line, value, region):
    params = {"value": value}
    variants = []
    if region is not None:
        params.update(country=region, calling_code=phonenumbers.country_code_for_region(region))
        variants.append("in_country")
    if _SCIENTIFIC.match(value):
        variants.append("scientific")
    if variants:
        params["variant"] = "_".join(variants)
    return RowIssue(line, _HEADER["mobile"], "invalid_mobile", params)


def validate_rows(rows, default_region=None):
    """Yield a :class:`ValidatedRow` for each source row of ``rows`` (streaming)."""
    for source_row in rows:
        yield validate_row(source_row, default_region)
