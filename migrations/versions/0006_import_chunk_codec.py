"""uploaded files: a chunk may be stored compressed (``codec``)

Storing a 17.5 MB CSV as 1 MiB chunks took 1.1 s on PostgreSQL, most of it the server's own
(pglz) compression of each chunk; compressed with zlib level 1 by the plugin first it takes
0.45 s and a third of the space (measured on 2 cores). ``codec`` says how a chunk is stored:
``zlib``, or ``NULL`` for the bytes as uploaded (every chunk stored before this migration, and
chunks that do not compress, such as an .xlsx file's).

Revision ID: 0006_import_chunk_codec
Revises: 0005_contact_fillfactor
Create Date: 2026-11-29 16:00:00
"""

import sqlalchemy as sa
from alembic import op


revision = '0006_import_chunk_codec'
down_revision = '0005_contact_fillfactor'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('segments_import_chunk') as batch:
        batch.add_column(sa.Column('codec', sa.String(length=16), nullable=True))


def downgrade():
    # Compressed chunks cannot be read without their codec: drop the files stored that way (their
    # imports can no longer be resumed, as after `flask segments imports-cleanup`).
    op.execute("DELETE FROM segments_import_chunk WHERE codec IS NOT NULL")
    with op.batch_alter_table('segments_import_chunk') as batch:
        batch.drop_column('codec')
