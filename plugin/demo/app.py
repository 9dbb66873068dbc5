"""The demo host's application factory and its own pages (composer, outbox, conversations)."""

import json
import os
import uuid

from flask import Flask, abort, flash, redirect, render_template, request, session, url_for
from flask_babel import Babel
from flask_wtf import CSRFProtect

from .. import Segments
from ..blueprints.redirects import redirect_back
from ..blueprints.ui_i18n import SUPPORTED_LOCALES, select_locale
from ..contact_query import ContactFilter, list_contacts
from ..errors import SegmentsError
from ..migrate import upgrade
from ..models import Contact
from .conversation import LANGUAGES, ROLE_HINTS, thread
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


def _chosen_locale():
    chosen = session.get("demo_locale")
    return chosen if chosen in SUPPORTED_LOCALES else select_locale()


def create_app(config=None):
    """Build the demo host; ``config`` overrides (tests pass their database and Redis URLs)."""
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=os.environ.get("SECRET_KEY", "demo-only-secret-change-me"),
        SQLALCHEMY_DATABASE_URI=os.environ.get("DATABASE_URL") or _default_database_url(),
        SEGMENTS_REDIS_URL=os.environ.get("REDIS_URL", ""),
        SEGMENTS_BASE_TEMPLATE="demo/base.html",
        SEGMENTS_CONTACT_URL="/contacts/{id}",
        # Browsers send the session cookie on no cross-site POST, fetch or frame (links still work).
        SESSION_COOKIE_SAMESITE="Lax",
        DEMO_SEED=True,
    )
    app.config.update(_segments_settings_from_environment())
    app.config.update(config or {})
    db.init_app(app)
    CSRFProtect(app)
    # The language chosen in the top bar, else the plugin's choice (the browser's language).
    Babel(app, locale_selector=_chosen_locale)
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
        user = current_user()
        return {"demo_user": user, "demo_users": db.session.execute(
            db.select(User).order_by(User.account_id, User.id)).scalars().all(),
            "demo_role_hint": ROLE_HINTS.get(user.role, "") if user else "",
            "demo_languages": LANGUAGES, "demo_locale": session.get("demo_locale", "auto")}

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

    @app.post("/language")
    def choose_language():
        chosen = request.form.get("locale", "")
        if chosen in SUPPORTED_LOCALES:
            session["demo_locale"] = chosen
        else:  # "auto": follow the browser's language again
            session.pop("demo_locale", None)
        return redirect_back(request.form.get("next"), url_for("home"))

    @app.get("/conversations")
    def conversations():
        user = current_user()
        contacts = list_contacts(db.session, state.contacts, user.account_id, ContactFilter(), limit=50)
        return render_template("demo/conversations.html", contacts=contacts)

    @app.route("/contacts/<int:contact_id>", methods=["GET", "POST"])
    def contact_page(contact_id):
        user = current_user()
        contact = db.session.execute(db.select(Contact).where(
            Contact.id == contact_id, Contact.account_id == user.account_id)).scalar_one_or_none()
        if contact is None:
            abort(404)
        if request.method == "POST":
            _reply(user, contact, request.form.get("body", ""))
            return redirect(url_for("contact_page", contact_id=contact.id))
        return render_template("demo/contact.html", contact=contact, thread=thread(user.account_id, contact))

    @app.route("/compose", methods=["GET", "POST"])
    def compose():
        user = current_user()
        form = {
            "include": request.values.getlist("include"),
            "exclude": request.values.getlist("exclude"),
            "channel": request.values.get("channel", "sms"),
            "segment_search": request.values.get("segment_search", ""),
            "body": request.values.get("body", ""),
        }
        action = request.form.get("action") if request.method == "POST" else None
        try:
            if action in ("send", "confirm"):
                problem = _unsendable(form)
                if problem:
                    flash(problem, "error")
                elif action == "send":
                    count = state.pm.hook.segments_count_recipients(
                        account_id=user.account_id, include=form["include"], exclude=form["exclude"],
                        channel=form["channel"])
                    return render_template("demo/confirm.html", form=form, count=count)
                else:
                    sent = _send(state, user, form)
                    flash(f"Sent to {sent:,} contacts (recorded in the outbox).", "success")
                    return redirect(url_for("outbox"))
            return render_template("demo/compose.html", form=form)
        except SegmentsError as error:
            flash(error.message, "error")
            return render_template("demo/compose.html", form={**form, "include": [], "exclude": []})

    @app.get("/outbox")
    def outbox():
        user = current_user()
        messages = db.session.execute(
            db.select(OutboxMessage).where(OutboxMessage.account_id == user.account_id)
            .order_by(OutboxMessage.id.desc()).limit(200)).scalars().all()
        names = {contact.id: f"{contact.first_name} {contact.last_name}".strip() for contact in db.session.execute(
            db.select(Contact).where(Contact.account_id == user.account_id,
                                     Contact.id.in_({message.contact_id for message in messages}))).scalars()}
        return render_template("demo/outbox.html", messages=messages, names=names)


def _unsendable(form):
    """Why the composer's message cannot go out yet (``None``: it can)."""
    if not form["body"].strip():
        return "Write the message before sending."
    if not form["include"]:
        return "Choose at least one segment to send to."
    return None


def _reply(user, contact, body):
    """Record the consultant's reply to ``contact`` in the outbox (by SMS when it has a mobile)."""
    address, channel = (contact.mobile, "sms") if contact.mobile else (contact.email, "email")
    if body.strip() and address:
        db.session.add(OutboxMessage(account_id=user.account_id, batch=str(uuid.uuid4()), channel=channel,
                                     contact_id=contact.id, address=address, body=body.strip()))
        db.session.commit()


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
