"""segments, memberships, contacts, notifications

The contact table ``segments_contact`` is created only when the app uses it (see
``contact_segments.migrations``): a host that brings its own contact model does not get it.

Revision ID: 0001_core
Revises: 
Create Date: 2026-11-29 10:14:03.185571
"""

from alembic import op
import sqlalchemy as sa

from contact_segments.migrations import contact_table_wanted, has_contact_table


revision = '0001_core'
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    if contact_table_wanted():  # not when the host brings its own contact model
        op.create_table('segments_contact',
        sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
        sa.Column('account_id', sa.BigInteger(), nullable=False),
        sa.Column('country_code', sa.String(length=2), nullable=True),
        sa.Column('first_name', sa.String(length=100), nullable=False),
        sa.Column('last_name', sa.String(length=100), nullable=False),
        sa.Column('mobile', sa.String(length=20), nullable=True),
        sa.Column('email', sa.String(length=254), nullable=True),
        sa.Column('account_number', sa.String(length=64), nullable=True),
        sa.Column('organization', sa.String(length=200), nullable=True),
        sa.Column('external_id', sa.String(length=128), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_segments_contact'))
        )
        with op.batch_alter_table('segments_contact', schema=None) as batch_op:
            batch_op.create_index('ix_segments_contact_account_id', ['account_id', 'id'], unique=False)
            batch_op.create_index('uq_segments_contact_account_email', ['account_id', 'email'], unique=True, postgresql_where=sa.text('email IS NOT NULL'), sqlite_where=sa.text('email IS NOT NULL'))
            batch_op.create_index('uq_segments_contact_account_external_id', ['account_id', 'external_id'], unique=True, postgresql_where=sa.text('external_id IS NOT NULL'), sqlite_where=sa.text('external_id IS NOT NULL'))
            batch_op.create_index('uq_segments_contact_account_mobile', ['account_id', 'mobile'], unique=True, postgresql_where=sa.text('mobile IS NOT NULL'), sqlite_where=sa.text('mobile IS NOT NULL'))

    op.create_table('segments_notification',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('account_id', sa.BigInteger(), nullable=False),
    sa.Column('user_id', sa.BigInteger(), nullable=True),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('level', sa.String(length=10), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('link', sa.String(length=500), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('read_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_segments_notification'))
    )
    with op.batch_alter_table('segments_notification', schema=None) as batch_op:
        batch_op.create_index('ix_segments_notification_account_user', ['account_id', 'user_id', 'id'], unique=False)

    op.create_table('segments_segment',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('account_id', sa.BigInteger(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('name_key', sa.String(length=400), nullable=False),
    sa.Column('search_key', sa.String(length=400), nullable=False),
    sa.Column('member_count', sa.BigInteger(), nullable=False),
    sa.Column('created_by', sa.BigInteger(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_segments_segment')),
    sa.UniqueConstraint('account_id', 'name_key', name=op.f('uq_segments_segment_account_id_name_key'))
    )
    with op.batch_alter_table('segments_segment', schema=None) as batch_op:
        batch_op.create_index('ix_segments_segment_account_search', ['account_id', 'search_key'], unique=False)

    op.create_table('segments_membership',
    sa.Column('segment_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('contact_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.ForeignKeyConstraint(['segment_id'], ['segments_segment.id'], name=op.f('fk_segments_membership_segment_id_segments_segment'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('segment_id', 'contact_id', name=op.f('pk_segments_membership'))
    )
    with op.batch_alter_table('segments_membership', schema=None) as batch_op:
        batch_op.create_index('ix_segments_membership_contact', ['contact_id', 'segment_id'], unique=False)



def downgrade():
    with op.batch_alter_table('segments_membership', schema=None) as batch_op:
        batch_op.drop_index('ix_segments_membership_contact')

    op.drop_table('segments_membership')
    with op.batch_alter_table('segments_segment', schema=None) as batch_op:
        batch_op.drop_index('ix_segments_segment_account_search')

    op.drop_table('segments_segment')
    with op.batch_alter_table('segments_notification', schema=None) as batch_op:
        batch_op.drop_index('ix_segments_notification_account_user')

    op.drop_table('segments_notification')
    if has_contact_table():
        with op.batch_alter_table('segments_contact', schema=None) as batch_op:
            batch_op.drop_index('uq_segments_contact_account_mobile', postgresql_where=sa.text('mobile IS NOT NULL'), sqlite_where=sa.text('mobile IS NOT NULL'))
            batch_op.drop_index('uq_segments_contact_account_external_id', postgresql_where=sa.text('external_id IS NOT NULL'), sqlite_where=sa.text('external_id IS NOT NULL'))
            batch_op.drop_index('uq_segments_contact_account_email', postgresql_where=sa.text('email IS NOT NULL'), sqlite_where=sa.text('email IS NOT NULL'))
            batch_op.drop_index('ix_segments_contact_account_id')

        op.drop_table('segments_contact')
