"""The ``flask segments`` command group, added to every host app that enabled the plugin.

Segment commands act on one account (``--account ID``, required) as
:meth:`Actor.system <contact_segments.actor.Actor.system>` (an admin of that account) and call
the same services as the pages and the API. ``--json`` prints machine-readable output: one JSON
document, or JSON Lines (one object per line) for the commands that stream (``members``,
``resolve``). Bad arguments and refused changes print ONE line on stderr (``Error: ...``) and
exit non-zero (2: bad usage, 1: the change was refused or failed), never a traceback (see
:mod:`.cli_group`).
"""

import json
import os
import sys
import tempfile

import click
from flask import current_app
from flask.cli import with_appcontext

from . import export, integrity_cli, memberships, migrate, segments
from .cli_group import ID, account_command, find_segment, segments_cli
from .contact_query import ContactFilter
from .history import cli as history_cli
from .imports import cli as import_cli

#: The modules whose commands join the group when they are imported (the segment and database
#: commands are below; the group itself, its error handling and ``--account`` are in
#: :mod:`.cli_group`).
COMMAND_MODULES = (import_cli, integrity_cli, history_cli)


@segments_cli.group("db")
def db_cli():
    """The plugin's own database migrations (version table segments_alembic_version)."""


def _engine():
    return current_app.extensions["segments"].engine()


@db_cli.command("upgrade")
@click.argument("revision", default="head")
@with_appcontext
def db_upgrade(revision):
    """Create or upgrade the plugin's tables to REVISION (default: head)."""
    migrate.upgrade(_engine(), revision)
    click.echo(f"contact-segments database at revision {migrate.current_revision(_engine())}")


@db_cli.command("downgrade")
@click.argument("revision")
@with_appcontext
def db_downgrade(revision):
    """Downgrade the plugin's tables to REVISION ("base" removes them all)."""
    migrate.downgrade(_engine(), revision)
    click.echo(f"contact-segments database at revision {migrate.current_revision(_engine())}")


@db_cli.command("current")
@with_appcontext
def db_current():
    """Print the revision the database is at, and the newest one shipped."""
    click.echo(f"current: {migrate.current_revision(_engine())}  head: {migrate.head_revision()}")


# ---------------------------------------------------------------- segment commands


FORMATS = tuple(export.WRITERS)


def _emit(as_json, data, text):
    """Print ``data`` as one JSON document, or ``text`` for people."""
    click.echo(json.dumps(data, ensure_ascii=False) if as_json else text)


def _segment_dict(segment):
    return {"id": segment.id, "name": segment.name, "member_count": segment.member_count}


def _segment_ids(scope, names):
    return [find_segment(scope, name).id for name in names]


@account_command("create")
@click.argument("name")
@click.option("--contact", "contact_ids", type=ID, multiple=True, help="A first member (repeatable).")
def create_command(scope, as_json, name, contact_ids):
    """Create a segment NAME, optionally with its first members."""
    segment = segments.create(scope, name, contact_ids=contact_ids)
    _emit(as_json, _segment_dict(segment),
          f'Created segment "{segment.name}" (id {segment.id}) with {segment.member_count} contacts.')


@account_command("rename")
@click.argument("name_or_id")
@click.argument("new_name")
def rename_command(scope, as_json, name_or_id, new_name):
    """Rename the segment NAME_OR_ID to NEW_NAME."""
    segment = find_segment(scope, name_or_id)
    old_name = segment.name
    segment = segments.rename(scope, segment.id, new_name)
    _emit(as_json, _segment_dict(segment), f'Renamed segment {segment.id} "{old_name}" to "{segment.name}".')


@account_command("delete")
@click.argument("name_or_id")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def delete_command(scope, as_json, name_or_id, yes):
    """Delete the segment NAME_OR_ID (its contacts stay; they only lose the segment)."""
    segment = find_segment(scope, name_or_id)
    segment_id, name = segment.id, segment.name
    if not yes:
        click.confirm(f'Delete segment "{name}"? {segment.member_count} contacts will lose it.',
                      abort=True, err=True)
    removed = segments.delete(scope, segment_id)
    _emit(as_json, {"id": segment_id, "name": name, "contacts_removed": removed},
          f'Deleted segment "{name}"; {removed} contacts lost it.')


@account_command("list")
@click.option("--search", default="", help="Only segments whose name contains TEXT (any case, any accents).")
def list_command(scope, as_json, search):
    """List the account's segments with their member counts, by name."""
    items, page = [], 1
    per_page = current_app.config["SEGMENTS_MAX_PAGE_SIZE"]
    while True:
        result = segments.list_segments(scope, search=search, page=page, per_page=per_page)
        items.extend(result.items)
        if page >= result.pages:
            break
        page += 1
    lines = [f"{'ID':>8}  {'MEMBERS':>9}  NAME"] + [
        f"{item.id:>8}  {item.member_count:>9}  {item.name}" for item in items
    ]
    _emit(as_json, {"items": [item._asdict() for item in items], "total": len(items)},
          "\n".join(lines) if items else "No segments.")


