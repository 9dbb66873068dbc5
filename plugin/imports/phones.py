"""A fast path for the commonest phone numbers of an import: the answer phonenumbers gives, faster.

:func:`fast_valid_number` answers "is this a valid number, and what are its E.164 form and type?"
exactly as ``phonenumbers.parse(text, region)`` + ``is_valid_number`` + ``format_number(E164)``
+ ``number_type`` do, about eight times faster on the benchmark's numbers, for the shapes people
type in a spreadsheet: ASCII digits with spaces, dashes, dots and parentheses, optionally after a
leading ``+``.
For anything else it returns ``None`` and the caller asks phonenumbers itself; invalid numbers
also return ``None``, so every error message still comes from the one slow path.

Why it gives phonenumbers' answer:

* **Same text, same digits.** For such text, phonenumbers' preprocessing (extracting the
  number from surrounding text, the viability pattern, extensions, RFC 3966, vanity letters)
  reduces to "the digits, and whether a ``+`` came first", provided there are at least three
  digits (checked against phonenumbers' own patterns in ``tests/imports/test_phones.py``).
* **Same steps, same metadata.** The country-code extraction, national-prefix and
  carrier-code stripping, length test, region choice and number-type rules below are
  line-for-line ports of ``parse``, ``_maybe_extract_country_code``,
  ``_maybe_strip_national_prefix_carrier_code``, ``_test_number_length``,
  ``_region_code_for_number_from_list`` and ``_number_type_helper``, run on phonenumbers' own
  metadata. The gain is that the metadata's patterns are compiled once per region instead of
  looked up on every call, and the digits are normalized once.
* **Rare branches are not ported.** A number starting with the region's international
  prefix (``011``, ``00``), a non-geographic calling code (+800), a region without metadata,
  or a plus followed by an unknown calling code returns ``None``.
* **Checked.** ``tests/imports/test_phones.py`` compares the fast path with phonenumbers for
  every supported region on example numbers of every type, written in every format, and on
  many random digit strings around each region's prefixes; it also compares each port with the
  private function it copies, so a phonenumbers release that changes one fails there, by name.
  Hence the bound on phonenumbers in ``pyproject.toml``: a major release is taken only after
  those tests pass on it.

Pure functions, no database; the compiled metadata is built lazily, once per region.
"""

import re

from phonenumbers import COUNTRY_CODE_TO_REGION_CODE, PhoneMetadata, PhoneNumberType

__all__ = ["fast_valid_number"]

#: Text the fast path takes: an optional leading "+", then digits, spaces and the punctuation
#: people type in numbers. Anything else (letters, extensions, other Unicode) goes to
#: phonenumbers.
_SIMPLE = re.compile(r"\+?[0-9 ().\-]+")
_NOT_DIGITS = str.maketrans("", "", "+ ().-")

_MIN_DIGITS = 3          # fewer digits than this, and phonenumbers' viability check decides
_MAX_INPUT = 250         # phonenumbers' _MAX_INPUT_STRING_LENGTH
_MIN_NSN, _MAX_NSN = 2, 17
_MAX_COUNTRY_CODE = 3
_NON_GEO = "001"

_UNKNOWN = PhoneNumberType.UNKNOWN
_FIXED_LINE = PhoneNumberType.FIXED_LINE
_MOBILE = PhoneNumberType.MOBILE
_FIXED_LINE_OR_MOBILE = PhoneNumberType.FIXED_LINE_OR_MOBILE

# _test_number_length outcomes that do not keep the national-prefix-stripped number.
_TOO_SHORT, _LOCAL_ONLY, _INVALID_LENGTH, _TOO_LONG, _POSSIBLE = range(5)

# Number types checked before fixed line and mobile, in _number_type_helper's order.
_SPECIAL_TYPES = (
    ("premium_rate", PhoneNumberType.PREMIUM_RATE),
    ("toll_free", PhoneNumberType.TOLL_FREE),
    ("shared_cost", PhoneNumberType.SHARED_COST),
    ("voip", PhoneNumberType.VOIP),
    ("personal_number", PhoneNumberType.PERSONAL_NUMBER),
    ("pager", PhoneNumberType.PAGER),
    ("uan", PhoneNumberType.UAN),
    ("voicemail", PhoneNumberType.VOICEMAIL),
)


def _pattern(desc):
    """The compiled national-number pattern of a PhoneNumberDesc, or None when it matches
    nothing (phonenumbers' _match_national_number on a missing or empty pattern)."""
    if desc is None or not desc.national_number_pattern:
        return None
    return re.compile(desc.national_number_pattern).fullmatch


