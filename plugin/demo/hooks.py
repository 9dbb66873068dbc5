"""The demo host's implementations of the plugin's hooks."""

from flask import g, session

from ..actor import Actor
from ..hooks.markers import hookimpl
from .models import User, db


def current_user():
    """Return the signed-in demo user (the first user when nobody chose one yet)."""
    if "demo_user" not in g:
        user = None
        if session.get("user_id"):
            user = db.session.get(User, session["user_id"])
        if user is None:
            user = db.session.execute(db.select(User).order_by(User.id)).scalars().first()
        g.demo_user = user
    return g.demo_user


class DemoHostHooks:
    """Tells the plugin who is acting; everything else uses the plugin's defaults."""

    @hookimpl
    def segments_current_actor(self):
        """The signed-in demo user as an :class:`Actor`."""
        user = current_user()
        if user is None:
            return None
        return Actor(account_id=user.account_id, user_id=user.id, role=user.role, name=user.name)
