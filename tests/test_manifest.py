"""manifest.yaml tells hosts the truth: it equals the code and pyproject.toml."""

import inspect
import tomllib
from importlib import resources
from pathlib import Path

import yaml

from contact_segments import __version__, migrate
from contact_segments.config import DEFAULTS
from contact_segments.hooks import specs
from contact_segments.models import TABLE_PREFIX, VERSION_TABLE
from contact_segments.permissions import ACTIONS, DEFAULT_POLICY

ROOT = Path(__file__).resolve().parent.parent


def _manifest():
    return yaml.safe_load((ROOT / "manifest.yaml").read_text(encoding="utf-8"))


def _pyproject():
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def test_manifest_ships_inside_the_package_and_equals_the_repo_copy():
    shipped = resources.files("contact_segments").joinpath("manifest.yaml").read_text(encoding="utf-8")
    assert shipped == (ROOT / "manifest.yaml").read_text(encoding="utf-8")


def test_name_version_and_entry_points_match_pyproject():
    manifest, project = _manifest(), _pyproject()["project"]
    assert manifest["name"] == project["name"]
    assert manifest["version"] == project["version"] == __version__
    assert manifest["entry_points"] == project["entry-points"]


def test_config_keys_and_defaults_match_the_code():
    assert _manifest()["config"] == DEFAULTS


def test_hooks_provided_and_called_are_exactly_the_specs():
    manifest = _manifest()["hooks"]
    spec_names = {name for name, _ in inspect.getmembers(specs, inspect.isfunction) if name.startswith("segments_")}
    listed = set(manifest["provided"]) | set(manifest["called"])
    assert listed == spec_names
    assert not set(manifest["provided"]) & set(manifest["called"])


def test_permissions_match_the_default_policy():
    permissions = _manifest()["permissions"]
    assert tuple(permissions["actions"]) == ACTIONS
    assert {role: set(actions) for role, actions in permissions["roles"].items()} == DEFAULT_POLICY


def test_migrations_entry_matches():
    migrations = _manifest()["migrations"]
    assert migrations["version_table"] == VERSION_TABLE
    assert migrations["table_prefix"] == TABLE_PREFIX
    assert migrations["head"] == migrate.head_revision()


def test_url_prefixes_name_config_keys():
    for key in _manifest()["url_prefixes"].values():
        assert key in DEFAULTS
