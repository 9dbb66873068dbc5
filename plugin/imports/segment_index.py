"""The account's segments as an import batch looks them up: by name, ignoring case, spaces and
Unicode form (:func:`~contact_segments.names.segment_name_key`), with the closest existing name
suggested for a name that matches none.
"""

import difflib
from dataclasses import dataclass

import sqlalchemy as sa

from ..models import Segment
from ..names import segment_name_key


@dataclass(frozen=True)
class SegmentRef:
    """An existing segment of the account."""

    id: int
    name: str


class SegmentIndex:
    """The account's segments by :func:`segment_name_key`, with close-match suggestions."""

    def __init__(self, segments):
        segments = list(segments)
        self.by_key = {segment_name_key(name): SegmentRef(segment_id, name) for segment_id, name in segments}
        self.ids = frozenset(segment_id for segment_id, _ in segments)
        self._suggestions = {}
        self._by_name = {}  # name as written -> SegmentRef or None

    @classmethod
    def load(cls, session, account_id):
        """Read the segments of ``account_id``."""
        return cls(session.execute(
            sa.select(Segment.id, Segment.name).where(Segment.account_id == account_id)
        ).all())

    def get(self, name):
        """Return the :class:`SegmentRef` named ``name`` (case, spaces, Unicode form ignored) or ``None``."""
        try:
            return self._by_name[name]
        except KeyError:
            found = self._by_name[name] = self.by_key.get(segment_name_key(name))
            return found

    def suggest(self, name):
        """Return the existing segment name closest to ``name``, or ``None`` when none is close."""
        key = segment_name_key(name)
        if key not in self._suggestions:
            close = difflib.get_close_matches(key, list(self.by_key), n=1, cutoff=0.6)
            self._suggestions[key] = self.by_key[close[0]].name if close else None
        return self._suggestions[key]
