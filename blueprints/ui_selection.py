"""Which contacts a form names: ticked ids, or "all N matching" the list's search and segment.

The contacts page, the bulk actions and "Create Segment" post the same fields: ``contact_ids``
(ticked boxes), ``all_matching=1`` (select all N matching across pages), and the list's own
filter ``q`` (search), ``segment`` (segment id shown in the drop-down) and ``import`` (the
contacts of one import). A :class:`Selection`
turns them into the ``contact_ids`` / ``contact_filter`` arguments of the membership services,
so a bulk action touches exactly what the user saw.
"""

from dataclasses import dataclass, field

from contact_segments.contact_pages import OLDEST, ORDERS
from contact_segments.contact_query import ContactFilter, count_contacts_up_to

from .ui_common import int_list, int_or_none

COUNT_CAP = 100_000


@dataclass(frozen=True)
class ListFilter:
    """The contacts list's filter: search text, the segment chosen in the drop-down, the import
    whose contacts it shows (``import``), and the order of the list (``sort``)."""

    q: str = ""
    segment: int | None = None
    import_id: int | None = None
    sort: str = OLDEST

    @classmethod
    def from_values(cls, values):
        """Read ``q``, ``segment``, ``import`` and ``sort`` from query-string or form values."""
        sort = values.get("sort")
        return cls(q=(values.get("q") or "").strip()[:200], segment=int_or_none(values.get("segment")),
                   import_id=int_or_none(values.get("import")), sort=sort if sort in ORDERS else OLDEST)

    def contact_filter(self):
        """The :class:`ContactFilter` of the services for this list filter."""
        return ContactFilter(search=self.q, segment_ids=(self.segment,) if self.segment else (),
                             import_id=self.import_id)

    def params(self, **extra):
        """Query-string parameters that reproduce this filter (empty ones left out)."""
        params = {"q": self.q or None, "segment": self.segment, "import": self.import_id,
                  "sort": None if self.sort == OLDEST else self.sort}
        params.update(extra)
        return {key: value for key, value in params.items() if value not in (None, "")}


@dataclass(frozen=True)
class Selection:
    """The contacts a submitted form chose."""

    list_filter: ListFilter = field(default_factory=ListFilter)
    contact_ids: tuple = ()
    all_matching: bool = False

    @classmethod
    def from_form(cls, form):
        """Read the selection fields of a submitted form."""
        return cls(
            list_filter=ListFilter.from_values(form),
            contact_ids=tuple(int_list(form.getlist("contact_ids"))),
            all_matching=form.get("all_matching") == "1",
        )

    @property
    def empty(self):
        """True when the form chose no contact at all."""
        return not self.all_matching and not self.contact_ids

    def service_arguments(self):
        """``{"contact_ids": ..., "contact_filter": ...}`` for the membership services."""
        if self.all_matching:
            return {"contact_ids": (), "contact_filter": self.list_filter.contact_filter()}
        return {"contact_ids": self.contact_ids, "contact_filter": None}


def count_matching(scope, list_filter, segment=None, cap=COUNT_CAP):
    """How many of the account's contacts match ``list_filter``; ``(count, exact)``.

    A filter on one segment alone reads the segment's stored member count; other counts stop at
    ``cap`` (``exact`` is then False and the page says "more than ..."), so a search over a
    million contacts never makes the page slow.
    """
    if segment is not None and not list_filter.q and list_filter.import_id is None:
        return segment.member_count, True
    return count_contacts_up_to(scope.session, scope.contacts, scope.account_id,
                                list_filter.contact_filter(), cap)
