"""The README's two quick-start commands stay true."""

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _quick_start_commands():
    section = README.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```bash\n(.+?)\n```", section, re.S)


def test_quick_start_has_the_demo_and_the_test_command():
    demo, tests = _quick_start_commands()
    assert demo == "python3 -m pip install -e . && flask --app contact_segments.demo run"
    assert tests == "bash .ci/run"


def test_ci_runs_the_test_command_the_readme_names():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    command = re.search(r"then runs `([^`]+)`", README.replace("\n", " ")).group(1)
    assert command in ci.splitlines()


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_demo_command_serves_the_seeded_demo(tmp_path):
    """`flask --app contact_segments.demo run` in an empty folder: SQLite, seeded, no server."""
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    flask = [sys.executable, "-m", "flask", "--app", "contact_segments.demo", "run", "--port", str(port)]
    server = subprocess.Popen(flask, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.time() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/compose", timeout=5) as response:
                    page = response.read().decode()
                break
            except OSError:
                if time.time() > deadline or server.poll() is not None:
                    raise AssertionError(server.stdout.read().decode() if server.poll() is not None else "timeout")
                time.sleep(0.3)
        assert "Downtown Store" in page  # seeded segments in the audience picker
        assert (tmp_path / "segments-demo.sqlite").exists()
    finally:
        server.terminate()
        server.wait(timeout=10)