def _membership_command(name, service, verb, result_key):
    """Build the ``add`` / ``remove`` command: contacts by id, or every contact matching a filter."""

    direction = "to" if result_key == "added" else "from"

    @account_command(name, help=f"{verb} contacts {direction} the segment NAME_OR_ID: by id "
                                "(--contact, repeatable) or every contact matching a filter "
                                "(--all-matching, with --search and --in-segment).")
    @click.argument("name_or_id")
    @click.option("--contact", "contact_ids", type=ID, multiple=True, help="A contact id (repeatable).")
    @click.option("--all-matching", is_flag=True,
                  help="Every contact matching --search and --in-segment (all contacts if neither).")
    @click.option("--search", default="", help="With --all-matching: name, email, mobile or external id contains TEXT.")
    @click.option("--in-segment", "in_segments", multiple=True,
                  help="With --all-matching: contacts in this segment (repeatable: in ANY of them).")
    def command(scope, as_json, name_or_id, contact_ids, all_matching, search, in_segments):
        """Change the segment's members (see the command's help)."""
        if bool(contact_ids) == all_matching:
            raise click.UsageError("Give either --contact ID (repeatable) or --all-matching.")
        if (search or in_segments) and not all_matching:
            raise click.UsageError("--search and --in-segment only go with --all-matching.")
        segment = find_segment(scope, name_or_id)
        contact_filter = None
        if all_matching:
            contact_filter = ContactFilter(search=search, segment_ids=tuple(_segment_ids(scope, in_segments)))
        changed = service(scope, segment.id, contact_ids=contact_ids, contact_filter=contact_filter)
        segment = segments.get(scope, segment.id)
        _emit(as_json, {result_key: changed, "segment": _segment_dict(segment)},
              f'{verb} {changed} contacts {direction} "{segment.name}" (now {segment.member_count} members).')

    return command


add_command = _membership_command("add", memberships.add_contacts, "Added", "added")
remove_command = _membership_command("remove", memberships.remove_contacts, "Removed", "removed")


CONTACT_COLUMNS = ("id", "first_name", "last_name", "mobile", "email")


@account_command("members")
@click.argument("name_or_id")
@click.option("--search", default="", help="Only members whose name, email, mobile or external id contains TEXT.")
def members_command(scope, as_json, name_or_id, search):
    """List the members of the segment NAME_OR_ID, by contact id (streamed, any size)."""
    segment = find_segment(scope, name_or_id)
    if not as_json:
        click.echo("\t".join(CONTACT_COLUMNS))
    after_id, batch = None, current_app.config["SEGMENTS_MAX_PAGE_SIZE"]
    while True:
        page = memberships.list_members(scope, segment.id, after_id=after_id, limit=batch, search=search)
        for contact in page:
            row = {key: contact.get(key) for key in CONTACT_COLUMNS}
            click.echo(json.dumps(row, ensure_ascii=False) if as_json
                       else "\t".join("" if value is None else str(value) for value in row.values()))
        if len(page) < batch:
            return
        after_id = page[-1]["id"]


@account_command("resolve")
@click.option("--include", "include", multiple=True, required=True,
              help="A segment whose contacts receive the message (repeatable: the union).")
@click.option("--exclude", "exclude", multiple=True, help="A segment whose contacts are left out (repeatable).")
@click.option("--channel", type=click.Choice(["sms", "email"]), required=True,
              help="sms: contacts with a mobile number; email: contacts with an address.")
@click.option("--count-only", is_flag=True, help="Print only how many recipients there are.")
def resolve_command(scope, as_json, include, exclude, channel, count_only):
    """Resolve a bulk message's recipients: in any --include segment, in no --exclude segment,
    reachable on --channel, each once (streamed, any size)."""
    scope.require("view")
    audience = {"account_id": scope.account_id, "include": _segment_ids(scope, include),
                "exclude": _segment_ids(scope, exclude), "channel": channel}
    hook = scope.pm.hook
    if count_only:
        count = hook.segments_count_recipients(**audience)
        _emit(as_json, {"count": count}, f"{count} recipients")
        return
    if not as_json:
        click.echo("contact_id\tfirst_name\tlast_name\taddress")
    for batch in hook.segments_iter_recipients(
            **audience, batch_size=current_app.config["SEGMENTS_RECIPIENT_BATCH_SIZE"]):
        click.echo("\n".join(
            json.dumps(recipient._asdict(), ensure_ascii=False) if as_json
            else "\t".join(str(value or "") for value in recipient) for recipient in batch
        ))


@account_command("export")
@click.option("--segment", "segment_names", multiple=True,
              help="Only contacts in this segment (repeatable: in ANY of them). Default: all contacts.")
@click.option("--format", "file_format", type=click.Choice(FORMATS), default="csv", show_default=True,
              help="csv: the import template's columns (imports back unchanged); jsonl: JSON Lines.")
@click.option("--output", type=click.Path(dir_okay=False, writable=True),
              help="Write to FILE (replaced only once the export is complete). Default: stdout.")
def export_command(scope, as_json, segment_names, file_format, output):
    """Export the account's contacts with their segments (CSV or JSON Lines, streamed)."""
    scope.require("view")
    records = export.iter_contacts(scope.session, scope.contacts, scope.account_id,
                                   _segment_ids(scope, segment_names),
                                   batch_size=current_app.config["SEGMENTS_MAX_PAGE_SIZE"])
    write = export.WRITERS[file_format]
    if not output:
        write(records, sys.stdout)
        return
    count = _write_file_atomically(output, lambda fileobj: write(records, fileobj),
                                   encoding="utf-8-sig" if file_format == "csv" else "utf-8")
    _emit(as_json, {"count": count, "output": output, "format": file_format},
          f"Exported {count} contacts to {output}.")


def _write_file_atomically(path, write, encoding):
    """Call ``write(fileobj)`` on a temporary file next to ``path``, then move it into place;
    on failure ``path`` is untouched. Returns what ``write`` returned."""
    folder = os.path.dirname(os.path.abspath(path))
    handle, temporary = tempfile.mkstemp(prefix=".segments-export-", dir=folder)
    try:
        with open(handle, "w", encoding=encoding, newline="") as fileobj:
            result = write(fileobj)
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise
    return result

