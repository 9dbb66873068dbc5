"""The import engine's bulk statements on real SQLite and PostgreSQL: COPY with sequence ids,
staging tables, look-ups by array literal, and their fallbacks."""

import datetime
import decimal

import pytest
import sqlalchemy as sa

from contact_segments.demo.models import db
from contact_segments.imports import bulk
from contact_segments.models import Contact, Membership, Segment

TRICKY = ['plain', 'quote"inside', 'back\\slash', 'comma,and{braces}', ' spaced ', 'NULL',
          'tab\there', "o'brien", 'São Paulo', '']


def test_insert_new_copies_rows_with_sequence_ids_and_python_defaults(app):
    table = Contact.__table__
    rows = [("Ana", "ana@example.com"), ("Bo", "bo@example.com")]
    ids = bulk.insert_new(db.session, table, "id", ["first_name", "email"], rows,
                          {"account_id": 7, "last_name": "X"})
    if db.engine.dialect.name != "postgresql":
        assert ids is None  # SQLite takes the INSERT ... RETURNING path
        return
    assert len(ids) == 2 and len(set(ids)) == 2
    stored = db.session.execute(
        sa.select(Contact.id, Contact.first_name, Contact.email, Contact.account_id, Contact.created_at)
        .where(Contact.id.in_(ids)).order_by(Contact.id)).all()
    assert [(r.id, r.first_name, r.email, r.account_id) for r in stored] == [
        (ids[0], "Ana", "ana@example.com", 7), (ids[1], "Bo", "bo@example.com", 7)]
    assert all(isinstance(r.created_at, datetime.datetime) for r in stored)  # the Python default
    db.session.commit()
    # The sequence moved on: an ordinary insert gets a fresh id.
    other = db.session.execute(sa.insert(Contact).values(account_id=7, email="c@example.com")
                               .returning(Contact.id)).scalar_one()
    assert other not in ids


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_insert_new_reports_a_clash_and_leaves_nothing(app):
    db.session.execute(sa.insert(Contact).values(account_id=7, email="taken@example.com"))
    db.session.commit()
    with pytest.raises(bulk.DuplicateKey):
        bulk.insert_new(db.session, Contact.__table__, "id", ["email"],
                        [("new@example.com",), ("taken@example.com",)], {"account_id": 7})
    db.session.rollback()
    assert db.session.execute(sa.select(sa.func.count()).select_from(Contact)).scalar_one() == 1


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_insert_new_declines_tables_it_cannot_copy_into(app):
    metadata = sa.MetaData()
    no_sequence = sa.Table("bulk_no_sequence", metadata,
                           sa.Column("id", sa.BigInteger, primary_key=True, autoincrement=False),
                           sa.Column("name", sa.Text))
    context_default = sa.Table("bulk_context_default", metadata,
                               sa.Column("id", sa.BigInteger, primary_key=True),
                               sa.Column("name", sa.Text),
                               sa.Column("label", sa.Text, default=lambda context: "from context"))
    metadata.create_all(db.engine)
    try:
        for table in (no_sequence, context_default):
            assert bulk.insert_new(db.session, table, "id", ["name"], [("a",)]) is None
        # ... and insert_returning handles them (the context default included).
        bulk.insert_returning(db.session, context_default, ["name"], [("a",)], [context_default.c.id])
        assert db.session.execute(sa.select(context_default.c.label)).scalar_one() == "from context"
        db.session.rollback()
    finally:
        metadata.drop_all(db.engine)


def test_fetch_matching_finds_exactly_the_values_given(app):
    for index, value in enumerate(TRICKY):
        db.session.execute(sa.insert(Contact).values(account_id=1, external_id=value,
                                                     email=f"c{index}@example.com"))
    db.session.execute(sa.insert(Contact).values(account_id=1, external_id="not asked"))
    db.session.execute(sa.insert(Contact).values(account_id=2, external_id="plain"))  # other account
    query = sa.select(Contact.external_id).where(Contact.account_id == 1)
    found = bulk.fetch_matching(db.session, query, Contact.external_id, TRICKY + ["missing"])
    assert sorted(value for (value,) in found) == sorted(TRICKY)
    ids = [contact_id for (contact_id,) in db.session.execute(
        sa.select(Contact.id).where(Contact.account_id == 1).order_by(Contact.id).limit(3))]
    by_id = sa.select(Contact.id).where(Contact.account_id == 1)
    assert sorted(r[0] for r in bulk.fetch_matching(db.session, by_id, Contact.id, ids)) == ids
    assert bulk.fetch_matching(db.session, query, Contact.external_id, []) == []