def _desc_by_length(desc):
    """A tuple indexed by national number length (0 to 17) of the description's fullmatch, or
    None where phonenumbers' _is_number_matching_desc is certainly false (a missing or empty
    pattern, or a length not among the description's possible lengths)."""
    fullmatch = _pattern(desc)
    lengths = desc.possible_length if fullmatch is not None else ()
    return tuple(fullmatch if fullmatch is not None and (not lengths or length in lengths)
                 else None for length in range(_MAX_NSN + 1))


class _Region:
    """One region's metadata, compiled for the fast path."""

    __slots__ = ("code", "country_code", "country_code_str", "idd", "national_prefix",
                 "transform_rule", "general_pattern", "general", "possible_lengths",
                 "local_lengths", "special", "fixed_line", "mobile", "same_mobile_and_fixed",
                 "leading_digits")

    def __init__(self, code, metadata):
        self.code = code
        self.country_code = metadata.country_code
        self.country_code_str = str(metadata.country_code)
        self.idd = (re.compile(metadata.international_prefix).match
                    if metadata.international_prefix is not None else None)
        prefix = metadata.national_prefix_for_parsing
        self.national_prefix = re.compile(prefix) if prefix else None
        self.transform_rule = metadata.national_prefix_transform_rule or None
        general = metadata.general_desc
        self.general_pattern = _pattern(general)
        self.general = _desc_by_length(general)
        self.possible_lengths = tuple(general.possible_length)
        self.local_lengths = frozenset(general.possible_length_local_only or ())
        # special[length]: ((type, fullmatch), ...) of the special types that can match a
        # number of that length, in _number_type_helper's order.
        special = [(kind, _desc_by_length(getattr(metadata, name)))
                   for name, kind in _SPECIAL_TYPES]
        self.special = tuple(
            tuple((kind, by_length[length]) for kind, by_length in special
                  if by_length[length] is not None)
            for length in range(_MAX_NSN + 1))
        self.fixed_line = _desc_by_length(metadata.fixed_line)
        self.mobile = _desc_by_length(metadata.mobile)
        self.same_mobile_and_fixed = bool(metadata.same_mobile_and_fixed_line_pattern)
        self.leading_digits = (re.compile(metadata.leading_digits).match
                               if metadata.leading_digits is not None else None)

    def matches_general(self, number):
        """phonenumbers' _match_national_number(number, general_desc, False)."""
        return self.general_pattern is not None and self.general_pattern(number) is not None

    def number_type(self, nsn):
        """phonenumbers' _number_type_helper (``nsn`` has at most 17 digits)."""
        length = len(nsn)
        general = self.general[length]
        if general is None or general(nsn) is None:
            return _UNKNOWN
        for kind, fullmatch in self.special[length]:
            if fullmatch(nsn) is not None:
                return kind
        fixed_line, mobile = self.fixed_line[length], self.mobile[length]
        if fixed_line is not None and fixed_line(nsn) is not None:
            if self.same_mobile_and_fixed or (mobile is not None and mobile(nsn) is not None):
                return _FIXED_LINE_OR_MOBILE
            return _FIXED_LINE
        if not self.same_mobile_and_fixed and mobile is not None and mobile(nsn) is not None:
            return _MOBILE
        return _UNKNOWN

    def test_length(self, number):
        """phonenumbers' _test_number_length for PhoneNumberType.UNKNOWN (the general desc)."""
        length = len(number)
        if length in self.local_lengths:
            return _LOCAL_ONLY
        lengths = self.possible_lengths
        if lengths[0] == length:
            return _POSSIBLE
        if lengths[0] > length:
            return _TOO_SHORT
        if lengths[-1] < length:
            return _TOO_LONG
        return _POSSIBLE if length in lengths[1:] else _INVALID_LENGTH

    def strip_national_prefix(self, number):
        """The number returned by phonenumbers' _maybe_strip_national_prefix_carrier_code."""
        if not number or self.national_prefix is None:
            return number
        match = self.national_prefix.match(number)
        if match is None:
            return number
        viable = self.matches_general(number)
        groups = match.groups()
        if self.transform_rule is None or groups[-1] is None:
            rest = number[match.end():]
            if viable and not self.matches_general(rest):
                return number
            return rest
        transformed = self.national_prefix.sub(self.transform_rule, number, count=1)
        if viable and not self.matches_general(transformed):
            return number
        return transformed


_REGIONS = {}


