"""The import commands of ``flask segments``: ``import``, ``import-resume``, ``import-report``,
``imports-cleanup`` and ``worker`` (registered on the group of :mod:`contact_segments.cli`).

``flask segments import FILE --account ID [--replace] [--dry-run] [--json] [--enqueue]`` runs
the import to the end in this process and prints its summary; exit status 0 when the file was
processed (even with failed rows), 1 with one line on stderr when the file was refused.
``--enqueue`` queues it on RQ instead and prints the import id.
"""

import json
import os

import click
from flask import current_app
from flask.cli import with_appcontext

from ..actor import Actor
from ..cli_group import ID, OneLineCommand, account_command, segments_cli
from ..errors import InvalidInput
from . import retention, service
from .launcher import resume_import
from .models import REFUSED, Import
from .queue import redis_url


def _issue_lines(title, issues, total):
    if not issues:
        return []
    lines = [f"{title} ({total}):"]
    for issue in issues:
        where = f"line {issue['line']}" + (f", {issue['column']}" if issue["column"] else "")
        lines.append(f"  {where}: {issue['message']}")
    if total > len(issues):
        lines.append(f"  ... and {total - len(issues)} more (see the report)")
    return lines


def summary_text(data, max_issues=20):
    """Return the summary of an import (a :func:`service.import_summary` dict) for people."""
    verb = "Dry run of" if data["dry_run"] else "Imported"
    delimiter = {"\t": "tab", None: "none"}.get(data["delimiter"], data["delimiter"])
    lines = [
        f"{verb} {data['filename']} (encoding {data['encoding']}, delimiter {delimiter}): "
        f"{data['rows']} rows: {data['created']} created, {data['updated']} updated, "
        f"{data['unchanged']} unchanged, {data['failed']} failed; "
        f"{data['memberships_added']} segment memberships added, "
        f"{data['memberships_removed']} removed.",
    ]
    lines += _issue_lines("Errors", data["errors"][:max_issues], data["errors_total"])
    lines += _issue_lines("Warnings", data["warnings"][:max_issues], data["warnings_total"])
    if data["unknown_segments"]:
        lines.append("Unknown segments (not created; create them first on the Contacts page):")
        for entry in data["unknown_segments"]:
            hint = f' (did you mean "{entry["suggestion"]}"?)' if entry["suggestion"] else ""
            shown = ", ".join(str(n) for n in entry["lines"][:10])
            more = f" and {len(entry['lines']) - 10} more" if len(entry["lines"]) > 10 else ""
            lines.append(f'  "{entry["name"]}" on lines {shown}{more}{hint}')
    lines.append(f"Import id {data['id']}.")
    return "\n".join(lines)


def _json_summary(data):
    keys = ("id", "status", "dry_run", "rows", "created", "updated", "unchanged", "failed",
            "warned", "encoding", "delimiter", "errors", "warnings", "unknown_segments",
            "memberships_added", "memberships_removed")
    return {key: data[key] for key in keys}


def _print_result(scope, imp, as_json):
    scope.session.refresh(imp)
    if imp.status == REFUSED:
        raise click.ClickException(f"{imp.filename} was refused: {' '.join(imp.error_message.split())}")
    data = service.import_summary(scope, imp.id)
    if data["error"]:
        raise click.ClickException(" ".join(data["error"]["message"].split()))
    click.echo(json.dumps(_json_summary(data), ensure_ascii=False) if as_json else summary_text(data))


@account_command("import")
@click.argument("path", metavar="FILE", type=click.Path(exists=True, dir_okay=False, readable=True))
@click.option("--replace", is_flag=True,
              help="Replace existing segment data: each contact gets exactly its row's segments.")
