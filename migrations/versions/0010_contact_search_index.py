"""contacts: search whatever the case and accents, by index; an index for the name order

Contact search compares folded text (lower case, accents taken off) through the SQL function
``segments_fold``, made here on PostgreSQL: with the ``unaccent`` extension when it is there or
can be created (``CREATE EXTENSION`` needs the right to create in the database), else with
``normalize`` and a fixed table of the letters Unicode does not decompose (slower on accented
text, same results for the pages' languages). Text with no accent (every character ASCII) is only
lower-cased either way. SQLite gets the same function from Python on every connection.

On ``segments_contact`` (PostgreSQL only; SQLite reads every contact, as before):

* ``ix_segments_contact_search``: a trigram index (extension ``pg_trgm``) of the folded search
  document, so a search of a million contacts reads the index, not every contact. Without
  ``pg_trgm`` (it cannot be created) the index is left out and a search reads every contact.
* ``ix_segments_contact_account_name``: account, folded full name, id; the keyset pages of the
  list sorted by name.

Both cost a little on every contact written (see docs/performance.md). On a large table, build
them beforehand without blocking writes (``CREATE INDEX CONCURRENTLY IF NOT EXISTS`` ...: the
statements of :func:`contact_segments.contact_search.search_index_statements`); this migration
then finds them and goes on.

Revision ID: 0010_contact_search_index
Revises: 0009_segment_confusable_keys
Create Date: 2026-12-02 07:30:00
"""

import logging

import sqlalchemy as sa
from alembic import op


revision = '0010_contact_search_index'
down_revision = '0009_segment_confusable_keys'
branch_labels = None
depends_on = None

log = logging.getLogger('alembic.runtime.migration')

#: Letters NFKD leaves whole, lower and upper case, and what they fold to; typographic apostrophes
#: fold to ' (written doubled: the table goes into a SQL string).
_UNDECOMPOSED = [('ł', 'l'), ('Ł', 'l'), ('ø', 'o'), ('Ø', 'o'), ('đ', 'd'), ('Đ', 'd'), ('ħ', 'h'), ('Ħ', 'h'),
                 ('ı', 'i'), ('ŧ', 't'), ('Ŧ', 't'), ('ð', 'd'), ('Ð', 'd'), ('’', "''"), ('‘', "''")]
_LIGATURES = [('ß', 'ss'), ('ẞ', 'ss'), ('æ', 'ae'), ('Æ', 'ae'), ('œ', 'oe'), ('Œ', 'oe'), ('þ', 'th'), ('Þ', 'th')]

SEARCH_INDEX = (
    "CREATE INDEX IF NOT EXISTS ix_segments_contact_search ON segments_contact USING gin "
    "((segments_fold((((((((coalesce(first_name, '') || ' ') || coalesce(last_name, '')) || '\x1f') "
    "|| coalesce(email, '')) || '\x1f') || coalesce(mobile, '')) || '\x1f') || coalesce(external_id, '')))"
    " gin_trgm_ops)"
)
NAME_INDEX = (
    "CREATE INDEX IF NOT EXISTS ix_segments_contact_account_name ON segments_contact "
    "(account_id, (segments_fold((coalesce(first_name, '') || ' ') || coalesce(last_name, ''))), id)"
)


def fold_with_unaccent(schema):
    """The body of ``segments_fold`` with the ``unaccent`` extension installed in ``schema``."""
    return f"RETURN lower({schema}.unaccent('{schema}.unaccent'::regdictionary, $1));"


def fold_without_unaccent(utf8=True):
    """The body of ``segments_fold`` without ``unaccent``: Unicode decomposition, the accents
    taken off, then the letters that do not decompose (only lower-casing in a non-UTF-8 database)."""
    if not utf8:
        return 'RETURN lower($1);'
    marks = '[' + chr(0x300) + '-' + chr(0x36F) + ']'
    folded = f"lower(regexp_replace(normalize($1, NFKD), '{marks}', '', 'g'))"
    folded = (f"translate({folded}, '{''.join(letter for letter, _ in _UNDECOMPOSED)}', "
              f"'{''.join(plain for _, plain in _UNDECOMPOSED)}')")
    for letter, plain in _LIGATURES:
        folded = f"replace({folded}, '{letter}', '{plain}')"
    return f"RETURN {folded};"


def _create_fold(body):
    """``segments_fold(text)``: text with no accent (every character ASCII) is only lower-cased;
    other text goes through ``body``. PL/pgSQL, not SQL: a SQL function that cannot be inlined
    costs several microseconds a call, which a search pays for every contact it rechecks."""
    op.execute("CREATE OR REPLACE FUNCTION segments_fold(text) RETURNS text LANGUAGE plpgsql IMMUTABLE "
               "PARALLEL SAFE AS $fold$ BEGIN IF octet_length($1) = length($1) THEN RETURN lower($1); END IF; "
               f"{body} END $fold$")


def _extension_schema(bind, name):
    """The schema of extension ``name``, creating the extension if it can; ``None`` if it cannot."""
    try:
        with bind.begin_nested():
            bind.execute(sa.text(f'CREATE EXTENSION IF NOT EXISTS {name}'))
    except sa.exc.DBAPIError as error:
        log.warning('PostgreSQL extension %s cannot be created (%s)', name, str(error.orig).strip())
        return None
    return bind.execute(sa.text(
        'SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace '
        'WHERE e.extname = :name'), {'name': name}).scalar()


def upgrade():
    bind = op.get_bind()
    if bind.dialect.name != 'postgresql':
        return
    schema = _extension_schema(bind, 'unaccent')
    if schema is not None:
        _create_fold(fold_with_unaccent(bind.dialect.identifier_preparer.quote(schema)))
    else:
        utf8 = bind.execute(sa.text('SHOW server_encoding')).scalar() == 'UTF8'
        _create_fold(fold_without_unaccent(utf8))
        log.warning('segments_fold works without unaccent (slower on accented text)')
    if not sa.inspect(bind).has_table('segments_contact'):
        return
    op.execute(NAME_INDEX)
    if _extension_schema(bind, 'pg_trgm') is not None:
        op.execute(SEARCH_INDEX)
    else:
        log.warning('no search index without pg_trgm: a contact search reads every contact')


def downgrade():
    bind = op.get_bind()
    if bind.dialect.name != 'postgresql':
        return
    op.execute('DROP INDEX IF EXISTS ix_segments_contact_search')
    op.execute('DROP INDEX IF EXISTS ix_segments_contact_account_name')
    op.execute('DROP FUNCTION IF EXISTS segments_fold(text)')
