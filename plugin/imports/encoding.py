"""The character encoding of a text upload: a BOM, UTF-16 without one, UTF-8, or a legacy code
page (Windows-1252 or Windows-1250) chosen by charset-normalizer and letter frequencies.

Importing this module registers the lenient codec error handler :data:`LENIENT_ERRORS`.
"""

import codecs

import charset_normalizer

from .errors import FileRefused
from .limits import MIB


#: Bytes read at the start of a text file to detect its encoding and delimiter.
SNIFF_BYTES = MIB
#: Bytes of lines with non-ASCII characters used to choose a legacy code page.
CHARSET_SAMPLE_BYTES = 64 * 1024
#: Legacy code pages the reader chooses between when a file is not UTF-8 or UTF-16.
LEGACY_ENCODINGS = ("cp1252", "cp1250")

#: The codec error handler every text of an upload is decoded with (see :func:`_lenient_decode`).
LENIENT_ERRORS = "contact_segments.lenient"


def _lenient_decode(error):
    """Codec error handler: read undecodable bytes as Windows-1252 (Latin-1 where undefined).

    A UTF-8 file with a few Windows-1252 bytes further down (two exports pasted together) is
    then read as a person would, instead of failing or showing replacement characters.
    """
    if not isinstance(error, UnicodeDecodeError):
        raise error
    bad = error.object[error.start:error.end]
    text = "".join(
        bytes((b,)).decode("cp1252", errors="ignore") or chr(b) for b in bad
    )
    return text, error.end


codecs.register_error(LENIENT_ERRORS, _lenient_decode)


def detect_encoding(head, complete=False):
    """Return the encoding of a text file from its first bytes ``head``.

    A BOM decides first (``utf-8-sig``, ``utf-16``, ``utf-32``); then UTF-16 without BOM is
    recognized by its zero bytes; then ``utf-8`` when ``head`` decodes as UTF-8 (``complete``
    says ``head`` is the whole file, so a cut multi-byte character at its end is an error);
    otherwise :func:`guess_legacy_encoding` chooses among :data:`LEGACY_ENCODINGS` from the lines
    that have non-ASCII bytes. Raises :class:`FileRefused`
    (``not_a_spreadsheet``) for binary content.
    """
    if head.startswith(codecs.BOM_UTF8):
        encoding = "utf-8-sig"
    elif head.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        encoding = "utf-32"
    elif head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding = "utf-16"
    else:
        encoding = _utf16_without_bom(head) or _utf8_or_legacy(head, complete)
    text = codecs.getincrementaldecoder(encoding)(LENIENT_ERRORS).decode(head[:SNIFF_BYTES])
    controls = sum(text.count(ch) for ch in _CONTROL_CHARS)
    if controls > max(8, len(text) // 100):
        raise FileRefused("not_a_spreadsheet", {"variant": "binary"})
    return encoding


_CONTROL_CHARS = tuple(chr(c) for c in range(32) if chr(c) not in "\t\n\r") + ("\x7f",)


def _utf16_without_bom(head):
    sample = head[:4096]
    pairs = len(sample) // 2
    if pairs < 2 or b"\x00" not in sample:
        return None
    odd_zeros = sample[1::2].count(0)
    even_zeros = sample[0::2].count(0)
    if odd_zeros > 0.4 * pairs and even_zeros < 0.05 * pairs:
        return "utf-16-le"
    if even_zeros > 0.4 * pairs and odd_zeros < 0.05 * pairs:
        return "utf-16-be"
    return None


def _utf8_or_legacy(head, complete):
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=complete)
        return "utf-8"
    except UnicodeDecodeError:
        pass
    # Mostly valid UTF-8 with a few stray legacy bytes (two exports pasted together): UTF-8, the
    # stray bytes are read as Windows-1252 by the lenient error handler.
    text = codecs.getincrementaldecoder("utf-8")("surrogateescape").decode(head, final=complete)
    invalid = sum(1 for ch in text if "\udc80" <= ch <= "\udcff")
    if sum(1 for ch in text if ch > "\x7f") - invalid > invalid:
        return "utf-8"
    lines = [line for line in head.splitlines() if max(line, default=0) >= 0x80]
    return guess_legacy_encoding(b"\n".join(lines)[:CHARSET_SAMPLE_BYTES])


#: Letters frequent in the languages written with each legacy code page (names and places).
_FREQUENT_LETTERS = {
    "cp1252": set("áàâãäçéèêëíîïñóòôõöúùûüßœ"),
    "cp1250": set("ąćęłńóśźżčďěňřšťůžőűăâîșțţşáéíúýöüäôĺľŕ"),
}


def _readable_encodings(sample):
    """The code pages of :data:`LEGACY_ENCODINGS` in which charset-normalizer finds ``sample``
    readable: those whose "chaos" (mess) is within 0.1 of the least chaotic one."""
    chaos = {}
    for match in charset_normalizer.from_bytes(sample, cp_isolation=list(LEGACY_ENCODINGS)):
        for encoding in (match.encoding, *match.could_be_from_charset):
            chaos.setdefault(encoding, match.chaos)
    if not chaos:
        return LEGACY_ENCODINGS
    least = min(chaos.values())
    readable = tuple(encoding for encoding in LEGACY_ENCODINGS if chaos.get(encoding, 1.0) <= least + 0.1)
    return readable or LEGACY_ENCODINGS


def guess_legacy_encoding(sample):
    """Return "cp1252" or "cp1250" for non-UTF-8 text bytes ``sample``.

    charset-normalizer (a maintained detector) first rules out a code page in which the text
    reads as a mess. It gives both the same (zero) chaos on names such as "João" or
    "Paweł Wiśniewski", though, so among the readable ones letters decide: each non-ASCII
    character scores 2 when it is a letter frequent in that code page's languages, 1 for another
    letter, -3 for a symbol or control character (cp1252 reads Polish "ł" as "³"); a tie goes
    to cp1252.
    """
    candidates = _readable_encodings(sample)
    best, best_score = candidates[0], None
    for encoding in candidates:
        frequent = _FREQUENT_LETTERS[encoding]
        text = sample.decode(encoding, errors="replace")
        score = 0
        for ch in text:
            if ch < "\x80":
                continue
            if ch.lower() in frequent:
                score += 2
            elif ch.isalpha():
                score += 1
            else:
                score -= 3
        if best_score is None or score > best_score:
            best, best_score = encoding, score
    return best
