"""Fixtures of the import tests that touch the database: run an import through the service in
this process, create segments."""

import io

import pytest
from importdb_helpers import csv_bytes

from contact_segments import segments
from contact_segments.demo.models import db
from contact_segments.imports import service


@pytest.fixture
def run_import(scope_for):
    """Run an import of ``rows`` to the end in this process; return its summary dict."""

    def run(rows, *, replace=False, dry_run=False, scope=None, filename="contacts.csv", data=None):
        scope = scope or scope_for("consultant")
        payload = data if data is not None else csv_bytes(rows)
        imp = service.create_import(scope, io.BytesIO(payload), filename, replace=replace,
                                    dry_run=dry_run)
        service.start(scope, imp.id, wait=True)
        db.session.expire_all()
        return service.import_summary(scope, imp.id)

    return run


@pytest.fixture
def make_segments(scope_for):
    """Create segments by name in the test account; return {name: id}."""

    def make(*names, scope=None):
        scope = scope or scope_for()
        return {name: segments.create(scope, name).id for name in names}

    return make
