"""history of every change, undo of an import, restore of a deleted segment

* ``segments_change``: one row per action (who, how, when, which import), ``segments_change_segment``
  what it did to each segment (a segment's activity);
* ``segments_membership.change_id``: the change that made each membership;
* ``segments_membership_removal``: each membership a change removed, with the change that had
  made it;
* ``segments_deleted_segment``: deleted segments kept for their retention window (their
  memberships stay in ``segments_membership``);
* ``segments_undo_conflict``: what an undo kept because it was changed after the import;
* ``segments_import.change_id`` / ``undo_change_id`` and ``segments_import_row.changes`` (the
  contact fields a row changed, before and after).

Rows made before this migration have ``NULL`` there: their history starts now, and imports made
before it cannot be undone.

Revision ID: 0013_history
Revises: 0012_contacts_losing_memberships
Create Date: 2026-12-02 09:00:00
"""

import sqlalchemy as sa
from alembic import op


revision = '0013_history'
down_revision = '0012_contacts_losing_memberships'
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade():
    if op.get_bind().dialect.name == "sqlite":
        # SQLite would give a new segment the id of the last deleted one (rowid reuse), and with
        # it the memberships kept for restoring the deleted one: ids are never reused now.
        with op.batch_alter_table('segments_segment', recreate='always',
                                  table_kwargs={'sqlite_autoincrement': True}):
            pass
    op.create_table(
        'segments_change',
        sa.Column('id', BigId, nullable=False),
        sa.Column('account_id', sa.BigInteger(), nullable=False),
        sa.Column('action', sa.String(length=24), nullable=False),
        sa.Column('user_id', sa.BigInteger(), nullable=True),
        sa.Column('actor_name', sa.String(length=200), nullable=False),
        sa.Column('via', sa.String(length=16), nullable=False),
        sa.Column('import_id', sa.BigInteger(), nullable=True),
        sa.Column('status', sa.String(length=16), nullable=True),
        sa.Column('params', sa.JSON(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_segments_change')),
    )
    op.create_index('ix_segments_change_account', 'segments_change', ['account_id', 'id'])
    op.create_index('ix_segments_change_import', 'segments_change', ['import_id', 'id'])
    op.create_table(
        'segments_change_segment',
        sa.Column('change_id', sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column('segment_id', sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column('account_id', sa.BigInteger(), nullable=False),
        sa.Column('segment_name', sa.String(length=100), nullable=False),
        sa.Column('added', sa.BigInteger(), nullable=False),
        sa.Column('removed', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('change_id', 'segment_id', name=op.f('pk_segments_change_segment')),
    )
    op.create_index('ix_segments_change_segment_activity', 'segments_change_segment',
                    ['account_id', 'segment_id', 'change_id'])
    op.create_table(
        'segments_membership_removal',
        sa.Column('change_id', sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column('segment_id', sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column('contact_id', sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column('added_change_id', sa.BigInteger(), nullable=True),
        sa.Column('added_at', sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint('change_id', 'segment_id', 'contact_id',
                                name=op.f('pk_segments_membership_removal')),
    )
    op.create_index('ix_segments_membership_removal_contact', 'segments_membership_removal',
                    ['contact_id', 'change_id'])
    op.create_table(
        'segments_deleted_segment',
        sa.Column('id', sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column('account_id', sa.BigInteger(), nullable=False),
        sa.Column('name', sa.String(length=100), nullable=False),
        sa.Column('member_count', sa.BigInteger(), nullable=False),
        sa.Column('created_by', sa.BigInteger(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('deleted_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('change_id', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_segments_deleted_segment')),
    )
    op.create_index('ix_segments_deleted_segment_account', 'segments_deleted_segment',
                    ['account_id', 'deleted_at'])
    op.create_table(
        'segments_undo_conflict',
        sa.Column('change_id', sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column('contact_id', sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column('item', sa.String(length=120), nullable=False),
        sa.Column('line', sa.BigInteger(), nullable=True),
        sa.Column('kept', sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint('change_id', 'contact_id', 'item', name=op.f('pk_segments_undo_conflict')),
    )
    with op.batch_alter_table('segments_membership') as batch:
        batch.add_column(sa.Column('change_id', sa.BigInteger(), nullable=True))
    with op.batch_alter_table('segments_import') as batch:
        batch.add_column(sa.Column('change_id', sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column('undo_change_id', sa.BigInteger(), nullable=True))
    with op.batch_alter_table('segments_import_row') as batch:
        batch.add_column(sa.Column('changes', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('segments_import_row') as batch:
        batch.drop_column('changes')
    with op.batch_alter_table('segments_import') as batch:
        batch.drop_column('undo_change_id')
        batch.drop_column('change_id')
    with op.batch_alter_table('segments_membership') as batch:
        batch.drop_column('change_id')
    # Memberships of deleted segments have no segment once the table is gone.
    op.execute('DELETE FROM segments_membership WHERE segment_id IN (SELECT id FROM segments_deleted_segment)')
    for table in ('segments_undo_conflict', 'segments_deleted_segment', 'segments_membership_removal',
                  'segments_change_segment', 'segments_change'):
        op.drop_table(table)
