"""The ``flask segments`` commands that keep contact references right: ``forget-contacts`` and
``check`` (registered on the group of :mod:`contact_segments.cli`).

``forget-contacts --account ID ID... [--from-file FILE|-] [--yes] [--json]`` forgets contacts
through :func:`contact_segments.forget.forget_contacts` and commits. ``check [--account ID]
[--repair] [--json]`` reports (and with ``--repair`` fixes) member counts and references that
drifted, through :func:`contact_segments.integrity.check`; it exits with status 1 when it found
problems it did not repair.
"""

import json
import re

import click
from flask import current_app
from flask.cli import with_appcontext

from . import forget, integrity
from .cli_group import ID, OneLineCommand, account_command, segments_cli

_SEPARATORS = re.compile(r"[\s,;]+")


def _ids_from_file(handle):
    """Read contact ids from ``handle``: whole numbers separated by spaces, commas, semicolons or
    line breaks. A token that is not an id is a usage error naming its line."""
    ids = []
    for number, line in enumerate(handle, start=1):
        for token in filter(None, _SEPARATORS.split(line)):
            try:
                ids.append(ID.convert(token, None, None))
            except click.BadParameter:
                raise click.UsageError(
                    f"{handle.name} line {number}: {token!r} is not a contact id (a whole number "
                    f"from 1 up).") from None
    return ids


def _forget_text(result, account_id, asked):
    lines = [f"Forgot {asked} contact ids of account {account_id}: "
             f"{result.contacts_deleted} contacts deleted, "
             f"{result.memberships_removed} memberships removed from {len(result.segments)} segments, "
             f"{result.import_rows_cleared} import rows cleared."]
    lines += [f'  "{change.name}" (id {change.id}): {change.removed} removed, now {change.member_count} members'
              for change in result.segments]
    return "\n".join(lines)


@account_command("forget-contacts")
@click.argument("contact_ids", nargs=-1, type=ID, metavar="[ID]...")
@click.option("--from-file", "id_file", type=click.File("r", encoding="utf-8"),
              help="Also read contact ids from FILE ('-': standard input), separated by spaces, "
                   "commas or line breaks.")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def forget_contacts_command(scope, as_json, contact_ids, id_file, yes):
    """Forget the account's contacts ID...: remove them from every segment (member counts kept
    right), clear the import rows that name them and, when the plugin owns the contact table,
    delete them. Run it when the host deletes customers."""
    ids = list(contact_ids)
    if id_file is not None:
        if id_file.name == "<stdin>" and not yes:
            raise click.UsageError("Reading the ids from standard input needs --yes (there is "
                                   "nobody to answer the confirmation).")
        ids += _ids_from_file(id_file)
    if not ids:
        raise click.UsageError("Give the contact ids to forget: ID... or --from-file FILE.")
    scope.require("forget")
    asked = len(set(ids))
    if not yes:
        what = ("delete them" if forget.owns_contact_table(scope)
                else "leave the contact rows to your application")
        click.confirm(f"Forget {asked} contacts of account {scope.account_id}? This removes them from "
                      f"every segment and import report and will {what}.", abort=True, err=True)
    with scope.transaction():
        result = forget.forget_contacts(scope, ids)
    click.echo(json.dumps(result.to_dict(), ensure_ascii=False) if as_json
               else _forget_text(result, scope.account_id, asked))


_TITLES = {
    "member_counts": "Segments whose member count is wrong",
    "memberships_without_contact": "Memberships of contacts that no longer exist",
    "memberships_without_segment": "Memberships of segments that no longer exist",
    "import_rows_without_contact": "Import rows naming contacts that no longer exist",
}


def _entry_text(kind, entry):
    if kind == "member_counts":
        return (f'account {entry["account_id"]}, segment {entry["segment_id"]} "{entry["name"]}": '
                f'{entry["stored"]} stored, {entry["actual"]} members')
    if kind == "memberships_without_contact":
        return (f'account {entry["account_id"]}, segment {entry["segment_id"]} "{entry["name"]}": '
                f'{entry["count"]}')
    if kind == "memberships_without_segment":
        return f'segment {entry["segment_id"]} (deleted): {entry["count"]}'
    return f'account {entry["account_id"]}, import {entry["import_id"]}: {entry["count"]}'


def _report_text(report):
    where = f"account {report.account_id}" if report.account_id is not None else "every account"
    if not report.problems:
        return f"Checked {where}: member counts and contact references are right."
    lines = [f"{'Repaired' if report.repaired else 'Checked'} {where}:"]
    for kind in integrity.KINDS:
        entries = getattr(report, kind)
        if entries:
            lines.append(f"{_TITLES[kind]} ({len(entries)}):")
            lines += [f"  {_entry_text(kind, entry)}" for entry in entries]
    lines.append("Every problem above was fixed." if report.repaired
                 else "Run the command again with --repair to fix them.")
    return "\n".join(lines)


@segments_cli.command("check", cls=OneLineCommand)
@click.option("--account", "account_id", type=ID, help="Only this account (default: every account).")
@click.option("--repair", is_flag=True, help="Fix what is found, and list what was changed.")
@click.option("--json", "as_json", is_flag=True, help="Print machine-readable JSON.")
@click.pass_context
@with_appcontext
def check_command(ctx, account_id, repair, as_json):
    """Check member counts and contact references (after a host deleted contacts with its own
    SQL); with --repair fix them. Exit status 1 when problems were found and not repaired."""
    report = integrity.check(current_app.extensions["segments"], account_id=account_id, repair=repair)
    click.echo(json.dumps(report.to_dict(), ensure_ascii=False) if as_json else _report_text(report))
    if report.problems and not report.repaired:
        ctx.exit(1)
