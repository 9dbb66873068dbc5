"""The documentation keeps up with the code (after Datasette's ``tests/test_docs.py``).

Every hook, config key, CLI command and JSON API route is documented on its page under
``docs/``, the README stays short, and every relative link of the README and the docs leads to
a file (and a heading) that exists.
"""

import inspect
import re
from pathlib import Path

import click
import pytest

from contact_segments.config import DEFAULTS
from contact_segments.hooks import specs

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
README = ROOT / "README.md"
HOOK_NAMES = sorted(n for n, _ in inspect.getmembers(specs, inspect.isfunction) if n.startswith("segments_"))


def _read(name):
    return (DOCS / name).read_text(encoding="utf-8")


def _markdown_files():
    return [README, ROOT / "CHANGES.md", *sorted(DOCS.glob("*.md"))]


def test_readme_is_short():
    lines = README.read_text(encoding="utf-8").count("\n")
    assert lines <= 200, f"README.md has {lines} lines: reference text belongs under docs/"


@pytest.mark.parametrize("name", HOOK_NAMES)
def test_every_hook_is_documented(name):
    assert inspect.getdoc(getattr(specs, name)), f"{name} has no docstring"
    assert f"`{name}(" in _read("hooks.md"), f"docs/hooks.md does not document {name}"


def test_every_config_key_is_documented_with_its_default():
    text = _read("configuration.md")
    table = text.split("<!-- config-table:start -->", 1)[1].split("<!-- config-table:end -->", 1)[0]
    documented = dict(re.findall(r"^\| `(SEGMENTS_[A-Z0-9_]+)` \| `([^`]*)` \|", table, re.M))
    assert documented == {key: repr(value) for key, value in DEFAULTS.items()}


def _command_paths(group, prefix=()):
    for name, command in sorted(group.commands.items()):
        path = (*prefix, name)
        if isinstance(command, click.Group):
            yield from _command_paths(command, path)
        else:
            yield " ".join(path)


def test_every_cli_command_is_documented():
    from contact_segments.cli import segments_cli

    text = _read("cli.md")
    missing = [path for path in _command_paths(segments_cli) if f"segments {path}" not in text and f"`{path}" not in text]
    assert not missing, f"docs/cli.md does not document: {missing}"


def _api_routes(app):
    prefix = app.config["SEGMENTS_API_URL_PREFIX"]
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(prefix) or rule.endpoint.endswith("openapi_json"):
            continue
        if ".unknown_endpoint" in rule.endpoint:
            continue  # the catch-all that answers unknown paths (404) and wrong methods (405)
        path = rule.rule[len(prefix):] or "/"
        path = re.sub(r"<(?:[a-z_]+:)?([a-z_]+)>", r"{\1}", path)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield method, path


def _documented_path(path):
    # The docs write `{id}` or `<id>` for a parameter: compare with the parameter names erased.
    return re.sub(r"[{<][a-z_]+[}>]", "{}", path)


def test_every_api_route_is_documented(tmp_path):
    from contact_segments.demo import create_app

    app = create_app({
        "TESTING": True, "DEMO_SEED": False, "SECRET_KEY": "docs",
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'docs.sqlite'}",
    })
    text = _read("api.md")
    prefix = app.config["SEGMENTS_API_URL_PREFIX"]
    documented = {
        (method, _documented_path(path.removeprefix(prefix).split("?")[0] or "/"))
        for method, path in re.findall(r"`(GET|POST|PUT|PATCH|DELETE) ([^` ]+)", text)
    }
    missing = [f"{method} {path}" for method, path in _api_routes(app)
               if (method, _documented_path(path)) not in documented]
    assert not missing, f"docs/api.md does not document: {missing}"


def _anchor(heading):
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


@pytest.mark.parametrize("path", _markdown_files(), ids=lambda p: p.name)
def test_relative_links_lead_somewhere(path):
    text = path.read_text(encoding="utf-8")
    broken = []
    for target in re.findall(r"\]\(([^)\s]+)\)", text):
        if re.match(r"[a-z]+:", target):
            continue
        file_part, _, anchor = target.partition("#")
        linked = (path.parent / file_part).resolve() if file_part else path
        if not linked.exists():
            broken.append(target)
            continue
        if anchor and linked.suffix == ".md":
            headings = re.findall(r"^#+ (.+)$", linked.read_text(encoding="utf-8"), re.M)
            if anchor not in {_anchor(h) for h in headings}:
                broken.append(target)
    assert not broken, f"{path.name}: links to nothing: {broken}"
