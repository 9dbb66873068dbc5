"""One owner of an import's life, read from the source: only ``imports/lifecycle.py`` writes an
import's status and only ``imports/lease.py`` its lease; the modules that run imports (jobs,
queue, launcher, liveness, takeover, ...) import one another in one direction only."""

import ast
import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
#: Source folder → package name (see pyproject's package-dir).
PACKAGES = {"plugin": "contact_segments", "hooks": "contact_segments.hooks",
            "blueprints": "contact_segments.blueprints"}
#: Column → the one module allowed to write it.
OWNERS = {"status": "contact_segments.imports.lifecycle",
          "lease_owner": "contact_segments.imports.lease",
          "lease_expires_at": "contact_segments.imports.lease"}
#: Calls whose keyword arguments write an import's columns: ``Import(...)``, ``.values(...)``
#: (an UPDATE or INSERT), ``.update(...)`` (a dict of values).
WRITING_CALLS = {"Import", "values", "update"}
#: The modules that carry an import through its life: none may sit in an import cycle.
LIFE_MODULES = ("jobs", "imports.lifecycle", "imports.queue", "imports.launcher", "imports.inprocess",
                "imports.rq_jobs", "imports.liveness", "imports.takeover", "imports.lease",
                "imports.lead", "imports.worker", "imports.runner", "imports.retention",
                "imports.service", "imports.notices")


def modules():
    """``{module name: (path, parsed tree)}`` of every module of the package."""
    found = {}
    for folder, package in PACKAGES.items():
        for path in sorted((ROOT / folder).rglob("*.py")):
            parts = path.relative_to(ROOT / folder).with_suffix("").parts
            name = ".".join((package, *parts)).removesuffix(".__init__")
            found[name] = (path, ast.parse(path.read_text(encoding="utf-8"), str(path)))
    return found


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
    strays = [f"{path.relative_to(ROOT)}:{line} writes {column} (only {OWNERS[column]} may)"
              for name, (path, tree) in modules().items()
              for column, line in column_writes(tree) if name != OWNERS[column]]
    assert not strays, "\n".join(strays)
    writers = {name for name, (_, tree) in modules().items() if column_writes(tree)}
    assert writers == set(OWNERS.values())


def imports_of(name, path, tree, known):
    """The package's modules that module ``name`` (file ``path``) imports, at its top or inside a
    function."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[:len(anchor) - (node.level - 1)]
                base = ".".join(anchor + ([base] if base else []))
            submodules = {f"{base}.{alias.name}" for alias in node.names} & known.keys()
            found |= submodules or {base}  # "from package import module" needs the module
    return {module for module in found if module in known and module != name}


def import_cycles(graph):
    """The strongly connected components of ``graph`` with more than one module (Tarjan)."""
    index, low, stack, on_stack, cycles = {}, {}, [], set(), []

    def visit(node):
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for child in graph[node]:
            if child not in index:
                visit(child)
                low[node] = min(low[node], low[child])
            elif child in on_stack:
                low[node] = min(low[node], index[child])
        if low[node] == index[node]:
            component = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.add(member)
                if member == node:
                    break
            if len(component) > 1:
                cycles.append(component)

    for node in graph:
        if node not in index:
            visit(node)
    return cycles


def test_the_import_cycle_finder_finds_cycles():
    assert import_cycles({"a": {"b"}, "b": {"a"}, "c": {"a"}}) == [{"a", "b"}]


@pytest.fixture(scope="module")
def graph():
    found = modules()
    return {name: imports_of(name, path, tree, found) for name, (path, tree) in found.items()}


def test_jobs_and_liveness_do_not_import_each_other(graph):
    jobs, liveness = "contact_segments.jobs", "contact_segments.imports.liveness"
    assert liveness not in graph[jobs] or jobs not in graph[liveness]
    assert not graph[liveness] & {"contact_segments.jobs", "contact_segments.imports.queue",
                                  "contact_segments.imports.takeover"}, \
        "liveness receives the queue's health; it asks Redis nothing itself"


def test_no_module_of_an_imports_life_sits_in_an_import_cycle(graph):
    life = {f"contact_segments.{name}" for name in LIFE_MODULES}
    tangled = [sorted(cycle) for cycle in import_cycles(graph) if cycle & life]
    assert not tangled, tangled
