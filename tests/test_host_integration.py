"""A host brings its own Flask-SQLAlchemy db, pluggy manager and contact model (with a column
mapping); or brings nothing and the plugin uses its own database and contact table."""

import pluggy
import pytest
import sqlalchemy as sa
from flask import Flask
from flask_sqlalchemy import SQLAlchemy

from contact_segments import Actor, ContactFilter, Segments, memberships, migrate, segments
from contact_segments.config import DEFAULTS
from contact_segments.hooks.markers import PROJECT_NAME


def _host_app(database_url, **segments_options):
    host_db = SQLAlchemy()

    class Customer(host_db.Model):
        __tablename__ = "host_customer"
        id = host_db.Column(host_db.Integer, primary_key=True)
        dealer_id = host_db.Column(host_db.Integer, nullable=False)
        given_name = host_db.Column(host_db.String(80), nullable=False)
        family_name = host_db.Column(host_db.String(80), nullable=False)
        phone_e164 = host_db.Column(host_db.String(20))
        email_address = host_db.Column(host_db.String(254))

    app = Flask("host")
    app.config.update(SQLALCHEMY_DATABASE_URI=database_url, SECRET_KEY="x", SEGMENTS_URL_PREFIX="/crm/segments")
    host_db.init_app(app)
    pm = pluggy.PluginManager(PROJECT_NAME)
    Segments(app, db=host_db, plugin_manager=pm, contact_model=Customer, contact_columns={
        "account_id": "dealer_id", "first_name": "given_name", "last_name": "family_name",
        "mobile": "phone_e164", "email": "email_address"}, **segments_options)
    return app, host_db, Customer, pm


@pytest.fixture
def host(database_url):
    app, host_db, Customer, pm = _host_app(database_url)
    with app.app_context():
        host_db.create_all()
        migrate.upgrade(host_db.engine)
        yield app, host_db, Customer, pm
        host_db.session.remove()
        migrate.downgrade(host_db.engine, "base")
        host_db.drop_all()
        host_db.engine.dispose()


def test_host_contact_model_db_and_plugin_manager(host):
    app, host_db, Customer, pm = host
    state = app.extensions["segments"]
    assert state.pm is pm and state.db is host_db
    host_db.session.add_all([
        Customer(dealer_id=7, given_name="Ana", family_name="Silva", phone_e164="+5511987654321"),
        Customer(dealer_id=7, given_name="Bob", family_name="Smith", email_address="bob@example.com"),
        Customer(dealer_id=8, given_name="Eve", family_name="Other", phone_e164="+14155552671"),
    ])
    host_db.session.commit()
    scope = state.scope(Actor.system(7))
    segment = segments.create(scope, "VIP", contact_filter=ContactFilter(search="silva"))
    assert segment.member_count == 1
    assert memberships.add_contacts(scope, segment.id, contact_filter=ContactFilter()) == 1  # Bob; never Eve
    sms = pm.hook.segments_count_recipients(account_id=7, include=[segment.id], exclude=[], channel="sms")
    email = pm.hook.segments_count_recipients(account_id=7, include=[segment.id], exclude=[], channel="email")
    assert (sms, email) == (1, 1)
    [[recipient]] = list(pm.hook.segments_iter_recipients(
        account_id=7, include=[segment.id], exclude=[], channel="sms", batch_size=10))
    assert (recipient.first_name, recipient.address) == ("Ana", "+5511987654321")
    members = memberships.list_members(scope, segment.id)
    assert [m["first_name"] for m in members] == ["Ana", "Bob"]


def test_host_mapping_must_name_required_columns(database_url):
    with pytest.raises(ValueError, match="contact_columns must map"):
        app = Flask("bad")
        app.config.update(SQLALCHEMY_DATABASE_URI=database_url)
        db = SQLAlchemy()

        class Thing(db.Model):
            __tablename__ = "host_thing"
            id = db.Column(db.Integer, primary_key=True)

        db.init_app(app)
        Segments(app, db=db, contact_model=Thing)


def test_register_blueprint_false_lets_the_host_mount_it(database_url):
    app, *_ = _host_app(database_url, register_blueprint=False)
    assert not any(rule.rule.startswith("/crm/segments") for rule in app.url_map.iter_rules())


def test_config_defaults_fill_only_unset_keys(database_url):
    app, *_ = _host_app(database_url)
    assert app.config["SEGMENTS_URL_PREFIX"] == "/crm/segments"
    for key, value in DEFAULTS.items():
        if key != "SEGMENTS_URL_PREFIX":
            assert app.config[key] == value
    assert any(rule.rule.startswith("/crm/segments") for rule in app.url_map.iter_rules())


def test_without_a_host_db_the_plugin_uses_its_own(tmp_path):
    app = Flask("bare")
    app.config.update(SECRET_KEY="x", SEGMENTS_DATABASE_URL=f"sqlite:///{tmp_path / 'own.sqlite'}")
    extension_state = Segments().init_app(app)
    with app.app_context():
        migrate.upgrade(extension_state.engine())
        scope = extension_state.scope(Actor.system(1))
        segments.create(scope, "Own")
        assert [s.name for s in segments.list_segments(scope).items] == ["Own"]
        assert "segments_segment" in sa.inspect(extension_state.engine()).get_table_names()
