"""End-to-end fixtures: the demo host served over real HTTP on a free localhost port, driven by
headless Chromium (Debian's ``/usr/bin/chromium`` through Playwright).

* ``server``: the demo host on a SQLite file with the sample data, imports running in-process
  (the embedded default), in a server thread of this process.
* ``rq_server``: the demo host on PostgreSQL with ``SEGMENTS_REDIS_URL`` set and a unique queue,
  plus a real RQ worker started as a subprocess (``flask --app <the demo host> segments worker``),
  the way the README tells hosts to run it.

Import batches pause a moment (:data:`BATCH_PAUSE`, from the tests: the plugin has no such
setting) so that a page sees an import mid-way.

Every flow saves a screenshot in ``tests/artifacts/``; the main pages also go to
``docs/screenshots/`` for the README.
"""

import json
import os
import pathlib
import re
import shutil
import subprocess
import sys
import threading
import time
import uuid

import pytest
from werkzeug.serving import make_server

from contact_segments.demo import create_app
from contact_segments.jobs import queue_health, wait_for_background_imports
from databases import fresh_postgres_database

IMPORTS_DB = pathlib.Path(__file__).resolve().parents[1] / "imports_db"
sys.path.insert(0, str(IMPORTS_DB))
from slow_batches import slow_batches  # noqa: E402

CHROMIUM = os.environ.get("SEGMENTS_CHROMIUM", "/usr/bin/chromium")
ROOT = pathlib.Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "tests" / "artifacts"
DOCS_SCREENSHOTS = ROOT / "docs" / "screenshots"
REDIS_URL = os.environ.get("SEGMENTS_TEST_REDIS_URL", "")


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.browser)


class LiveServer:
    """The demo host served by Werkzeug in a thread; ``url`` is its base URL."""

    def __init__(self, config):
        self.app = create_app(config)
        self._server = make_server("127.0.0.1", 0, self.app, threaded=True)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def stop(self):
        """Stop serving and close the database connections."""
        self._server.shutdown()
        self._thread.join(5)
        with self.app.app_context():
            self.app.extensions["segments"].db.engine.dispose()


BASE_CONFIG = {
    "SECRET_KEY": "browser-tests",
    "DEMO_SEED": True,
    "SEGMENTS_IMPORT_MAX_FILE_BYTES": 300 * 1024,
    "SEGMENTS_IMPORT_BATCH_SIZE": 200,
    "SEGMENTS_IMPORT_PART_ROWS": 400,
}
#: A pause after each import batch so that the progress bar is seen moving, however fast the
#: machine (in this process, and in the worker and CLI processes, see :func:`subprocess_host`).
BATCH_PAUSE = 0.15


def subprocess_host(env):
    """``(--app value, env)`` for a ``flask`` subprocess of the demo host whose import batches
    pause like this process's (``env``: the environment it gets otherwise)."""
    path = os.pathsep.join(filter(None, [str(IMPORTS_DB), env.get("PYTHONPATH")]))
    return "slow_demo:create_app", {**env, "PYTHONPATH": path, "SLOW_BATCH_SECONDS": str(BATCH_PAUSE)}


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    """The demo host on SQLite, imports in-process."""
    database = tmp_path_factory.mktemp("browser") / "demo.sqlite"
    live = LiveServer({**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}",
                       "SEGMENTS_REDIS_URL": ""})
    unslow = slow_batches(BATCH_PAUSE)
    yield live
    unslow()
    live.stop()


@pytest.fixture
def own_server(tmp_path):
    """A demo host of the test's own (SQLite, imports in-process): nothing another test left
    running in the shared server's import thread can hold its imports back."""
    live = LiveServer({**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'own.sqlite'}",
                       "SEGMENTS_REDIS_URL": ""})
    yield live
    with live.app.app_context():
        wait_for_background_imports(live.app, timeout=60)
    live.stop()


@pytest.fixture(scope="module")
def browser_postgres_url():
    """A PostgreSQL database of its own for the RQ run (dropped afterwards), so the sample data
    it seeds never meets the other tests' database."""
    with fresh_postgres_database("cs_browser") as url:
        yield url


