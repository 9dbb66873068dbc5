"""The plugin's own implementations of its hooks, registered on the plugin manager by
:class:`contact_segments.Segments`. Host implementations registered later run first; the
defaults are marked ``trylast`` so that a host answer always wins.
"""

from flask import g, has_app_context

from .. import audience, notifications
from ..actor import Actor
from ..errors import NotFound
from ..history.queries import contact_history
from .markers import hookimpl


class DefaultHooks:
    """Hook implementations bound to one app's :class:`~contact_segments.extension.SegmentsState`."""

    def __init__(self, state):
        self.state = state

    @property
    def _session(self):
        return self.state.db.session

    @hookimpl(trylast=True)
    def segments_audience_segments(self, account_id):
        """List the account's segments with member counts (plugin implementation)."""
        return audience.audience_segments(self._session, account_id)

    @hookimpl(trylast=True)
    def segments_count_recipients(self, account_id, include, exclude, channel):
        """Count the audience (plugin implementation)."""
        return audience.count_recipients(
            self._session, self.state.contacts, account_id, include, exclude, channel
        )

    @hookimpl(trylast=True)
    def segments_iter_recipients(self, account_id, include, exclude, channel, batch_size):
        """Stream the audience in batches (plugin implementation)."""
        return audience.iter_recipients(
            self._session, self.state.contacts, account_id, include, exclude, channel, batch_size,
            streams=int(self.state.config["SEGMENTS_AUDIENCE_STREAMS"]),
        )

    @hookimpl(trylast=True)
    def segments_contact_segments(self, account_id, contact_id):
        """Return one contact's segments (plugin implementation)."""
        return audience.contact_segments(self._session, self.state.contacts, account_id, contact_id)

    @hookimpl(trylast=True)
    def segments_contact_history(self, account_id, contact_id, limit):
        """Default: the contact's history read by :func:`contact_segments.history.queries.contact_history`."""
        try:
            return contact_history(self.state.scope(Actor.system(account_id)), contact_id, limit=limit)
        except NotFound:
            return []

    @hookimpl(trylast=True)
    def segments_current_actor(self):
        """Default: the :class:`~contact_segments.actor.Actor` the host put in ``g.segments_actor``."""
        if has_app_context():
            return g.get("segments_actor")
        return None

    @hookimpl(trylast=True)
    def segments_notify(self, notice):
        """Default: store the notification in-app (table ``segments_notification``) for its user.

        A notice without a user (an import run by a system actor, such as the CLI, which prints
        its own summary) has nobody to be shown to in-app: it is not stored, and ``None`` is
        returned (not delivered). A host's own hook still receives it. A notice about an import
        replaces the user's unread notices about the same import (marks them read).
        """
        if notice.user_id is None:
            return None
        notifications.store(self._session, notice)
        return True
