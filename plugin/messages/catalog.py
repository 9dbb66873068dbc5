"""The catalog: every message code (and ``"<code>.<variant>"``) with its English template.

The templates are the msgids of the plugin's Flask-Babel catalog (``plugin/translations``,
extracted as ``babel.cfg`` says), so each is translated into every page language.
"""

from .files import FILE_MESSAGES, FILE_PHRASES
from .history import HISTORY_MESSAGES
from .imports import IMPORT_MESSAGES
from .rows import COLUMN_NAMES, ROW_AT_LINE, ROW_MESSAGES, ROW_PHRASES
from .text import N_, Text

__all__ = ["CATALOG", "COLUMN_NAMES", "LIST_AND", "ROW_AT_LINE", "Text"]

#: The last two of a list of names ("a", "b" and "c").
LIST_AND = N_("%(items)s and %(last)s")

#: Code -> template (a ``str``, or a :class:`Text` with plural forms).
CATALOG = {**ROW_MESSAGES, **ROW_PHRASES, **FILE_MESSAGES, **FILE_PHRASES, **IMPORT_MESSAGES,
           **HISTORY_MESSAGES}
