"""A host that brings its own contact model deletes customers: through ``forget_contacts`` in its
own transaction, or (as hosts did before it existed) with SQL of its own and then
``flask segments check --repair``. And ``db upgrade`` gives such a host no ``segments_contact``."""

import io
import json

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from event_recorder import EventRecorder
from test_host_integration import _host_app

from contact_segments import Actor, migrate, segments
from contact_segments.hooks.events import MembersRemoved
from contact_segments.imports import service
from contact_segments.imports.models import ImportRow
from contact_segments.models import TABLE_PREFIX, VERSION_TABLE, Membership, Segment, metadata


@pytest.fixture
def host(database_url):
    """A host with its own customer table, its plugin tables made by ``flask segments db upgrade``."""
    app, host_db, Customer, pm = _host_app(database_url)
    recorder = EventRecorder()
    pm.register(recorder)
    with app.app_context():
        migrate.downgrade(host_db.engine, "base")  # a PostgreSQL database other tests upgraded
        host_db.create_all()
        result = app.test_cli_runner().invoke(args=["segments", "db", "upgrade"])
        assert result.exit_code == 0, result.output
        yield app, host_db, Customer, recorder
        host_db.session.remove()
        migrate.downgrade(host_db.engine, "base")
        host_db.drop_all()
        host_db.engine.dispose()


@pytest.fixture
def customers(host):
    """Ana, Bob and Cid of dealer 7 in "VIP" (all three) and "Gold" (Ana), and Eve of dealer 8."""
    app, host_db, Customer, _ = host
    people = [Customer(dealer_id=7, given_name=name, family_name="X", phone_e164=f"+1415555010{i}")
              for i, name in enumerate(("Ana", "Bob", "Cid"))]
    host_db.session.add_all([*people, Customer(dealer_id=8, given_name="Eve", family_name="Y")])
    host_db.session.commit()
    ids = [person.id for person in people]
    scope = app.extensions["segments"].scope(Actor.system(7))
    vip = segments.create(scope, "VIP", contact_ids=ids).id
    gold = segments.create(scope, "Gold", contact_ids=ids[:1]).id
    return ids, vip, gold


def _shown_counts(app, account_id=7):
    """The member counts the audience picker shows."""
    app.extensions["segments"].db.session.expire_all()
    pm = app.extensions["segments"].pm
    return {s.name: s.member_count for s in pm.hook.segments_audience_segments(account_id=account_id)}


def _true_counts(host_db):
    host_db.session.expire_all()
    return dict(host_db.session.execute(
        sa.select(Segment.name, sa.func.count(Membership.contact_id))
        .outerjoin(Membership, Membership.segment_id == Segment.id).group_by(Segment.name)).all())


def test_db_upgrade_creates_no_contact_table_for_a_host_contact_model(host):
    app, host_db, _, _ = host
    engine = host_db.engine
    tables = set(sa.inspect(engine).get_table_names())
    assert "segments_contact" not in tables
    assert {t for t in tables if t.startswith(TABLE_PREFIX)} == set(metadata.tables) - {"segments_contact"} | {VERSION_TABLE}
    without_contacts = sa.MetaData(naming_convention=metadata.naming_convention)
    for table in metadata.tables.values():
        if table.name != "segments_contact":
            table.to_metadata(without_contacts)
    with engine.connect() as connection:  # every other table is exactly as the models say
        context = MigrationContext.configure(connection, opts={
            "include_name": lambda name, type_, parents: type_ != "table" or (
                name.startswith(TABLE_PREFIX) and name != VERSION_TABLE),
            "compare_type": True})
        assert compare_metadata(context, without_contacts) == []
    migrate.downgrade(engine, "base")  # every revision copes with the missing table, both ways
    migrate.upgrade(engine)
    assert "segments_contact" not in sa.inspect(engine).get_table_names()


def test_a_host_that_stops_bringing_its_contact_model_gets_the_table(host):
    app, host_db, _, _ = host
    migrate.upgrade(host_db.engine, contact_table=True)
    assert "segments_contact" in sa.inspect(host_db.engine).get_table_names()


