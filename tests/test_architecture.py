"""The package's shape, read from its source with ``ast`` (nothing is imported):

* no two modules import each other, directly or around a longer loop (imports at module level
  and inside functions alike);
* the layers read one way: pages, API and CLI call services, services call models; no service or
  model imports the pages or the CLI, the CLI does not import the pages, and the pages import no
  table class;
* every module stays small enough to read (at most :data:`MAX_LINES` lines);
* no production module reads a setting meant for tests only (a ``*_TEST_*`` key).
"""

import ast
import pathlib
import re

ROOT = pathlib.Path(__file__).resolve().parents[1]
#: Repository folder -> the package it becomes (see ``package-dir`` in pyproject.toml).
FOLDERS = {"plugin": "contact_segments", "hooks": "contact_segments.hooks",
           "blueprints": "contact_segments.blueprints", "migrations": "contact_segments.migrations"}
MAX_LINES = 400
#: Modules allowed over :data:`MAX_LINES`, with the reason (keep this short).
LONG_MODULES = {}

WEB = "contact_segments.blueprints"
#: The modules of ``flask segments``.
CLI = frozenset({"contact_segments.cli", "contact_segments.cli_group",
                 "contact_segments.imports.cli", "contact_segments.integrity_cli",
                 "contact_segments.history.cli"})
#: Where the layers are put together: the extension registers the pages, the API and the CLI on
#: a host app; the demo is a host.
COMPOSITION = ("contact_segments.extension", "contact_segments.demo")
#: The modules that define tables.
MODELS = frozenset({"contact_segments.models", "contact_segments.model_base",
                    "contact_segments.imports.models", "contact_segments.history.models",
                    "contact_segments.demo.models"})


def find_modules(root, folders):
    """``{dotted module name: path}`` of every module under ``root``'s ``folders``."""
    modules = {}
    for folder, package in folders.items():
        for path in sorted((root / folder).rglob("*.py")):
            parts = list(path.relative_to(root / folder).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            modules[".".join([package, *parts])] = path
    return modules


def imported_names(module, path, modules):
    """Yield ``(imported module, names taken from it, line)`` for every import statement of
    ``module`` (at any depth: in functions too), resolved to modules of ``modules``."""
    is_package = path.name == "__init__.py"
    package = module.split(".") if is_package else module.split(".")[:-1]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                target = _known(alias.name, modules)
                if target:
                    yield target, (), node.lineno
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package[:len(package) - node.level + 1] + ([base] if base else []))
            for alias in node.names:
                submodule = f"{base}.{alias.name}"
                if submodule in modules:
                    yield submodule, (), node.lineno
                else:
                    target = _known(base, modules)
                    if target:
                        yield target, (alias.name,), node.lineno


def _known(name, modules):
    while name and name not in modules:
        name = name.rpartition(".")[0]
    return name or None


def import_graph(modules):
    """``{module: {module it imports, ...}}``; a package's ``__init__`` imported on the way to
    one of its modules is not counted."""
    graph = {module: set() for module in modules}
    for module, path in modules.items():
        for target, _, _ in imported_names(module, path, modules):
            if target != module and modules[target].name != "__init__.py":
                graph[module].add(target)
    return graph


