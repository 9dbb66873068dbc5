"""One owner of an import's life, read from the source: only ``imports/lifecycle.py`` writes an
import's status (and only ``history/undo_lifecycle.py`` an undo's) and only ``imports/lease.py``
its lease; liveness is given the queue's health
and imports neither the jobs nor the queue (no module imports another back: test_architecture)."""

import ast

from test_architecture import MODULES, ROOT, import_graph

#: Column → the modules allowed to write it: an import's status, an undo's status (its history
#: change), the lease.
OWNERS = {"status": {"contact_segments.imports.lifecycle", "contact_segments.history.undo_lifecycle"},
          "lease_owner": {"contact_segments.imports.lease"},
          "lease_expires_at": {"contact_segments.imports.lease"}}
#: Calls whose keyword arguments write an import's columns: ``Import(...)``, ``.values(...)``
#: (an UPDATE or INSERT), ``.update(...)`` (a dict of values).
WRITING_CALLS = {"Import", "values", "update"}


def parsed():
    """``{module name: (path, parsed tree)}`` of every module of the package."""
    return {name: (path, ast.parse(path.read_text(encoding="utf-8"), str(path)))
            for name, path in MODULES.items()}


def _call_name(call):
    func = call.func
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)


def _targets(node):
    for target in node.targets if isinstance(node, ast.Assign) else [node.target]:
        yield from (target.elts if isinstance(target, ast.Tuple) else [target])


def column_writes(tree):
    """``(column, line)`` of every write of an owned column in ``tree``: ``x.status = ...`` (alone
    or in a tuple), and ``status=`` given to ``Import(...)``, ``.values(...)`` or ``.update(...)``."""
    writes = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
            writes += [(target.attr, node.lineno) for target in _targets(node)
                       if isinstance(target, ast.Attribute) and target.attr in OWNERS]
        elif isinstance(node, ast.Call) and _call_name(node) in WRITING_CALLS:
            writes += [(keyword.arg, node.lineno) for keyword in node.keywords if keyword.arg in OWNERS]
    return writes


def test_the_scan_sees_every_kind_of_write():
    sample = ast.parse(
        "imp.status = 'queued'\n"
        "imp.status, imp.error_code = 'failed', None\n"
        "session.execute(sa.update(Import).values(status='running'))\n"
        "values.update(status='finished')\n"
        "Import(account_id=1, status='uploaded')\n"
        "imp.lease_owner, imp.lease_expires_at = owner, when\n"
        "render('page.html', status=404)\n"            # a page's HTTP status: not a write
        "ImportFinished(status=imp.status)\n")          # an event reads the status
    assert sorted(column_writes(sample)) == [
        ("lease_expires_at", 6), ("lease_owner", 6), ("status", 1), ("status", 2), ("status", 3),
        ("status", 4), ("status", 5)]


def test_only_the_lifecycle_writes_an_imports_status_and_only_the_lease_its_lease():
    strays = [f"{path.relative_to(ROOT)}:{line} writes {column} (only {sorted(OWNERS[column])} may)"
              for name, (path, tree) in parsed().items()
              for column, line in column_writes(tree) if name not in OWNERS[column]]
    assert not strays, "\n".join(strays)
    writers = {name for name, (_, tree) in parsed().items() if column_writes(tree)}
    assert writers == set().union(*OWNERS.values())


def test_liveness_imports_neither_the_jobs_nor_the_queue():
    imported = import_graph(MODULES)["contact_segments.imports.liveness"]
    assert not imported & {"contact_segments.jobs", "contact_segments.imports.queue",
                           "contact_segments.imports.takeover", "contact_segments.imports.launcher"}, \
        "liveness is given the queue's health; it asks Redis nothing itself"
