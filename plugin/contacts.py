"""Which table holds the contacts: the plugin's own, or the host's (with a column mapping).

A host that already has a contact model passes it to ``Segments(contact_model=...,
contact_columns={...})``. The mapping names, for each logical field the plugin uses, the
host's column. Required: ``id``, ``account_id``, ``first_name``, ``last_name``, ``mobile``,
``email``. Optional (imports keep them when present): ``country_code``, ``external_id``,
``account_number``, ``organization``, ``updated_at``. ``mobile`` must hold E.164 numbers and
``email`` lower-case addresses, the forms the import writes and matches.

Every service reads and writes contacts through a :class:`ContactMapping`, with SQLAlchemy Core,
so both kinds of table behave the same.
"""

from dataclasses import dataclass

import sqlalchemy as sa

REQUIRED_FIELDS = ("id", "account_id", "first_name", "last_name", "mobile", "email")
OPTIONAL_FIELDS = ("country_code", "external_id", "account_number", "organization", "updated_at")
FIELDS = REQUIRED_FIELDS + OPTIONAL_FIELDS


@dataclass(frozen=True)
class ContactMapping:
    """A contact table and the column that plays each logical field (``None`` if absent)."""

    table: sa.Table
    columns: dict

    @classmethod
    def from_model(cls, model, column_names=None):
        """Build the mapping of a mapped class (or a ``Table``); ``column_names`` maps field → column name."""
        table = model if isinstance(model, sa.Table) else model.__table__
        names = {field: field for field in FIELDS if field in table.c}
        names.update(column_names or {})
        missing = [field for field in REQUIRED_FIELDS if str(names.get(field)) not in table.c]
        if missing:
            raise ValueError(
                f"contact_columns must map {', '.join(missing)} to columns of table {table.name!r}"
            )
        return cls(table=table, columns={field: table.c[name] for field, name in names.items()})

    def col(self, field):
        """Return the column of logical ``field`` (``KeyError`` if the host has none)."""
        return self.columns[field]

    def has(self, field):
        """Return whether the table has a column for logical ``field``."""
        return field in self.columns

    def in_account(self, account_id):
        """Return the WHERE clause that scopes contacts to ``account_id``."""
        return self.columns["account_id"] == account_id