def cycles(graph):
    """The strongly connected groups of more than one module (each a sorted list)."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(start):
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, targets = work[-1]
            for target in targets:
                if target not in index:
                    index[target] = low[target] = len(index)
                    stack.append(target)
                    on_stack.add(target)
                    work.append((target, iter(sorted(graph[target]))))
                    break
                if target in on_stack:
                    low[node] = min(low[node], index[target])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    group = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        group.append(member)
                        if member == node:
                            break
                    if len(group) > 1:
                        found.append(sorted(group))

    for module in sorted(graph):
        if module not in index:
            visit(module)
    return sorted(found)


MODULES = find_modules(ROOT, FOLDERS)


def _in(module, *prefixes):
    return any(module == prefix or module.startswith(prefix + ".") for prefix in prefixes)


def _imports():
    for module, path in MODULES.items():
        for target, names, line in imported_names(module, path, MODULES):
            yield module, target, names, f"{path.relative_to(ROOT)}:{line}"


# ---------------------------------------------------------------- cycles


def test_no_module_imports_itself_back():
    found = cycles(import_graph(MODULES))
    assert not found, "modules that import each other (directly or in a loop): " + "; ".join(
        " <-> ".join(group) for group in found)


def test_the_cycle_finder_sees_a_cycle_at_any_depth(tmp_path):
    """Two modules importing each other, one of them inside a function, and a loop of three."""
    package = tmp_path / "pkg"
    (package / "sub").mkdir(parents=True)
    for name, text in {
        "__init__.py": "",
        "a.py": "from . import b\n",
        "b.py": "def later():\n    from .a import thing\n",
        "c.py": "from .sub import d\n",
        "sub/__init__.py": "",
        "sub/d.py": "import pkg.e\n",
        "e.py": "from pkg.c import x\n",
        "f.py": "from . import a\n",
    }.items():
        (package / name).write_text(text)
    modules = find_modules(tmp_path, {"pkg": "pkg"})
    assert cycles(import_graph(modules)) == [["pkg.a", "pkg.b"], ["pkg.c", "pkg.e", "pkg.sub.d"]]


# ---------------------------------------------------------------- layers


def test_services_and_models_import_neither_pages_nor_cli():
    wrong = [f"{where}: {module} imports {target}" for module, target, _, where in _imports()
             if (_in(target, WEB) or target in CLI)
             and not (_in(module, WEB) or module in CLI or _in(module, *COMPOSITION))]
    assert not wrong, "\n".join(wrong)


def test_the_cli_does_not_import_the_pages():
    wrong = [f"{where}: {module} imports {target}" for module, target, _, where in _imports()
             if module in CLI and _in(target, WEB)]
    assert not wrong, "\n".join(wrong)


def test_pages_and_api_query_through_services():
    """A page or an API endpoint may name a constant of the models (a status), never a table."""
    wrong = [f"{where}: {module} imports {name} from {target}"
             for module, target, names, where in _imports()
             if _in(module, WEB) and target in MODELS
             for name in (names or ("the module",)) if not name.isupper()]
    assert not wrong, "\n".join(wrong)


def test_models_import_no_service():
    """The tables import only each other and the expressions their indexes are built from."""
    wrong = [f"{where}: {module} imports {target}" for module, target, _, where in _imports()
             if module in MODELS - {"contact_segments.demo.models"}
             and target not in MODELS and not _in(target, "contact_segments.contacts",
                                                  "contact_segments.contact_search")]
    assert not wrong, "\n".join(wrong)


# ---------------------------------------------------------------- size


def test_modules_stay_small():
    sizes = {module: len(path.read_text(encoding="utf-8").splitlines())
             for module, path in MODULES.items()}
    long = [f"{MODULES[module].relative_to(ROOT)}: {lines} lines" for module, lines in sorted(sizes.items())
            if lines > MAX_LINES and module not in LONG_MODULES]
    assert not long, (f"modules over {MAX_LINES} lines (split them by concern):\n" + "\n".join(long))


def test_the_size_allow_list_names_only_long_modules():
    for module in LONG_MODULES:
        assert module in MODULES and len(MODULES[module].read_text().splitlines()) > MAX_LINES, module


# ---------------------------------------------------------------- test-only settings

TEST_SETTING = re.compile(r"""["'][A-Z0-9_]*_TEST_[A-Z0-9_]*["']""")


def test_production_code_reads_no_test_setting():
    found = [f"{path.relative_to(ROOT)}: {', '.join(sorted(set(names)))}" for path in MODULES.values()
             if (names := TEST_SETTING.findall(path.read_text(encoding="utf-8")))]
    assert not found, "production modules naming test-only settings:\n" + "\n".join(found)


def test_the_test_setting_check_sees_one():
    assert TEST_SETTING.findall('delay = config.get("SEGMENTS_IMPORT_TEST_BATCH_DELAY", 0)') == [
        '"SEGMENTS_IMPORT_TEST_BATCH_DELAY"']
