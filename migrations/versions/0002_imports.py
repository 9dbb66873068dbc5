"""bulk imports: import records, stored file chunks, parts, row outcomes, unknown segments

Revision ID: 0002_imports
Revises: 0001_core
Create Date: 2026-11-29 10:20:33.448674
"""

from alembic import op
import sqlalchemy as sa


revision = '0002_imports'
down_revision = '0001_core'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('segments_import',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('account_id', sa.BigInteger(), nullable=False),
    sa.Column('user_id', sa.BigInteger(), nullable=True),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('file_size', sa.BigInteger(), nullable=False),
    sa.Column('replace', sa.Boolean(), nullable=False),
    sa.Column('dry_run', sa.Boolean(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('encoding', sa.String(length=32), nullable=True),
    sa.Column('delimiter', sa.String(length=4), nullable=True),
    sa.Column('rows_total', sa.BigInteger(), nullable=True),
    sa.Column('part_rows', sa.Integer(), nullable=True),
    sa.Column('batch_size', sa.Integer(), nullable=True),
    sa.Column('parts_total', sa.Integer(), nullable=True),
    sa.Column('rows_validated', sa.BigInteger(), nullable=False),
    sa.Column('rows_done', sa.BigInteger(), nullable=False),
    sa.Column('checkpoint_line', sa.BigInteger(), nullable=False),
    sa.Column('created', sa.BigInteger(), nullable=False),
    sa.Column('updated', sa.BigInteger(), nullable=False),
    sa.Column('unchanged', sa.BigInteger(), nullable=False),
    sa.Column('failed', sa.BigInteger(), nullable=False),
    sa.Column('warned', sa.BigInteger(), nullable=False),
    sa.Column('memberships_added', sa.BigInteger(), nullable=False),
    sa.Column('memberships_removed', sa.BigInteger(), nullable=False),
    sa.Column('error_code', sa.String(length=40), nullable=True),
    sa.Column('error_message', sa.Text(), nullable=True),
    sa.Column('job_id', sa.String(length=64), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_segments_import'))
    )
    with op.batch_alter_table('segments_import', schema=None) as batch_op:
        batch_op.create_index('ix_segments_import_account', ['account_id', 'id'], unique=False)

    op.create_table('segments_import_chunk',
    sa.Column('import_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('seq', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['import_id'], ['segments_import.id'], name=op.f('fk_segments_import_chunk_import_id_segments_import'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('import_id', 'seq', name=op.f('pk_segments_import_chunk'))
    )
    op.create_table('segments_import_part',
    sa.Column('import_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('seq', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('first_row', sa.BigInteger(), nullable=False),
    sa.Column('row_count', sa.Integer(), nullable=False),
    sa.Column('first_line', sa.BigInteger(), nullable=False),
    sa.Column('last_line', sa.BigInteger(), nullable=False),
    sa.Column('source', sa.LargeBinary(), nullable=False),
    sa.Column('validated', sa.LargeBinary(), nullable=True),
    sa.ForeignKeyConstraint(['import_id'], ['segments_import.id'], name=op.f('fk_segments_import_part_import_id_segments_import'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('import_id', 'seq', name=op.f('pk_segments_import_part'))
    )
    op.create_table('segments_import_row',
    sa.Column('import_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('line', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('outcome', sa.String(length=10), nullable=False),
    sa.Column('contact_id', sa.BigInteger(), nullable=True),
    sa.Column('codes', sa.String(length=400), nullable=True),
    sa.Column('issues', sa.JSON(), nullable=True),
    sa.ForeignKeyConstraint(['import_id'], ['segments_import.id'], name=op.f('fk_segments_import_row_import_id_segments_import'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('import_id', 'line', name=op.f('pk_segments_import_row'))
    )
    with op.batch_alter_table('segments_import_row', schema=None) as batch_op:
        batch_op.create_index('ix_segments_import_row_contact', ['import_id', 'contact_id'], unique=False)

    op.create_table('segments_import_unknown_segment',
    sa.Column('import_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('name_key', sa.String(length=400), nullable=False),
    sa.Column('line', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('name', sa.String(length=400), nullable=False),
    sa.Column('suggestion', sa.String(length=100), nullable=True),
    sa.ForeignKeyConstraint(['import_id'], ['segments_import.id'], name=op.f('fk_segments_import_unknown_segment_import_id_segments_import'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('import_id', 'name_key', 'line', name=op.f('pk_segments_import_unknown_segment'))
    )


def downgrade():
    op.drop_table('segments_import_unknown_segment')
    with op.batch_alter_table('segments_import_row', schema=None) as batch_op:
        batch_op.drop_index('ix_segments_import_row_contact')

    op.drop_table('segments_import_row')
    op.drop_table('segments_import_part')
    op.drop_table('segments_import_chunk')
    with op.batch_alter_table('segments_import', schema=None) as batch_op:
        batch_op.drop_index('ix_segments_import_account')

    op.drop_table('segments_import')