def test_host_deletes_a_customer_and_forgets_it_in_one_transaction(host, customers):
    app, host_db, Customer, removals = host
    ids, vip, gold = customers
    scope = app.extensions["segments"].scope(Actor.system(7))
    imp = service.create_import(scope, io.BytesIO(b"Country Code,First Name,Last Name,Mobile Number\n"
                                                   b"US,Ana,X,+14155550100\n"), "c.csv")
    service.start(scope, imp.id, wait=True)
    host_db.session.expire_all()
    assert host_db.session.execute(sa.select(ImportRow.contact_id)).scalars().all() == [ids[0]]

    host_db.session.delete(host_db.session.get(Customer, ids[0]))  # the host's own deletion...
    result = app.extensions["segments"].forget_contacts(7, [ids[0]])  # ...and the plugin's, same transaction
    assert removals.of(MembersRemoved) == []
    host_db.session.commit()

    assert (result.contacts_deleted, result.memberships_removed, result.import_rows_cleared) == (0, 2, 1)
    assert _shown_counts(app) == _true_counts(host_db) == {"VIP": 2, "Gold": 0}
    assert host_db.session.execute(sa.select(ImportRow.contact_id)).scalars().all() == [None]
    assert sorted((e.segment_id, e.contact_ids) for e in removals.of(MembersRemoved)) == sorted(
        [(vip, (ids[0],)), (gold, (ids[0],))])
    # The host's rows are the host's: forgetting a customer it keeps leaves the row alone.
    app.extensions["segments"].forget_contacts(7, [ids[1]])
    host_db.session.commit()
    assert host_db.session.get(Customer, ids[1]) is not None
    assert _shown_counts(app) == {"VIP": 1, "Gold": 0}


def _delete_with_sql(host_db, customer_ids, *, memberships_too):
    """What hosts did before ``forget_contacts``: SQL of their own."""
    with host_db.engine.begin() as connection:
        connection.execute(sa.text(f"DELETE FROM host_customer WHERE id IN ({','.join(map(str, customer_ids))})"))
        if memberships_too:
            connection.execute(sa.delete(Membership).where(Membership.contact_id.in_(customer_ids)))


def _check(app, *args):
    result = app.test_cli_runner().invoke(args=["segments", "check", "--json", *args])
    return result.exit_code, json.loads(result.stdout)


def test_check_repairs_counts_a_host_left_stale(host, customers):
    """The report of the third-party host: customer and memberships deleted by SQL; the picker
    showed 3 and 1 where the truth was 2 and 0."""
    app, host_db, _, removals = host
    ids, vip, gold = customers
    _delete_with_sql(host_db, ids[:1], memberships_too=True)
    assert _shown_counts(app) == {"VIP": 3, "Gold": 1} and _true_counts(host_db) == {"VIP": 2, "Gold": 0}

    status, report = _check(app)
    assert status == 1 and report["repaired"] is False and report["problems"] == 2
    assert report["member_counts"] == [
        {"account_id": 7, "segment_id": vip, "name": "VIP", "stored": 3, "actual": 2},
        {"account_id": 7, "segment_id": gold, "name": "Gold", "stored": 1, "actual": 0}]
    assert _shown_counts(app) == {"VIP": 3, "Gold": 1}  # a check writes nothing

    status, report = _check(app, "--repair")
    assert status == 0 and report["repaired"] is True and len(report["member_counts"]) == 2
    assert _shown_counts(app) == {"VIP": 2, "Gold": 0}
    assert _check(app) == (0, {"account_id": None, "repaired": False, "problems": 0, "member_counts": [],
                               "memberships_without_contact": [], "memberships_without_segment": [],
                               "import_rows_without_contact": []})


def test_check_repairs_memberships_of_deleted_customers(host, customers):
    app, host_db, _, removals = host
    ids, vip, gold = customers
    _delete_with_sql(host_db, ids[1:], memberships_too=False)  # Bob and Cid, memberships left behind
    status, report = _check(app, "--account", "7")
    assert status == 1
    assert report["memberships_without_contact"] == [{"account_id": 7, "segment_id": vip, "name": "VIP", "count": 2}]
    assert report["member_counts"] == [{"account_id": 7, "segment_id": vip, "name": "VIP", "stored": 3, "actual": 1}]
    status, report = _check(app, "--account", "7", "--repair")
    assert status == 0 and report["problems"] == 2
    assert _shown_counts(app) == _true_counts(host_db) == {"VIP": 1, "Gold": 1}
    assert [(e.segment_id, e.contact_ids) for e in removals.of(MembersRemoved)] == [(vip, tuple(ids[1:]))]
    assert _check(app)[1]["problems"] == 0
