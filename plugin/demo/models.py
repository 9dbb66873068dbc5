"""The demo host's own tables (prefix ``demo_``): accounts, users and the outbox."""

from datetime import datetime, timezone

from flask_sqlalchemy import SQLAlchemy

db = SQLAlchemy()


class Account(db.Model):
    """A dealership."""

    __tablename__ = "demo_account"
    id = db.Column(db.Integer, primary_key=True)
    name = db.Column(db.String(100), nullable=False)


class User(db.Model):
    """A user of a dealership with a role: consultant, manager or admin."""

    __tablename__ = "demo_user"
    id = db.Column(db.Integer, primary_key=True)
    account_id = db.Column(db.Integer, db.ForeignKey("demo_account.id"), nullable=False)
    name = db.Column(db.String(100), nullable=False)
    role = db.Column(db.String(20), nullable=False)
    account = db.relationship(Account)


class OutboxMessage(db.Model):
    """A message the demo "sent": recorded instead of delivered."""

    __tablename__ = "demo_outbox"
    id = db.Column(db.Integer, primary_key=True)
    account_id = db.Column(db.Integer, nullable=False, index=True)
    batch = db.Column(db.String(36), nullable=False, index=True)
    channel = db.Column(db.String(10), nullable=False)
    contact_id = db.Column(db.Integer, nullable=False)
    address = db.Column(db.String(254), nullable=False)
    body = db.Column(db.Text, nullable=False)
    created_at = db.Column(db.DateTime(timezone=True), default=lambda: datetime.now(timezone.utc))
