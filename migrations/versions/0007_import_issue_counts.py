"""imports: issue counters on the import, and an index of the rows that have issues

The result page of a finished import shows the first errors and warnings and how many there
are. It used to read every row with an issue (and, without an index of them, every outcome row of
the import) to count them: 340 ms for a million-row file with 2% bad rows, each time the page was
opened. ``errors_total`` and ``warnings_total`` are now counted by the batches, like the other
counters; they are ``NULL`` for imports applied before this migration (those are still counted
from their rows). ``ix_segments_import_row_issues`` indexes only the rows with issues (``codes``
not null), in line order, so the first ones are read without the rest.

Revision ID: 0007_import_issue_counts
Revises: 0006_import_chunk_codec
Create Date: 2026-11-29 18:20:00
"""

import sqlalchemy as sa
from alembic import op


revision = '0007_import_issue_counts'
down_revision = '0006_import_chunk_codec'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('segments_import') as batch:
        batch.add_column(sa.Column('errors_total', sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column('warnings_total', sa.BigInteger(), nullable=True))
    op.create_index('ix_segments_import_row_issues', 'segments_import_row', ['import_id', 'line'],
                    postgresql_where=sa.text('codes IS NOT NULL'), sqlite_where=sa.text('codes IS NOT NULL'))


def downgrade():
    op.drop_index('ix_segments_import_row_issues', table_name='segments_import_row')
    with op.batch_alter_table('segments_import') as batch:
        batch.drop_column('warnings_total')
        batch.drop_column('errors_total')
