"""imports: the lease of an import's lead

The worker carrying an import (its lead) now renews a lease on it every few seconds:
``lease_owner`` names the lead (an RQ job id, or a process), ``lease_expires_at`` says until when it
is known to be alive. When a lead dies, its lease lapses and a live worker takes the import over
within seconds, instead of the import waiting for ``SEGMENTS_IMPORT_STALE_AFTER`` and a user's
Resume. ``ix_segments_import_lease`` indexes the imports on their way (queued or running) by when
their lease lapses: what each worker's sweep reads. Imports applied before this migration have no
lease; they are judged by their ``updated_at`` as before.

Revision ID: 0008_import_lease
Revises: 0007_import_issue_counts
Create Date: 2026-12-02 05:20:00
"""

import sqlalchemy as sa
from alembic import op


revision = '0008_import_lease'
down_revision = '0007_import_issue_counts'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('segments_import') as batch:
        batch.add_column(sa.Column('lease_owner', sa.String(length=128), nullable=True))
        batch.add_column(sa.Column('lease_expires_at', sa.DateTime(timezone=True), nullable=True))
    op.create_index('ix_segments_import_lease', 'segments_import', ['lease_expires_at'],
                    postgresql_where=sa.text("status IN ('queued', 'running')"),
                    sqlite_where=sa.text("status IN ('queued', 'running')"))


def downgrade():
    op.drop_index('ix_segments_import_lease', table_name='segments_import')
    with op.batch_alter_table('segments_import') as batch:
        batch.drop_column('lease_expires_at')
        batch.drop_column('lease_owner')