@click.option("--dry-run", is_flag=True, help="Validate and match every row; change nothing.")
@click.option("--enqueue", is_flag=True, help="Queue the import on RQ and print its id.")
def import_command(scope, as_json, path, replace, dry_run, enqueue):
    """Import contacts from a CSV or .xlsx FILE into the account (and its segments)."""
    state = scope.state
    if enqueue and not redis_url(state.config):
        raise InvalidInput("--enqueue needs SEGMENTS_REDIS_URL (RQ); without it, leave --enqueue "
                           "out to run the import here.")
    with open(path, "rb") as stream:
        imp = service.create_import(scope, stream, os.path.basename(path), replace=replace,
                                    dry_run=dry_run, check=False)
    imp = service.start(scope, imp.id, wait=not enqueue)
    if enqueue:
        data = {"id": imp.id, "status": imp.status, "job_id": imp.job_id}
        click.echo(json.dumps(data) if as_json else f"Import {imp.id} queued (RQ job {imp.job_id}).")
        return
    _print_result(scope, imp, as_json)


@segments_cli.command("import-resume", cls=OneLineCommand)
@click.argument("import_id", type=ID)
@click.option("--enqueue", is_flag=True, help="Queue the rest on RQ instead of running it here.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@with_appcontext
def import_resume_command(import_id, enqueue, as_json):
    """Continue an import that stopped (failed, or its worker died) from its last checkpoint."""
    state = current_app.extensions["segments"]
    imp = state.db.session.get(Import, import_id)
    if imp is None:
        raise InvalidInput(f"There is no import with id {import_id}.")
    scope = state.scope(Actor.system(imp.account_id), via="cli")
    retention.ensure_file_kept(state.db.session, imp)
    resume_import(state, import_id, wait=not enqueue)
    if enqueue:
        click.echo(f"Import {import_id} queued again.")
        return
    _print_result(scope, imp, as_json)


@account_command("import-report")
@click.argument("import_id", type=ID)
@click.option("--output", "-o", type=click.Path(dir_okay=False, writable=True),
              help="Write the CSV to this file (default: standard output).")
def import_report_command(scope, as_json, import_id, output):
    """Write the per-row report (CSV) of import IMPORT_ID."""
    _, pieces = service.report_csv(scope, import_id)
    if output:
        with open(output, "w", encoding="utf-8-sig", newline="") as handle:
            for piece in pieces:
                handle.write(piece)
        return
    for piece in pieces:
        click.echo(piece, nl=False)


@segments_cli.command("imports-cleanup", cls=OneLineCommand)
@click.option("--older-than", "days", type=click.IntRange(min=0), required=True, metavar="DAYS",
              help="Clean up imports that ended (or uploads never started) more than DAYS days ago.")
@click.option("--account", "account_id", type=ID, default=None, help="Only this account's imports.")
@click.option("--dry-run", is_flag=True, help="Only say what would be removed.")
@with_appcontext
def imports_cleanup_command(days, account_id, dry_run):
    """Delete the stored files of old imports (records, counts and reports stay)."""
    state = current_app.extensions["segments"]
    done = retention.clean_up(state.db.session, days, account_id=account_id, dry_run=dry_run)
    verb = "Would remove" if dry_run else "Removed"
    click.echo(f"{verb} the stored files of {done.imports} import(s) "
               f"({done.bytes_freed / (1024 * 1024):.1f} MB).")


@segments_cli.command("worker", cls=OneLineCommand)
@click.option("--burst", is_flag=True, help="Stop when the queue is empty.")
@click.option("--queue", "queue_names", multiple=True,
              help="Queue to listen on (default: SEGMENTS_QUEUE_NAME); repeatable.")
@with_appcontext
def worker_command(burst, queue_names):
    """Run an RQ worker for import jobs inside this app (needs SEGMENTS_REDIS_URL)."""
    if not redis_url(current_app.config):
        raise InvalidInput("SEGMENTS_REDIS_URL is not set: without Redis, imports run in-process "
                           "and need no worker.")
    from .worker import run_worker  # RQ's worker is loaded only by this command

    run_worker(current_app._get_current_object(), list(queue_names) or None, burst=burst)
