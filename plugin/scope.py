"""The unit every service works in: one app state, one database session, one actor."""

from contextlib import contextmanager
from dataclasses import dataclass

from .actor import Actor
from .dispatch import announce
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
    #: How the actor reached the service, as history records it: "page", "api", "cli" or
    #: "host" (a host calling the services itself).
    via: str = "host"

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

    @contextmanager
    def transaction(self):
        """Run the block as one unit of work: commit at its end, roll back if it raises.

        Events announced inside the block reach host hooks only after the commit.
        """
        try:
            yield self.session
            self.session.commit()
        except BaseException:
            self.session.rollback()
            raise

    def announce(self, hook_name, event):
        """Queue ``event`` for the event hook ``hook_name``, fired when the transaction commits."""
        announce(self.session, self.pm, hook_name, event)
