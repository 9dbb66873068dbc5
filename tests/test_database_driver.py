"""On PostgreSQL the plugin needs psycopg 3 (its bulk paths use psycopg's COPY and cursor APIs):
``init_app`` refuses any other driver with a message naming the fix, whether the plugin creates
the database object or the host brings its own."""

import pytest
import sqlalchemy as sa
from flask import Flask
from flask_sqlalchemy import SQLAlchemy

from contact_segments import Segments

FIX = "postgresql+psycopg://"


def _url(driver):
    """A PostgreSQL URL with ``driver`` ("": SQLAlchemy's default for postgresql://) and a
    password (nothing connects to it: the driver is checked before)."""
    return f"postgresql{'+' + driver if driver else ''}://segments:s3cret-pw@127.0.0.1:5432/segments"


def _refusal(init):
    with pytest.raises(ValueError) as refused:
        init()
    message = str(refused.value)
    assert FIX in message and "contact-segments[postgres]" in message, message
    assert "s3cret-pw" not in message
    return message


@pytest.mark.parametrize("driver", ["psycopg2", "pg8000", "asyncpg", "psycopg_async"])
def test_a_plugin_created_database_on_another_driver_is_refused(driver):
    app = Flask(__name__)
    app.config["SQLALCHEMY_DATABASE_URI"] = _url(driver)
    message = _refusal(lambda: Segments(app))
    assert f"the {driver} driver" in message


def test_a_bare_postgresql_url_is_judged_by_the_driver_sqlalchemy_picks_for_it():
    # SQLAlchemy 2.0 reads postgresql:// as psycopg2, 2.1 as psycopg 3.
    app = Flask(__name__)
    app.config["SQLALCHEMY_DATABASE_URI"] = _url("")
    if sa.engine.make_url(_url("")).get_driver_name() == "psycopg":
        Segments(app)
        assert "segments" in app.extensions
    else:
        assert "the psycopg2 driver" in _refusal(lambda: Segments(app))


def test_segments_database_url_is_checked_too():
    app = Flask(__name__)
    app.config["SEGMENTS_DATABASE_URL"] = _url("psycopg2")
    _refusal(lambda: Segments(app))


def test_a_host_database_not_yet_set_up_is_checked_by_its_config():
    app = Flask(__name__)
    app.config["SQLALCHEMY_DATABASE_URI"] = _url("psycopg2")
    _refusal(lambda: Segments().init_app(app, db=SQLAlchemy()))


def test_a_host_database_already_on_psycopg2_is_refused():
    pytest.importorskip("psycopg2")
    app = Flask(__name__)
    app.config["SQLALCHEMY_DATABASE_URI"] = _url("psycopg2")
    db = SQLAlchemy()
    db.init_app(app)  # the host's engine, on psycopg2
    _refusal(lambda: Segments(app, db=db))


@pytest.mark.parametrize("url", [_url("psycopg"), "sqlite://", "sqlite:///{tmp}/segments.sqlite"])
def test_psycopg_and_sqlite_are_accepted(url, tmp_path):
    app = Flask(__name__)
    app.config["SQLALCHEMY_DATABASE_URI"] = url.format(tmp=tmp_path)
    Segments(app)
    assert "segments" in app.extensions
