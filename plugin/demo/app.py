"""The demo host's application factory and its own pages (composer, outbox, contact page)."""

import json
import os
import uuid

from flask import Flask, abort, flash, redirect, render_template, request, session, url_for
from flask_wtf import CSRFProtect

from .. import Segments
from ..blueprints.redirects import redirect_back
from ..contact_query import ContactFilter, list_contacts
from ..errors import SegmentsError
from ..migrate import upgrade
from ..models import Contact
from .hooks import DemoHostHooks, current_user
from .models import OutboxMessage, User, db
from .seed import seed


def _default_database_url():
    return "sqlite:///" + os.path.join(os.getcwd(), "segments-demo.sqlite")


def _segments_settings_from_environment():
    """Every ``SEGMENTS_*`` environment variable as a config value (JSON-decoded when it parses:
    ``SEGMENTS_IMPORT_BATCH_SIZE=500`` is the number 500), so a worker started with
    ``flask --app contact_segments.demo segments worker`` gets the same settings as the web app."""
    settings = {}
    for key, value in os.environ.items():
        if key.startswith("SEGMENTS_"):
            try:
                settings[key] = json.loads(value)
            except ValueError:
                settings[key] = value
    return settings


def create_app(config=None):
    """Build the demo host; ``config`` overrides (tests pass their database and Redis URLs)."""
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=os.environ.get("SECRET_KEY", "demo-only-secret-change-me"),
        SQLALCHEMY_DATABASE_URI=os.environ.get("DATABASE_URL") or _default_database_url(),
        SEGMENTS_REDIS_URL=os.environ.get("REDIS_URL", ""),
        SEGMENTS_BASE_TEMPLATE="demo/base.html",
        # Browsers send the session cookie on no cross-site POST, fetch or frame (links still work).
        SESSION_COOKIE_SAMESITE="Lax",
        DEMO_SEED=True,
    )
    app.config.update(_segments_settings_from_environment())
    app.config.update(config or {})
    db.init_app(app)
    CSRFProtect(app)
    extension = Segments(app, db=db)
    state = app.extensions["segments"]
    state.pm.register(DemoHostHooks(), name="demo-host")
    _register_views(app, state)
    with app.app_context():
        upgrade(db.engine)
        db.create_all()
        if app.config["DEMO_SEED"]:
            seed(state)
    app.extensions["demo"] = extension
    return app


def _register_views(app, state):
    @app.context_processor
    def demo_context():
        return {"demo_user": current_user(), "demo_users": db.session.execute(
            db.select(User).order_by(User.account_id, User.id)).scalars().all()}

    @app.get("/")
    def home():
        return redirect(url_for("segments.contacts"))

    @app.post("/switch-user")
    def switch_user():
        user = db.session.get(User, request.form.get("user_id", type=int) or 0)
        if user is None:
            abort(404)
        session["user_id"] = user.id
        return redirect_back(request.form.get("next"), url_for("home"))

    @app.get("/contacts/<int:contact_id>")
    def contact_page(contact_id):
        user = current_user()
        contact = db.session.execute(db.select(Contact).where(
            Contact.id == contact_id, Contact.account_id == user.account_id)).scalar_one_or_none()
        if contact is None:
            abort(404)
        return render_template("demo/contact.html", contact=contact)

    @app.route("/compose", methods=["GET", "POST"])
    def compose():
        user = current_user()
        hook = state.pm.hook
        picker = hook.segments_audience_segments(account_id=user.account_id)
        form = {
            "include": request.values.getlist("include", type=int),
            "exclude": request.values.getlist("exclude", type=int),
            "channel": request.values.get("channel", "sms"),
            "body": request.values.get("body", ""),
        }
        count = None
        try:
            if form["include"]:
                count = hook.segments_count_recipients(
                    account_id=user.account_id, include=form["include"],
                    exclude=form["exclude"], channel=form["channel"])
            if request.method == "POST" and request.form.get("action") == "send":
                if not form["body"].strip():
                    flash("Write the message before sending.", "error")
                elif not form["include"]:
                    flash("Choose at least one segment to send to.", "error")
                else:
                    sent = _send(state, user, form)
                    flash(f"Sent to {sent} recipients (recorded in the outbox).", "success")
                    return redirect(url_for("outbox"))
        except SegmentsError as error:
            flash(error.message, "error")
        return render_template("demo/compose.html", picker=picker, form=form, count=count)

    @app.get("/outbox")
    def outbox():
        user = current_user()
        messages = db.session.execute(
            db.select(OutboxMessage).where(OutboxMessage.account_id == user.account_id)
            .order_by(OutboxMessage.id.desc()).limit(200)).scalars().all()
        return render_template("demo/outbox.html", messages=messages)

    app.jinja_env.globals["demo_list_contacts"] = lambda: list_contacts(
        db.session, state.contacts, current_user().account_id, ContactFilter(), limit=20)


def _send(state, user, form):
    """Record one outbox row per recipient, streaming them from the plugin in batches."""
    batch_id = str(uuid.uuid4())
    sent = 0
    for batch in state.pm.hook.segments_iter_recipients(
            account_id=user.account_id, include=form["include"], exclude=form["exclude"],
            channel=form["channel"], batch_size=state.config["SEGMENTS_RECIPIENT_BATCH_SIZE"]):
        db.session.add_all([OutboxMessage(
            account_id=user.account_id, batch=batch_id, channel=form["channel"],
            contact_id=recipient.contact_id, address=recipient.address,
            body=form["body"].replace("{first_name}", recipient.first_name or ""),
        ) for recipient in batch])
        db.session.commit()
        sent += len(batch)
    return sent
