"""imports count the contacts that lost a segment membership

``segments_import`` gains ``contacts_losing_memberships``: how many contacts the import (or the
dry run) removed at least one segment membership from, so that a preview of a "Replace existing
segment data" import can say "This will remove 1,234 segment memberships from 567 contacts".
Imports applied before this migration have ``NULL`` there.

Revision ID: 0012_contacts_losing_memberships
Revises: 0011_message_params
Create Date: 2026-12-02 07:00:00
"""

import sqlalchemy as sa
from alembic import op


revision = '0012_contacts_losing_memberships'
down_revision = '0011_message_params'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('segments_import') as batch:
        batch.add_column(sa.Column('contacts_losing_memberships', sa.BigInteger(), nullable=True))


def downgrade():
    with op.batch_alter_table('segments_import') as batch:
        batch.drop_column('contacts_losing_memberships')
