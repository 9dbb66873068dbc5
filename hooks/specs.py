"""Hook specifications: every hook the plugin provides to the host or calls on the host.

All hooks are named ``segments_*`` and called with keyword arguments. Three kinds:

* **Host → plugin** (the plugin implements them; the host's bulk sender and pages call them):
  :func:`segments_audience_segments`, :func:`segments_count_recipients`,
  :func:`segments_iter_recipients`, :func:`segments_contact_segments`, :func:`segments_contact_history`.
* **Plugin → host** (the host implements them to plug in its own behaviour):
  :func:`segments_current_actor`, :func:`segments_authorize`, :func:`segments_before_delete`,
  :func:`segments_notify`.
* **Events** (plugin → host, fired only after the change has committed):
  :func:`segments_segment_created`, :func:`segments_segment_renamed`,
  :func:`segments_segment_deleted`, :func:`segments_members_added`,
  :func:`segments_members_removed`, :func:`segments_import_finished`.

A host calls, for example::

    pm = app.extensions["segments"].pm
    count = pm.hook.segments_count_recipients(account_id=7, include=[1, 2], exclude=[3], channel="sms")
"""

from collections.abc import Generator

from .markers import hookspec

# ---------------------------------------------------------------- host → plugin (resolution)


@hookspec(firstresult=True)
def segments_audience_segments(account_id: int) -> list:
    """List an account's segments for the bulk-message audience picker.

    Called by the host when it renders its composer. ``account_id`` is the host's account.
    Returns a list of :class:`contact_segments.audience.SegmentSummary` (``id``, ``name``,
    ``member_count``), sorted by name. The plugin implements it; a host implementation that
    returns a list replaces the plugin's answer.
    """


@hookspec(firstresult=True)
def segments_count_recipients(account_id: int, include: list, exclude: list, channel: str) -> int:
    """Count the recipients of a bulk message before it is sent.

    ``include`` and ``exclude`` are segment ids of ``account_id``; the audience is every contact
    in at least one included segment and in no excluded segment, counted once, that is reachable
    on ``channel`` (``"sms"``: has a mobile number; ``"email"``: has an address).
    Unknown or foreign segment ids raise :class:`contact_segments.errors.NotFound`.
    Returns an ``int``.
    """


@hookspec(firstresult=True)
def segments_iter_recipients(
    account_id: int, include: list, exclude: list, channel: str, batch_size: int
) -> Generator:
    """Stream the recipients of a bulk message, in constant memory.

    Same audience as :func:`segments_count_recipients`. Returns a generator (always, an empty
    audience included) of lists (batches of at most ``batch_size``) of
    :class:`contact_segments.audience.Recipient` (``contact_id``, ``first_name``, ``last_name``,
    ``address``), each contact exactly once (in no guaranteed order). The stream holds no lock
    between batches, so the host may write and commit its own session between them. A stream
    not read to the end holds a database connection until it is closed: close it (``close()``
    or ``contextlib.closing``) when the loop may stop early.
    """


@hookspec(firstresult=True)
def segments_contact_segments(account_id: int, contact_id: int) -> list:
    """Return the segments one contact belongs to, for the pages where consultants talk to it.

    Returns a list of :class:`contact_segments.audience.SegmentSummary` sorted by name (empty for
    an unknown contact). The Jinja macro ``segments/macros.html:contact_segments`` renders it.
    """


@hookspec(firstresult=True)
def segments_contact_history(account_id: int, contact_id: int, limit: int) -> list:
    """Return the newest ``limit`` entries of one contact's segment history, for the pages where
    consultants talk to it: each segment it joined or left, who did it, how and when.

    Returns a list of :class:`contact_segments.history.queries.ContactEntry` (``to_dict()`` gives
    the API's JSON), newest first; empty for a contact that is not the account's. The Jinja macro
    ``segments/macros.html:contact_segments`` shows the newest three.
    """


# ---------------------------------------------------------------- plugin → host


@hookspec(firstresult=True)
def segments_current_actor():
    """Tell the plugin who is using it in the current request.

    Called at the start of every page and API request of the plugin. Return a
    :class:`contact_segments.actor.Actor` (account id, user id, role) or ``None`` when nobody is
    signed in (the plugin then answers 401). The default implementation returns
    ``flask.g.segments_actor`` when the host set it, else ``None``.
    """


@hookspec(firstresult=True)
def segments_authorize(actor, action: str, target) -> bool | None:
    """Decide whether ``actor`` may perform ``action`` (replaces the default role policy).

    ``action`` is one of ``view``, ``create``, ``assign``, ``import``, ``rename``, ``delete``,
    ``forget`` (forget contacts); ``target`` is the segment concerned, when there is one, else
    ``None``. Return ``True`` to allow, ``False`` to refuse, ``None`` to let the default policy
    decide.
    """


@hookspec
def segments_before_delete(actor, segment_id: int, name: str, member_count: int) -> str | None:
    """Veto the deletion of a segment, for example when a scheduled send still uses it.

    Called before anything is deleted. Return a message (shown to the user) to refuse, or
    ``None`` to allow. Every implementation is called; any message vetoes.
    """


@hookspec(firstresult=True)
def segments_notify(notice) -> bool | None:
    """Deliver a notification to a user (import queued, import finished).

    ``notice`` is a :class:`contact_segments.hooks.events.Notice`. Return ``True`` when the host
    delivered it through its own notification system; the plugin's default implementation (called
    last) stores it in-app, where the plugin's pages show it top-right.
    """


# ---------------------------------------------------------------- events (after commit)


@hookspec
def segments_segment_created(event) -> None:
    """A segment was created. ``event`` is a :class:`~contact_segments.hooks.events.SegmentCreated`."""


@hookspec
def segments_segment_renamed(event) -> None:
    """A segment was renamed. ``event`` is a :class:`~contact_segments.hooks.events.SegmentRenamed`."""


@hookspec
def segments_segment_deleted(event) -> None:
    """A segment was deleted. ``event`` is a :class:`~contact_segments.hooks.events.SegmentDeleted`."""


@hookspec
def segments_members_added(event) -> None:
    """Contacts joined a segment. ``event`` is a :class:`~contact_segments.hooks.events.MembersAdded`."""


@hookspec
def segments_members_removed(event) -> None:
    """Contacts left a segment. ``event`` is a :class:`~contact_segments.hooks.events.MembersRemoved`."""


@hookspec
def segments_import_finished(event) -> None:
    """A bulk import ended. ``event`` is a :class:`~contact_segments.hooks.events.ImportFinished`."""
