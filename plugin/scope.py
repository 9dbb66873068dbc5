"""The unit every service works in: one app state, one database session, one actor."""

from dataclasses import dataclass

from .actor import Actor
from .permissions import require


@dataclass(frozen=True)
class Scope:
    """An actor working on one account through one session.

    Services take a ``Scope`` rather than Flask request state, so the pages, the API, the CLI,
    the jobs and the hooks all call the same code.
    """

    state: object  # contact_segments.extension.SegmentsState
    session: object  # sqlalchemy.orm.Session
    actor: Actor

    @property
    def account_id(self):
        """The account every query of this scope is limited to."""
        return self.actor.account_id

    @property
    def pm(self):
        """The pluggy plugin manager hooks are called on."""
        return self.state.pm

    @property
    def contacts(self):
        """The :class:`~contact_segments.contacts.ContactMapping` of the contact table."""
        return self.state.contacts

    def require(self, action, target=None):
        """Raise :class:`~contact_segments.errors.PermissionDenied` unless the actor may ``action``."""
        require(self.pm, self.actor, action, target)
