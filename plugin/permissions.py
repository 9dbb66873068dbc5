"""The default role policy and the authorization check every service runs first.

Default policy (README, "Roles"):

============  ==========  =======  =====
action        consultant  manager  admin
============  ==========  =======  =====
view          yes         yes      yes
create        yes         yes      yes
assign        yes         yes      yes
import        yes         yes      yes
rename        no          yes      yes
delete        no          yes      yes
forget        no          yes      yes
undo          no          yes      yes
restore       no          yes      yes
============  ==========  =======  =====

A host replaces it by implementing the ``segments_authorize`` hook: returning ``True`` or
``False`` decides; returning ``None`` falls back to this table.
"""

from .errors import PermissionDenied

ACTIONS = ("view", "create", "assign", "import", "rename", "delete", "forget", "undo", "restore")

DEFAULT_POLICY = {
    "consultant": {"view", "create", "assign", "import"},
    "manager": set(ACTIONS),
    "admin": set(ACTIONS),
}

ACTION_DESCRIPTIONS = {
    "view": "see segments and their members",
    "create": "create segments",
    "assign": "add contacts to segments or remove them",
    "import": "import contacts",
    "rename": "rename segments",
    "delete": "delete segments",
    "forget": "forget contacts (remove them from every segment and import)",
    "undo": "undo imports",
    "restore": "restore deleted segments",
}


def is_allowed(pm, actor, action, target=None):
    """Return whether ``actor`` may perform ``action`` (on ``target``, if given)."""
    decision = pm.hook.segments_authorize(actor=actor, action=action, target=target)
    if decision is not None:
        return bool(decision)
    return action in DEFAULT_POLICY.get(actor.role, set())


def require(pm, actor, action, target=None):
    """Raise :class:`PermissionDenied` unless ``actor`` may perform ``action``."""
    if not is_allowed(pm, actor, action, target):
        raise PermissionDenied(
            f"Your role ({actor.role}) may not {ACTION_DESCRIPTIONS.get(action, action)}. "
            "Ask a manager or an admin of your account."
        )
