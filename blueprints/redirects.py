"""Following a ``next`` target safely: only a path of this site is followed.

Browsers drop tabs and line breaks anywhere in a URL and read ``\\`` as ``/``, so ``/\\t/evil``
and ``/\\evil`` both mean ``//evil``: another site. Rather than clean such a value up, any
target holding a control character or a backslash, or that is not a path starting with exactly
one ``/``, is replaced by the page's default.
"""

from urllib.parse import urlsplit

from flask import redirect


def local_target(target, fallback):
    """``target`` when it is a path of this site (``/segments/?q=a``), else ``fallback``."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return fallback
    if "\\" in target or any(ord(char) < 0x20 or 0x7F <= ord(char) <= 0x9F or char in "\u2028\u2029"
                             for char in target):
        return fallback
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return fallback
    return target


def redirect_back(target, fallback):
    """A redirect to ``target`` when it is a path of this site, else to ``fallback``."""
    return redirect(local_target(target, fallback))
