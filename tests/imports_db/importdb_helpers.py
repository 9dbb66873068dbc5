"""Helpers of the import tests that touch the database: write a CSV, read back an account's
contacts and memberships as plain data."""

import csv
import io
import json
import os
import subprocess
import sys
import time
from datetime import timedelta

import sqlalchemy as sa

from contact_segments.demo.models import db
from contact_segments.imports.models import Import, ImportRow
from contact_segments.models import Contact, Membership, Segment

HEADER = ["Country Code", "First Name", "Last Name", "Mobile Number", "Email", "Account Number",
          "Organization", "External ID", "Segments"]


def csv_bytes(rows, header=HEADER, delimiter=","):
    """Return a CSV file (bytes) with ``header`` and ``rows`` (lists, or dicts by header name)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([row.get(name, "") for name in header] if isinstance(row, dict) else row)
    return buffer.getvalue().encode("utf-8")


def row(first="Jane", last="Doe", mobile="", email="", country="US", external_id="", segments="",
        account_number="", organization=""):
    """One data row as a dict by header name."""
    return {"Country Code": country, "First Name": first, "Last Name": last, "Mobile Number": mobile,
            "Email": email, "Account Number": account_number, "Organization": organization,
            "External ID": external_id, "Segments": segments}


def contacts_of(account_id):
    """The account's contacts as sorted tuples of their fields (ids and timestamps left out)."""
    db.session.expire_all()
    fields = ("country_code", "first_name", "last_name", "mobile", "email", "account_number",
              "organization", "external_id")
    rows = db.session.execute(
        sa.select(*(getattr(Contact, name) for name in fields)).where(Contact.account_id == account_id)
    ).all()
    return sorted((tuple(r) for r in rows), key=lambda r: tuple(v or "" for v in r))


def memberships_of(account_id):
    """The account's memberships as sorted (segment name, contact mobile or email) pairs."""
    db.session.expire_all()
    rows = db.session.execute(
        sa.select(Segment.name, sa.func.coalesce(Contact.mobile, Contact.email))
        .join(Membership, Membership.segment_id == Segment.id)
        .join(Contact, Contact.id == Membership.contact_id)
        .where(Segment.account_id == account_id)
    ).all()
    return sorted(tuple(r) for r in rows)


def member_counts_are_exact(account_id):
    """True when every segment's stored member_count equals its number of memberships."""
    db.session.expire_all()
    counted = dict(db.session.execute(
        sa.select(Segment.id, sa.func.count(Membership.contact_id))
        .outerjoin(Membership, Membership.segment_id == Segment.id)
        .where(Segment.account_id == account_id).group_by(Segment.id)
    ).all())
    stored = dict(db.session.execute(
        sa.select(Segment.id, Segment.member_count).where(Segment.account_id == account_id)).all())
    return counted == stored


def import_record(import_id):
    """The :class:`Import` read afresh."""
    db.session.expire_all()
    return db.session.get(Import, import_id)


def age_import(session, import_id, by=timedelta(hours=1)):
    """Move every timestamp of import ``import_id`` ``by`` into the past and commit: as if that
    long had passed without a sign of life from it, without waiting for it (its heartbeat, its
    lease and when it was queued and started all move together)."""
    columns = [column for column in Import.__table__.columns if isinstance(column.type, sa.DateTime)]
    found = session.execute(sa.select(*columns).where(Import.id == import_id)).one()
    session.execute(sa.update(Import.__table__).where(Import.__table__.c.id == import_id).values(
        {column.name: value - by for column, value in zip(columns, found) if value is not None}))
    session.commit()


def descendants(pid):
    """The pids of every process below ``pid`` (from /proc)."""
    parents = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as handle:
                    parents[int(entry)] = int(handle.read().rsplit(")", 1)[1].split()[1])
            except OSError:
                continue
    found, frontier = set(), {pid}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


HERE = os.path.dirname(os.path.abspath(__file__))


def flask_process(app_config, *args, **options):
    """Start ``flask segments ARGS`` in a subprocess running :mod:`importdb_app` with
    ``app_config`` (in its own process group, so that it can be killed with its children)."""
    env = {**os.environ, "SEGMENTS_TEST_APP_CONFIG": json.dumps(app_config),
           "PYTHONPATH": os.pathsep.join(filter(None, [HERE, os.environ.get("PYTHONPATH")]))}
    return subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "importdb_app:create_app", "segments", *map(str, args)],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
        **options,
    )


def wait_until(predicate, timeout=60, interval=0.05, what="the condition"):
    """Poll ``predicate`` until it returns a true value (returned); fail after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def outcomes_of(import_id):
    """``{line: (outcome, codes)}`` of an import."""
    db.session.expire_all()
    return {line: (outcome, codes) for line, outcome, codes in db.session.execute(
        sa.select(ImportRow.line, ImportRow.outcome, ImportRow.codes).where(ImportRow.import_id == import_id))}