def _region(code):
    """The compiled :class:`_Region` for an ISO code, or None when the fast path cannot serve
    it (no metadata, or metadata shaped in a way the port does not cover)."""
    try:
        return _REGIONS[code]
    except KeyError:
        pass
    metadata = PhoneMetadata.metadata_for_region(code, None)
    region = None
    if metadata is not None and metadata.general_desc is not None \
            and metadata.general_desc.possible_length:
        region = _Region(code, metadata)
        if region.transform_rule is not None and not region.national_prefix.groups:
            region = None  # phonenumbers would index an empty groups() tuple: leave it to it
    _REGIONS[code] = region
    return region


def _extract_country_code(digits):
    """phonenumbers' _extract_country_code: ``(calling code, rest)`` or ``(0, digits)``."""
    if not digits or digits[0] == "0":
        return 0, digits
    for size in range(1, min(len(digits), _MAX_COUNTRY_CODE) + 1):
        code = int(digits[:size])
        if code in COUNTRY_CODE_TO_REGION_CODE:
            return code, digits[size:]
    return 0, digits


def _parse(plus, digits, region_code):
    """``(calling code, national significant number)`` as phonenumbers.parse reads the number,
    or None for the branches left to phonenumbers (including its parse errors)."""
    extracted = 0
    if plus:
        if len(digits) <= _MIN_NSN:
            return None
        extracted, national = _extract_country_code(digits)
        if extracted == 0:
            return None
    else:
        region = _region(region_code) if region_code is not None else None
        if region is None or (region.idd is not None and region.idd(digits)):
            return None
        national = digits
        if digits.startswith(region.country_code_str):
            potential = region.strip_national_prefix(digits[len(region.country_code_str):])
            if ((not region.matches_general(digits) and region.matches_general(potential))
                    or region.test_length(digits) == _TOO_LONG):
                extracted, national = region.country_code, potential
    if extracted:
        # A calling code read from the number: phonenumbers goes on with the metadata of the
        # code's main region (US for +1 even on a CA row).
        country_code = extracted
        main = COUNTRY_CODE_TO_REGION_CODE[country_code][0]
        metadata_region = _region(main) if main != _NON_GEO else None
    else:
        metadata_region = region
        country_code = region.country_code
    if metadata_region is None or len(national) < _MIN_NSN:
        return None
    potential = metadata_region.strip_national_prefix(national)
    if metadata_region.test_length(potential) not in (_TOO_SHORT, _LOCAL_ONLY, _INVALID_LENGTH):
        national = potential
    if not _MIN_NSN <= len(national) <= _MAX_NSN:
        return None
    return country_code, national


def _number_region(country_code, nsn):
    """phonenumbers' region_code_for_number: ``(region, type or None)``, the region whose
    metadata validates the number (type given when it was computed on the way), or None."""
    regions = COUNTRY_CODE_TO_REGION_CODE[country_code]
    if len(regions) == 1:
        return (_region(regions[0]), None) if regions[0] != _NON_GEO else None
    for code in regions:
        region = _region(code)
        if region is None:
            if PhoneMetadata.metadata_for_region(code, None) is not None:
                return None  # metadata the port does not cover: cannot tell which region wins
            continue
        if region.leading_digits is not None:
            if region.leading_digits(nsn):
                return region, None
        else:
            kind = region.number_type(nsn)
            if kind != _UNKNOWN:
                return region, kind
    return None


def fast_valid_number(text, region_code):
    """Return ``(e164, calling_code, number_type)`` when ``text`` typed in ``region_code`` is a
    valid phone number, exactly as phonenumbers reads it; ``None`` when the number is invalid
    or not in a shape the fast path takes (ask phonenumbers then).

    ``text`` is the stripped cell; ``region_code`` an upper-case ISO code, or ``None`` for a
    number written with ``+``. ``number_type`` is a ``phonenumbers.PhoneNumberType`` value.
    """
    if len(text) > _MAX_INPUT or _SIMPLE.fullmatch(text) is None or "+" in text[1:]:
        return None
    digits = text.translate(_NOT_DIGITS)
    if len(digits) < _MIN_DIGITS:
        return None
    parsed = _parse(text[0] == "+", digits, region_code)
    if parsed is None:
        return None
    country_code, nsn = parsed
    found = _number_region(country_code, nsn)
    if found is None:
        return None
    region, kind = found
    if region is None or region.country_code != country_code:
        return None
    if kind is None:
        kind = region.number_type(nsn)
        if kind == _UNKNOWN:
            return None
    return f"+{country_code}{nsn}", country_code, kind
