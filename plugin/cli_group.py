"""The ``flask segments`` command group and what its commands share: one-line errors (a bad
argument or a refused change prints ONE line on stderr, ``Error: ...``, and exits non-zero: 2 for
bad usage, 1 when the change was refused or failed), the :data:`ID` argument type and
:func:`account_command` (``--account ID`` and ``--json``), and :func:`find_segment` (a segment by
name or id).

The commands themselves live in :mod:`contact_segments.cli` (segments, database),
:mod:`contact_segments.imports.cli` (imports), :mod:`contact_segments.integrity_cli`
(checks and forgetting contacts) and :mod:`contact_segments.history.cli` (history, undo, deleted
segments, purge), which register on :data:`segments_cli`.
"""

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import with_appcontext

from . import segments
from .actor import Actor
from .errors import NotFound, SegmentsError
from .ids import MAX_ID


class OneLineUsageError(click.ClickException):
    """A usage error shown as one line (click's own adds the usage and a hint: three lines)."""

    exit_code = 2


def _one_line(text):
    """``text`` with every run of whitespace (line breaks too) made one space."""
    return " ".join(str(text).split())


def _one_line_usage(error, command_path):
    return OneLineUsageError(_one_line(f"{error.format_message()} (see: {command_path} --help)"))


class OneLineCommand(click.Command):
    """A command whose bad arguments and refused changes end in one line on stderr."""

    def parse_args(self, ctx, args):
        """Parse ``args``; a usage error becomes one line."""
        try:
            return super().parse_args(ctx, args)
        except click.UsageError as error:
            raise _one_line_usage(error, ctx.command_path) from None

    def invoke(self, ctx):
        """Run the command; service, file and database errors become one line."""
        try:
            return super().invoke(ctx)
        except click.UsageError as error:
            raise _one_line_usage(error, ctx.command_path) from None
        except SegmentsError as error:
            raise click.ClickException(_one_line(error.message)) from None
        except OSError as error:  # --output into a missing folder, a full disk, ...
            raise click.ClickException(f"Cannot write {error.filename or 'the output'}: "
                                       f"{error.strerror or error}.") from None
        except sa.exc.SQLAlchemyError as error:
            first_line = str(getattr(error, "orig", None) or error).splitlines()[0]
            raise click.ClickException(
                f"Database error: {first_line}. If the plugin's tables are missing, run "
                f"'flask segments db upgrade'."
            ) from None


class SegmentsGroup(click.Group):
    """The ``segments`` group: an unknown command name is a one-line error too."""

    def resolve_command(self, ctx, args):
        """Find the subcommand named by ``args[0]``; a usage error becomes one line."""
        try:
            return super().resolve_command(ctx, args)
        except click.UsageError as error:
            raise _one_line_usage(error, ctx.command_path) from None


@click.group("segments", cls=SegmentsGroup)
def segments_cli():
    """Customer segments: manage segments, import contacts, resolve audiences."""


class IdType(click.ParamType):
    """A database id: a whole number from 1 up (``--account 0`` or ``--contact abc`` is refused)."""

    name = "ID"

    def convert(self, value, param, ctx):
        """Return ``value`` as an ``int`` id, or fail with a message saying what an id is."""
        if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= MAX_ID:
            return value
        text = str(value).strip()
        if not (text.isascii() and text.isdigit() and 1 <= int(text) <= MAX_ID):
            self.fail(f"{value!r} is not an id: use a whole number from 1 up, for example 7.", param, ctx)
        return int(text)


ID = IdType()


def account_command(name, **options):
    """Register a ``segments`` subcommand that takes ``--account ID`` and ``--json``; its callback
    receives ``scope`` (the system actor of the account) and ``as_json`` first."""

    def decorator(function):
        """Wrap ``function`` into the command (see :func:`account_command`)."""

        @click.option("--account", "account_id", type=ID, required=True,
                      help="The account to act on (the CLI acts as its system admin).")
        @click.option("--json", "as_json", is_flag=True, help="Print machine-readable JSON.")
        @with_appcontext
        def callback(account_id, as_json, **kwargs):
            """Build the account's scope and run the command (help: ``function``'s docstring)."""
            state = current_app.extensions["segments"]
            return function(state.scope(Actor.system(account_id), via="cli"), as_json, **kwargs)

        callback.__doc__ = function.__doc__
        callback.__click_params__ = getattr(callback, "__click_params__", []) + getattr(
            function, "__click_params__", [])
        return segments_cli.command(name, cls=OneLineCommand, **options)(callback)

    return decorator


def find_segment(scope, name_or_id):
    """Return the account's segment named ``name_or_id`` (ignoring case, spaces and Unicode
    form) or, if no segment has that name and it is a number, the segment with that id."""
    found, _ = segments.find_by_names(scope.session, scope.account_id, [name_or_id])
    if found:
        return next(iter(found.values()))
    text = name_or_id.strip()
    if text.isascii() and text.isdigit() and int(text) <= MAX_ID:
        try:
            return segments.get(scope, int(text))
        except NotFound:
            pass
    raise NotFound(f'Account {scope.account_id} has no segment named "{name_or_id}" (nor with that id). '
                   f"See them with: flask segments list --account {scope.account_id}")
