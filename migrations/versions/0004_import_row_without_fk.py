"""import row outcomes: no foreign key to the import (no check per written row)

The foreign key from ``segments_import_row`` to ``segments_import`` cost PostgreSQL a trigger
call and a row lock on the import per outcome written: 4.3 µs of the ~30 µs of database time per
imported row (100,000 outcomes: 700 ms with it, 250 ms without). The import's driver is the only
writer of its outcome rows and holds the import's driver lock while it writes them, and the
plugin never deletes an import record; a host that deletes ``segments_import`` rows itself
deletes their ``segments_import_row`` rows too.

Revision ID: 0004_import_row_without_fk
Revises: 0003_membership_without_fk
Create Date: 2026-11-29 14:00:00
"""

from alembic import op


revision = '0004_import_row_without_fk'
down_revision = '0003_membership_without_fk'
branch_labels = None
depends_on = None

FOREIGN_KEY = 'fk_segments_import_row_import_id_segments_import'


def upgrade():
    with op.batch_alter_table('segments_import_row', schema=None) as batch_op:
        batch_op.drop_constraint(op.f(FOREIGN_KEY), type_='foreignkey')


def downgrade():
    # Outcome rows of an import that is gone would make the constraint fail: drop them first.
    op.execute('DELETE FROM segments_import_row WHERE import_id NOT IN (SELECT id FROM segments_import)')
    with op.batch_alter_table('segments_import_row', schema=None) as batch_op:
        batch_op.create_foreign_key(op.f(FOREIGN_KEY), 'segments_import', ['import_id'], ['id'],
                                    ondelete='CASCADE')
