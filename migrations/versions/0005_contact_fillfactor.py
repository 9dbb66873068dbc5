"""contacts: fillfactor 70 on PostgreSQL, so that updating a contact rarely touches its indexes

An import that updates contacts (the usual re-import of a CRM export) rewrote each updated
contact into another page and added an entry to each of the table's five indexes: 15.5 µs per
updated contact. With free space left in every page, PostgreSQL makes most of those updates
"heap-only" (no index entry; the indexed identifiers do not change): 3.5 µs (50,000 updates of
100,000 contacts, measured). Pages written before this migration keep no free space until the
table is rewritten (``VACUUM FULL segments_contact``, which locks it while it runs). SQLite has
no such setting: nothing to do there. Nor where the host brings its own contact model (no
``segments_contact``).

Revision ID: 0005_contact_fillfactor
Revises: 0004_import_row_without_fk
Create Date: 2026-11-29 14:20:00
"""

from alembic import op

from contact_segments.migrations import has_contact_table


revision = '0005_contact_fillfactor'
down_revision = '0004_import_row_without_fk'
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name == 'postgresql' and has_contact_table():
        op.execute('ALTER TABLE segments_contact SET (fillfactor = 70)')


def downgrade():
    if op.get_bind().dialect.name == 'postgresql' and has_contact_table():
        op.execute('ALTER TABLE segments_contact RESET (fillfactor)')
