"""The package's dependencies cannot surprise a host: the ones whose internals or major version
the code relies on are bounded, the others are left open, and the package imports without
POSIX-only modules."""

import subprocess
import sys
import textwrap
import tomllib
from pathlib import Path

from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parent.parent

#: Why each bounded dependency is bounded (a test of the reason lives next to the code).
BOUNDED = {
    # contact_segments.imports.phones ports phonenumbers' private parsing functions and reads
    # its metadata objects (tests/imports/test_phones.py compares them).
    "phonenumbers": "10",
    # contact_segments.jobs uses RQ's Queue, Worker, Retry and Callback APIs (tests run real
    # workers on 1.16, 2.x and 3.x).
    "rq": "4",
    # contact_segments.names reads confusable_homoglyphs' data file (its confusables.json) to
    # compute UTS #39 skeletons (tests/test_segment_names.py checks them).
    "confusable-homoglyphs": "4",
}


def _requirements():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return {Requirement(line).name: Requirement(line) for line in project["dependencies"]}


def test_dependencies_whose_internals_the_code_uses_have_an_upper_bound():
    requirements = _requirements()
    for name, first_untested in BOUNDED.items():
        specifier = requirements[name].specifier
        assert f"<{first_untested}" in {str(spec) for spec in specifier}, (name, str(specifier))
        assert not specifier.contains(first_untested), name


def test_other_dependencies_are_left_open_for_the_hosts_resolver():
    for name, requirement in _requirements().items():
        if name in BOUNDED:
            continue
        operators = {spec.operator for spec in requirement.specifier}
        assert operators <= {">="}, f"{name} is capped ({requirement.specifier}): leave it open"


def test_the_package_imports_where_fcntl_does_not_exist():
    # Windows has no fcntl: importing every module must still work (the file lock asks for its
    # platform's module only when it locks).
    script = textwrap.dedent("""
        import importlib, pkgutil, sys
        sys.modules["fcntl"] = None          # what "import fcntl" meets on Windows
        import contact_segments
        for module in pkgutil.walk_packages(contact_segments.__path__, "contact_segments."):
            if ".migrations.versions" in module.name or module.name.endswith("migrations.env"):
                continue
            importlib.import_module(module.name)
        print("ok")
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().endswith("ok")