def test_staged_insert_update_and_delete(app, make_segments, account):
    one, two = make_segments("One", "Two").values()
    contacts = [db.session.execute(sa.insert(Contact).values(account_id=account[0], email=f"m{i}@example.com")
                                   .returning(Contact.id)).scalar_one() for i in range(3)]
    table = Membership.__table__
    pairs = [(one, contacts[0]), (one, contacts[1]), (two, contacts[2])]
    inserted = bulk.insert_returning(db.session, table, ["segment_id", "contact_id"], pairs,
                                     [table.c.segment_id])
    assert sorted(r[0] for r in inserted) == sorted([one, one, two])
    again = bulk.insert_returning(db.session, table, ["segment_id", "contact_id"],
                                  pairs[:1] + [(two, contacts[0])], [table.c.segment_id])
    assert [r[0] for r in again] == [two]  # the existing pair was skipped
    deleted = bulk.delete_pairs(db.session, table, "segment_id", "contact_id",
                                [(one, contacts[0]), (one, contacts[1]), (two, contacts[1])])
    assert sorted(deleted) == [(one, contacts[0]), (one, contacts[1])]
    bulk.update_by_key(db.session, Contact.__table__, "id", ["first_name", "organization"],
                       [(contacts[0], "Ana", "Acme"), (contacts[1], "Bo", None)],
                       {"last_name": "Updated"}, where=[Contact.account_id == account[0]])
    stored = dict((r.id, (r.first_name, r.last_name, r.organization)) for r in db.session.execute(
        sa.select(Contact.id, Contact.first_name, Contact.last_name, Contact.organization)))
    assert stored[contacts[0]] == ("Ana", "Updated", "Acme")
    assert stored[contacts[1]] == ("Bo", "Updated", None)
    assert stored[contacts[2]][1] != "Updated"


COPY_TEXT_VALUES = TRICKY + ["line\nbreak", "carriage\rreturn", "\\N", "ends with \\", "\t", "日本語 ✓"]


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_insert_rows_copies_every_value_back_unchanged(app):
    """The COPY text built a column at a time keeps each value exactly: escapes, NULL, the string
    '\\N', numbers, booleans, times and JSON; an unknown type falls back to psycopg."""
    table = sa.Table("bulk_copy_text", sa.MetaData(),
                     sa.Column("n", sa.BigInteger), sa.Column("label", sa.Text),
                     sa.Column("flag", sa.Boolean), sa.Column("ratio", sa.Float),
                     sa.Column("at", sa.DateTime(timezone=True)), sa.Column("doc", sa.JSON),
                     sa.Column("tag", sa.Text))
    table.create(db.engine)
    moment = datetime.datetime(2026, 11, 29, 13, 5, 7, 123456, tzinfo=datetime.timezone.utc)
    rows = [(i, value, i % 2 == 0, i / 4, moment if i % 3 else None,
             {"message": value, "n": i} if i % 2 else None)
            for i, value in enumerate(COPY_TEXT_VALUES)]
    rows.append((len(rows), None, None, None, None, ["a\tb", 'say "hi"']))
    bulk.insert_rows(db.session, table, ["n", "label", "flag", "ratio", "at", "doc"], rows,
                     {"tag": "constant\twith tab"})
    decimal_rows = [(100, "via psycopg", True, decimal.Decimal("1.5"), None, None)]
    bulk.insert_rows(db.session, table, ["n", "label", "flag", "ratio", "at", "doc"], decimal_rows)
    stored = db.session.execute(sa.select(table).order_by(table.c.n)).all()
    assert [tuple(row[:6]) for row in stored] == [*rows, (100, "via psycopg", True, 1.5, None, None)]
    assert [row.tag for row in stored] == ["constant\twith tab"] * len(rows) + [None]


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_value_that_reads_like_null_stays_a_value(app):
    """A column whose only special text is the value "\\N" (COPY's NULL marker) beside a real
    NULL: the value is escaped, the NULL stays NULL."""
    table = sa.Table("bulk_copy_null_marker", sa.MetaData(), sa.Column("n", sa.BigInteger),
                     sa.Column("label", sa.Text))
    table.create(db.engine)
    bulk.insert_rows(db.session, table, ["n", "label"], [(1, "\\N"), (2, None), (3, "plain")])
    stored = db.session.execute(sa.select(table.c.n, table.c.label).order_by(table.c.n)).all()
    assert [tuple(row) for row in stored] == [(1, "\\N"), (2, None), (3, "plain")]
