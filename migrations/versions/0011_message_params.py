"""notifications and refusals keep a code's parameters, not only its sentence

The pages, the API, the CLI and the report word every message from a code and its parameters
(``contact_segments.messages``), in the reader's language. ``segments_notification`` gains the
import a notification is about (``import_id``) and the values its sentence speaks of
(``params``), so a page links to the import and words the notification without parsing its
link or its English text; ``segments_import`` gains ``error_params``, the values of the reason it
was refused or failed (``error_code``). Rows stored before this migration have ``NULL`` there
and are shown with the sentence stored beside them.

Revision ID: 0011_message_params
Revises: 0010_contact_search_index
Create Date: 2026-12-02 06:10:00
"""

import sqlalchemy as sa
from alembic import op


revision = '0011_message_params'
down_revision = '0010_contact_search_index'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('segments_notification') as batch:
        batch.add_column(sa.Column('import_id', sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column('params', sa.JSON(), nullable=True))
    with op.batch_alter_table('segments_import') as batch:
        batch.add_column(sa.Column('error_params', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('segments_import') as batch:
        batch.drop_column('error_params')
    with op.batch_alter_table('segments_notification') as batch:
        batch.drop_column('params')
        batch.drop_column('import_id')
