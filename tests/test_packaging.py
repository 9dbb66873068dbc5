"""`pip install .` gives one namespaced package with its templates, static files, migrations,
translations and manifest, and an entry point a host can discover the plugin by."""

import subprocess
import sys
import tomllib
import zipfile
from importlib.metadata import entry_points
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FOLDERS = {"contact_segments": "plugin", "contact_segments.hooks": "hooks",
           "contact_segments.blueprints": "blueprints", "contact_segments.migrations": "migrations"}


def _source_packages():
    """Every folder with an __init__.py under the mapped repo folders, as a dotted name."""
    found = set()
    for package, folder in FOLDERS.items():
        for init in (ROOT / folder).rglob("__init__.py"):
            relative = init.parent.relative_to(ROOT / folder).parts
            found.add(".".join((package, *relative)))
    return found


def test_every_subpackage_is_listed_in_pyproject():
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    assert _source_packages() == listed


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(ROOT)],
                   check=True, capture_output=True)
    [path] = out.glob("contact_segments-*.whl")
    with zipfile.ZipFile(path) as archive:
        return set(archive.namelist())


def test_wheel_holds_one_namespaced_package(wheel):
    top_level = {name.split("/")[0] for name in wheel if not name.startswith("contact_segments-")}
    assert top_level == {"contact_segments"}


@pytest.mark.parametrize("path", [
    "contact_segments/manifest.yaml",
    "contact_segments/hooks/specs.py",
    "contact_segments/blueprints/templates/segments/macros.html",
    "contact_segments/migrations/env.py",
    "contact_segments/migrations/script.py.mako",
    "contact_segments/migrations/versions/0001_core.py",
    "contact_segments/demo/templates/demo/base.html",
])
def test_wheel_ships_data_files(wheel, path):
    assert path in wheel


def test_wheel_ships_every_template_static_file_and_migration(wheel):
    for folder, prefix in (("blueprints/templates", "contact_segments/blueprints/templates"),
                           ("blueprints/static", "contact_segments/blueprints/static"),
                           ("migrations/versions", "contact_segments/migrations/versions"),
                           ("plugin/translations", "contact_segments/translations")):
        for file in (ROOT / folder).rglob("*"):
            if file.is_file() and "__pycache__" not in file.parts and file.suffix != ".pyc":
                assert f"{prefix}/{file.relative_to(ROOT / folder).as_posix()}" in wheel


def test_host_discovers_the_plugin_by_entry_point():
    from contact_segments import Segments

    [found] = [ep for ep in entry_points(group="flask_host_plugins") if ep.name == "contact_segments"]
    assert found.load() is Segments
