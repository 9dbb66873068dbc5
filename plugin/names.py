"""Normalization of segment names: what makes two names "the same" and what search matches."""

import unicodedata

NAME_MAX_LENGTH = 100


def clean_segment_name(name):
    """Return ``name`` as it is stored: NFC-normalized, surrounding spaces removed."""
    return unicodedata.normalize("NFC", name or "").strip()


def segment_name_key(name):
    """Return the uniqueness key of a segment name.

    Two names are the same segment when they are equal ignoring case, surrounding spaces and
    Unicode normal form ("Café", " CAFÉ ", "Cafe\u0301" are one name; "Cafe" is another).
    """
    return unicodedata.normalize("NFKC", clean_segment_name(name)).casefold()


def search_key(text):
    """Return ``text`` folded for search: case-insensitive and accent-insensitive ("São" → "sao")."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold().strip()
