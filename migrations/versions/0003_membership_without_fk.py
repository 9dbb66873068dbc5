"""memberships: no foreign key to segments (the services keep them consistent, without a check per row)

The foreign key cost a trigger call per inserted membership (40% of adding 100,000 contacts to a
segment, a large share of an import's database time). Its two guarantees are kept by the
services instead: deleting a segment deletes its memberships in the same transaction while
holding the segment's row lock, and every writer of memberships holds a lock on the segment row
(adding: ``FOR UPDATE``; an import batch: ``FOR KEY SHARE`` on the segments it writes, checked
to still exist).

Revision ID: 0003_membership_without_fk
Revises: 0002_imports
Create Date: 2026-11-29 13:10:00
"""

from alembic import op


revision = '0003_membership_without_fk'
down_revision = '0002_imports'
branch_labels = None
depends_on = None

FOREIGN_KEY = 'fk_segments_membership_segment_id_segments_segment'


def upgrade():
    with op.batch_alter_table('segments_membership', schema=None) as batch_op:
        batch_op.drop_constraint(op.f(FOREIGN_KEY), type_='foreignkey')


def downgrade():
    # Memberships whose segment is gone would make the constraint fail: drop them first.
    op.execute('DELETE FROM segments_membership WHERE segment_id NOT IN (SELECT id FROM segments_segment)')
    with op.batch_alter_table('segments_membership', schema=None) as batch_op:
        batch_op.create_foreign_key(op.f(FOREIGN_KEY), 'segments_segment', ['segment_id'], ['id'],
                                    ondelete='CASCADE')