@pytest.fixture(scope="module")
def rq_server(browser_postgres_url):
    """The demo host on PostgreSQL with a real RQ worker on real Redis (unique queue)."""
    if not REDIS_URL:
        pytest.skip("Redis not configured (set SEGMENTS_TEST_REDIS_URL)")
    postgres_database_url = browser_postgres_url
    queue = f"segments-browser-{uuid.uuid4().hex[:8]}"
    live = LiveServer({**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": postgres_database_url,
                       "SEGMENTS_REDIS_URL": REDIS_URL, "SEGMENTS_QUEUE_NAME": queue})
    host, env = subprocess_host({
        **os.environ, "DATABASE_URL": postgres_database_url, "REDIS_URL": REDIS_URL,
        "SEGMENTS_QUEUE_NAME": queue,
        **{key: json.dumps(value) for key, value in BASE_CONFIG.items() if key.startswith("SEGMENTS_")}})
    flask = shutil.which("flask") or os.path.join(os.path.dirname(sys.executable), "flask")
    log = open(ARTIFACTS_DIR() / f"worker-{queue}.log", "w")
    worker = subprocess.Popen(
        [flask, "--app", host, "segments", "worker", "--queue", queue],
        env=env, stdout=log, stderr=subprocess.STDOUT)
    # Wait until the worker listens on the queue (or fails to start), not for a guessed time.
    deadline = time.monotonic() + 60
    while queue_health({"SEGMENTS_REDIS_URL": REDIS_URL, "SEGMENTS_QUEUE_NAME": queue}).workers != 1:
        if worker.poll() is not None or time.monotonic() > deadline:
            worker.kill()
            log.close()
            pytest.fail(f"the RQ worker did not start listening; see {log.name}")
        time.sleep(0.05)
    live.worker = worker
    live.queue = queue
    yield live
    worker.terminate()
    try:
        worker.wait(10)
    except subprocess.TimeoutExpired:
        worker.kill()
    log.close()
    live.stop()


def ARTIFACTS_DIR():  # noqa: N802 - reads like the constant it returns
    """``tests/artifacts/``, created on first use."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for the whole run."""
    from playwright.sync_api import sync_playwright

    if not os.path.exists(CHROMIUM):
        pytest.skip(f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield chromium
        chromium.close()


#: Keeps success notifications on screen (the tray's ``data-hide-after-ms``, read by
#: ``notifications.js`` on each check) so that a test can read and click them however slow the
#: machine; a test of the hiding sets its own delay.
KEEP_NOTICES = """document.addEventListener("DOMContentLoaded", () => {
  const tray = document.getElementById("segments-notifications");
  if (tray) { tray.dataset.hideAfterMs = "600000"; }
});"""


@pytest.fixture
def page(browser, request):
    """A fresh desktop-sized browser page; fails the test on any JavaScript error."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True,
                                  locale="en-US")
    context.set_default_timeout(15_000)
    context.add_init_script(KEEP_NOTICES)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("dialog", lambda dialog: errors.append(f"unexpected JavaScript dialog: {dialog.message}"))
    yield page
    if request.node.rep_call.failed if hasattr(request.node, "rep_call") else False:
        name = re.sub(r"[^A-Za-z0-9_.-]+", "-", request.node.name)[:120]
        page.screenshot(path=str(ARTIFACTS_DIR() / f"FAILED-{name}.png"), full_page=True)
    context.close()
    assert not errors, errors


#: The page languages the checks in several languages run in, and the Accept-Language each sends.
BROWSER_LOCALES = {"en": "en-US", "pt_BR": "pt-BR"}
#: A window narrower than this is a phone's (touch, mobile viewport).
PHONE_WIDTH = 500


@pytest.fixture
def open_page(browser):
    """Factory: ``open_page(language="en", width=1280, javascript=True)`` -> a fresh page whose
    Accept-Language asks for ``language`` (a key of :data:`BROWSER_LOCALES`), ``width`` px wide
    (a phone below :data:`PHONE_WIDTH`), JavaScript on or off; any JavaScript error or unexpected
    dialog fails the test."""
    contexts, errors = [], []

    def make(language="en", width=1280, javascript=True):
        phone = width < PHONE_WIDTH
        context = browser.new_context(
            viewport={"width": width, "height": 844 if phone else 900}, is_mobile=phone,
            has_touch=phone, locale=BROWSER_LOCALES[language], java_script_enabled=javascript,
            accept_downloads=True)
        context.set_default_timeout(15_000)
        context.add_init_script(KEEP_NOTICES)
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.on("dialog", lambda dialog: errors.append(f"unexpected JavaScript dialog: {dialog.message}"))
        return page

    yield make
    for context in contexts:
        context.close()
    assert not errors, errors


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


def shot(page, name, docs=False, full_page=False):
    """Save a screenshot of ``page`` to ``tests/artifacts/NAME.png`` (and to ``docs/screenshots``)."""
    path = ARTIFACTS_DIR() / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    if docs:
        DOCS_SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, DOCS_SCREENSHOTS / f"{name}.png")


def sign_in(page, base_url, role, account="Downtown Motors"):
    """Open the demo host and switch to the ``role`` user of ``account`` (the top-bar switcher)."""
    page.goto(base_url + "/segments/")
    option = page.locator("#demo-user option", has_text=f"({account}) — {role}")
    value = option.get_attribute("value")
    with page.expect_navigation():
        page.select_option("#demo-user", value)
