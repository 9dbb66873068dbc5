"""segments: clean names, and no two names of an account that look alike

Segment names are now stored cleaned (invisible characters removed, each run of spaces one
space: :func:`contact_segments.names.clean_segment_name`), and two segments of an account may not
have names that look alike. ``skeleton_key`` and ``caseless_skeleton_key`` hold the SHA-256 of the
name's confusable skeletons (UTS #39, :func:`contact_segments.names.confusable_keys`), each unique
per account, so the check is one indexed look-up and two concurrent requests cannot both create
look-alike names.

Existing rows are cleaned and keyed here (``name_key`` and ``search_key`` recomputed too). In each
account the oldest segment keeps its name; a later one whose name now is the same as, or looks
like, an earlier one's is renamed "<name> (2)" (or the next free number), so that no two segments
are left that an audience picker would show alike. A name that was only invisible characters
becomes "Segment <id>".

Revision ID: 0009_segment_confusable_keys
Revises: 0008_import_lease
Create Date: 2026-12-02 06:10:00
"""

import sqlalchemy as sa
from alembic import op

from contact_segments.names import (
    NAME_MAX_LENGTH, clean_segment_name, confusable_keys, search_key, segment_name_key,
)


revision = '0009_segment_confusable_keys'
down_revision = '0008_import_lease'
branch_labels = None
depends_on = None

segment = sa.table(
    'segments_segment',
    sa.column('id', sa.BigInteger), sa.column('account_id', sa.BigInteger), sa.column('name', sa.String),
    sa.column('name_key', sa.String), sa.column('search_key', sa.String),
    sa.column('skeleton_key', sa.String), sa.column('caseless_skeleton_key', sa.String),
)


def _keys(name):
    """The three keys a name may share with no other of its account, each tagged with its kind."""
    return {f'name:{segment_name_key(name)}', *(f'{kind}:{key}' for kind, key in zip(('skeleton', 'caseless'), confusable_keys(name)))}


def _free_name(segment_id, name, taken):
    """``name`` cleaned, or numbered "name (2)", "name (3)"... until none of its keys is taken."""
    base = clean_segment_name(name) or f'Segment {segment_id}'
    candidate, number = base, 2
    while _keys(candidate) & taken:
        suffix = f' ({number})'
        candidate = base[:NAME_MAX_LENGTH - len(suffix)].rstrip() + suffix
        number += 1
    return candidate


def _execute_in_chunks(connection, statement, parameters, size=1000):
    for start in range(0, len(parameters), size):
        connection.execute(statement, parameters[start:start + size])


def upgrade():
    with op.batch_alter_table('segments_segment') as batch:
        batch.add_column(sa.Column('skeleton_key', sa.String(length=64), nullable=True))
        batch.add_column(sa.Column('caseless_skeleton_key', sa.String(length=64), nullable=True))
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(segment.c.id, segment.c.account_id, segment.c.name, segment.c.name_key)
        .order_by(segment.c.account_id, segment.c.id)
    ).all()
    taken, account, updates, aside = set(), None, [], []
    for segment_id, account_id, name, old_key in rows:
        if account_id != account:
            taken, account = set(), account_id
        name = _free_name(segment_id, name, taken)
        taken |= _keys(name)
        skeleton, caseless = confusable_keys(name)
        updates.append({'segment_id': segment_id, 'new_name': name, 'new_name_key': segment_name_key(name),
                        'new_search_key': search_key(name), 'new_skeleton_key': skeleton,
                        'new_caseless_skeleton_key': caseless})
        if segment_name_key(name) != old_key:
            aside.append({'segment_id': segment_id, 'aside': f'\x01{segment_id}'})
    # A new key may be the old key of a row updated later: changed keys first step aside to a
    # value no name has (names never held control characters), then every row gets its own.
    _execute_in_chunks(connection, segment.update().where(segment.c.id == sa.bindparam('segment_id')).values(
        name_key=sa.bindparam('aside')), aside)
    _execute_in_chunks(connection, segment.update().where(segment.c.id == sa.bindparam('segment_id')).values(
        name=sa.bindparam('new_name'), name_key=sa.bindparam('new_name_key'),
        search_key=sa.bindparam('new_search_key'), skeleton_key=sa.bindparam('new_skeleton_key'),
        caseless_skeleton_key=sa.bindparam('new_caseless_skeleton_key')), updates)
    with op.batch_alter_table('segments_segment') as batch:
        batch.alter_column('skeleton_key', existing_type=sa.String(length=64), nullable=False)
        batch.alter_column('caseless_skeleton_key', existing_type=sa.String(length=64), nullable=False)
        batch.create_unique_constraint(op.f('uq_segments_segment_account_id_skeleton_key'),
                                       ['account_id', 'skeleton_key'])
        batch.create_unique_constraint(op.f('uq_segments_segment_account_id_caseless_skeleton_key'),
                                       ['account_id', 'caseless_skeleton_key'])


def downgrade():
    with op.batch_alter_table('segments_segment') as batch:
        batch.drop_constraint(op.f('uq_segments_segment_account_id_caseless_skeleton_key'), type_='unique')
        batch.drop_constraint(op.f('uq_segments_segment_account_id_skeleton_key'), type_='unique')
        batch.drop_column('caseless_skeleton_key')
        batch.drop_column('skeleton_key')
