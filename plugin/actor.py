"""Who is acting: the account, the user and the user's role."""

from dataclasses import dataclass

ROLES = ("consultant", "manager", "admin")


@dataclass(frozen=True)
class Actor:
    """The user on whose behalf the plugin works, as the host reports it.

    ``account_id`` scopes every query; ``user_id`` is recorded on imports and notifications
    (``None`` for system actors such as the CLI); ``role`` is one of :data:`ROLES`.
    """

    account_id: int
    user_id: int | None
    role: str
    name: str = ""

    @classmethod
    def system(cls, account_id):
        """Return the actor the CLI and background jobs use: an admin of ``account_id``."""
        return cls(account_id=int(account_id), user_id=None, role="admin", name="system")
