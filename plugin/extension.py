"""The Flask extension object a host creates: ``Segments(app)`` or ``Segments().init_app(app)``."""

from dataclasses import dataclass, field

import pluggy
from flask import current_app
from flask_sqlalchemy import SQLAlchemy

from .actor import Actor
from .config import apply_defaults
from .contacts import ContactMapping
from .database_driver import check_database_driver
from .errors import NotAuthenticated
from .forget import forget_contacts
from .hooks import specs
from .hooks.defaults import DefaultHooks
from .hooks.markers import PROJECT_NAME
from .imports.launcher import choose_launcher
from .imports.queue import redis_url
from .models import Contact
from .scope import Scope
from .sqlite_engine import use_wal


@dataclass
class SegmentsState:
    """Per-app state, stored in ``app.extensions["segments"]``."""

    db: SQLAlchemy
    pm: pluggy.PluginManager
    contacts: ContactMapping
    config: dict
    _launcher: object = field(default=None, repr=False)

    @property
    def launcher(self):
        """How imports run (:mod:`contact_segments.imports.launcher`): on RQ when
        ``SEGMENTS_REDIS_URL`` is set, else in this process. Chosen at ``init_app``, and again
        when the setting is changed afterwards."""
        if self._launcher is None or self._launcher.url != redis_url(self.config):
            self._launcher = choose_launcher(self.config)
        return self._launcher

    def scope(self, actor, session=None, via="host"):
        """Return a :class:`~contact_segments.scope.Scope` for ``actor`` (on ``db.session``)
        reached ``via`` "page", "api", "cli" or "host" (recorded in history)."""
        return Scope(state=self, session=session or self.db.session, actor=actor, via=via)

    def current_actor(self):
        """Ask the host (hook ``segments_current_actor``) who is acting; raise 401 if nobody."""
        actor = self.pm.hook.segments_current_actor()
        if actor is None:
            raise NotAuthenticated("Sign in to use customer segments.")
        return actor

    def engine(self):
        """Return the SQLAlchemy engine the plugin's tables live in."""
        return self.db.engine

    def forget_contacts(self, account_id, contact_ids, *, session=None):
        """Forget the contacts ``contact_ids`` of ``account_id`` in the caller's transaction:
        their memberships (member counts kept right), their import-row references and, when the
        plugin owns the contact table, the contacts. Does not commit; the
        ``segments_members_removed`` events follow the caller's commit. Returns a
        :class:`~contact_segments.forget.ForgetResult` (see :mod:`contact_segments.forget`).
        """
        return forget_contacts(self.scope(Actor.system(account_id), session), contact_ids)


def make_plugin_manager(pm=None):
    """Return ``pm`` (the host's) or a new PluginManager, with the plugin's hook specs added."""
    pm = pm or pluggy.PluginManager(PROJECT_NAME)
    if pm.project_name != PROJECT_NAME:
        raise ValueError(
            f"The plugin manager must be created with project name {PROJECT_NAME!r} "
            f"(got {pm.project_name!r}): pluggy(\"{PROJECT_NAME}\")."
        )
    pm.add_hookspecs(specs)
    return pm


class Segments:
    """Customer segments for a Flask host.

    ``db``: the host's Flask-SQLAlchemy instance (else the plugin creates one from
    ``SEGMENTS_DATABASE_URL``; on SQLite in WAL mode with a busy timeout, see
    :mod:`contact_segments.sqlite_engine`). ``plugin_manager``: the host's pluggy manager for project
    ``contact_segments`` (else one is created; either way it is ``app.extensions["segments"].pm``).
    ``contact_model`` / ``contact_columns``: the host's contact model and its column mapping
    (see :mod:`contact_segments.contacts`); without them the plugin's ``segments_contact`` table
    is used. ``register_blueprint=False`` lets the host mount the blueprints itself.
    """

    def __init__(self, app=None, **options):
        self._options = options
        if app is not None:
            self.init_app(app, **options)

    def init_app(self, app, *, db=None, plugin_manager=None, contact_model=None,
                 contact_columns=None, register_blueprint=None):
        """Set up the plugin on ``app``: config defaults, database, hooks, blueprints and CLI."""
        options = {**self._options}
        for key, value in (("db", db), ("plugin_manager", plugin_manager),
                           ("contact_model", contact_model), ("contact_columns", contact_columns),
                           ("register_blueprint", register_blueprint)):
            if value is not None:
                options[key] = value
        apply_defaults(app.config)
        db = options.get("db")
        if db is None:
            app.config.setdefault("SQLALCHEMY_DATABASE_URI", app.config["SEGMENTS_DATABASE_URL"])
            check_database_driver(app)
            db = SQLAlchemy()
            db.init_app(app)
            with app.app_context():
                use_wal(db.engine)  # SQLite: readers and a writer side by side, writers wait
        else:
            check_database_driver(app, db)
        pm = make_plugin_manager(options.get("plugin_manager"))
        contacts = ContactMapping.from_model(
            options.get("contact_model") or Contact, options.get("contact_columns")
        )
        state = SegmentsState(db=db, pm=pm, contacts=contacts, config=app.config,
                              _launcher=choose_launcher(app.config))
        pm.register(DefaultHooks(state), name=f"contact_segments.defaults.{app.import_name}.{id(state)}")
        pm.load_setuptools_entrypoints(PROJECT_NAME)
        app.extensions["segments"] = state
        app.add_template_global(_segments_of_contact_for(state), "segments_of_contact")
        if options.get("register_blueprint", True):
            from .blueprints import register_blueprints

            register_blueprints(app, state)
        from .cli import segments_cli

        app.cli.add_command(segments_cli)
        return state


def _segments_of_contact_for(state):
    def segments_of_contact(contact_id):
        """The current user's view of a contact's segments (used by ``segments/macros.html``)."""
        actor = state.current_actor()
        return state.pm.hook.segments_contact_segments(account_id=actor.account_id, contact_id=contact_id)

    return segments_of_contact


def get_state(app=None):
    """Return the :class:`SegmentsState` of ``app`` (default: the current app)."""
    return (app or current_app).extensions["segments"]
