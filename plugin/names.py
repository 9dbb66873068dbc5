"""Normalization of segment names: what makes two names "the same", which names look alike, and
what search matches.

Every name that enters (created, renamed, named in an import file, looked up by the CLI) goes
through :func:`clean_segment_name`: Unicode NFC, invisible characters removed (the
Default_Ignorable_Code_Point property: zero-width spaces and joiners, soft hyphens, bidi marks,
variation selectors, Hangul fillers...), each run of spaces (any Unicode space separator) one
plain space, no surrounding spaces.

Two names are the **same** when :func:`segment_name_key` is equal (case and compatibility forms
ignored). Two names **look alike** when one of :func:`confusable_keys` is equal: their skeletons
under Unicode's confusables (UTS #39, section 4) match, spaces ignored, as written or both
case-folded, so "Lооk Alike" (Cyrillic о), "LookAlike" and "Look Alike" look alike. The confusables data is the Unicode file
``confusables.txt`` as the ``confusable_homoglyphs`` package ships it (see :func:`_prototypes`).
"""

import hashlib
import re
import unicodedata
from functools import cache

import regex
from confusable_homoglyphs.utils import load as load_confusables_data

NAME_MAX_LENGTH = 100

#: Length of the stored keys (``name_key``, ``search_key``): a name's compatibility form may be
#: longer than the name ("ﷺ" is one character, its NFKC form 18).
KEY_MAX_LENGTH = 400

_INVISIBLE = regex.compile(r"\p{Default_Ignorable_Code_Point}+")
_SPACES = regex.compile(r"\p{Space_Separator}+")
_ASCII_SPACES = re.compile(" {2,}")
# confusable_homoglyphs writes right-to-left characters between two LEFT-TO-RIGHT MARKs.
_DIRECTION_MARK = "\u200e"


def clean_segment_name(name):
    """Return ``name`` as it is stored: NFC, invisible characters removed, each run of spaces
    one space, surrounding spaces removed ("Look\u200b  Alike " -> "Look Alike")."""
    text = name or ""
    if text.isascii():  # no invisible character, one kind of space, already NFC: 10 times faster
        return _ASCII_SPACES.sub(" ", text).strip()
    text = _INVISIBLE.sub("", text)
    text = _SPACES.sub(" ", text)
    return unicodedata.normalize("NFC", text).strip()


def segment_name_key(name):
    """Return the uniqueness key of a segment name.

    Two names are the same segment when they are equal once cleaned (:func:`clean_segment_name`),
    ignoring case and Unicode compatibility forms ("Café", " CAFÉ ", "Cafe\u0301",
    "caf\u00e9\u200b" are one name; "Cafe" is another).
    """
    cleaned = clean_segment_name(name)
    if cleaned.isascii():
        return cleaned.lower()
    folded = unicodedata.normalize("NFKC", cleaned).casefold()
    return _SPACES.sub(" ", folded).strip()


@cache
def _prototypes():
    """Map each character Unicode lists as confusable to its prototype (UTS #39 ``confusables.txt``).

    ``confusable_homoglyphs`` stores the file's lines ``source -> prototype`` in both directions.
    The direction is recovered from the file's shape: a source is one character and has exactly
    one prototype, a prototype is never a source. So a character with one neighbour is a
    source, except in an isolated pair of single characters, where either one may be the
    prototype and the smaller code point stands for both (the same pairs are then confusable).
    """
    graph = {}
    for text, homoglyphs in load_confusables_data("confusables.json").items():
        text = text.replace(_DIRECTION_MARK, "")
        graph.setdefault(text, set()).update(h["c"].replace(_DIRECTION_MARK, "") for h in homoglyphs)
    prototypes = {}
    for char, neighbours in graph.items():
        if len(char) != 1 or len(neighbours) != 1:
            continue
        (target,) = neighbours
        isolated_pair = len(target) == 1 and len(graph.get(target, ())) == 1
        if not isolated_pair or ord(target) < ord(char):
            prototypes[char] = target
    return prototypes


def _skeleton(text):
    """UTS #39 skeleton: NFD, each character replaced by its prototype, NFD again (repeated
    until nothing changes, which makes the isolated pairs' choice consistent)."""
    prototypes = _prototypes()
    text = unicodedata.normalize("NFD", text)
    for _ in range(8):
        mapped = unicodedata.normalize("NFD", "".join(prototypes.get(ch, ch) for ch in text))
        if mapped == text:
            break
        text = mapped
    return text


def confusable_skeletons(name):
    """Return what a name looks like, for comparison only (never shown): the UTS #39 skeleton of
    the cleaned name without spaces, as written and case-folded. Segment names ignore case, so
    "lооk alike" (Cyrillic о) looks like "Look Alike" through the second, and "ВОВ" (Cyrillic)
    like "BOB" through the first."""
    spaceless = clean_segment_name(name).replace(" ", "")
    return (_skeleton(spaceless).replace(" ", ""), _skeleton(spaceless.casefold()).replace(" ", ""))


def confusable_keys(name):
    """Return the stored, indexed look-alike keys of a name (``skeleton_key``,
    ``caseless_skeleton_key``): the SHA-256 (hex) of each of its :func:`confusable_skeletons`.
    Two segments of an account share neither."""
    return tuple(hashlib.sha256(skeleton.encode("utf-8")).hexdigest()
                 for skeleton in confusable_skeletons(name))


def search_key(text):
    """Return ``text`` folded for search: case-insensitive and accent-insensitive ("São" → "sao")."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold().strip()
