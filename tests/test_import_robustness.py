"""Imports that do not move, and the user's view of them, on SQLite and PostgreSQL with the real
Redis: a queued import with no RQ worker says so (plainly for a consultant, with the command for
an admin); Redis down at start is a clear 503 and the upload stays startable; an import whose
worker was SIGKILLed shows as stalled and resumes from its checkpoint; a preview has its own
notice; in-process import threads can be joined; stored files are released and cleaned up; the
contacts page pages backwards."""

import io
import os
import re
import signal
import sys
import uuid
from datetime import timedelta

import pytest
import sqlalchemy as sa

from api_client import SignedInClient
from contact_segments import segments
from contact_segments.demo.models import db
from contact_segments.imports import service
from contact_segments.imports.models import Import, ImportChunk, ImportPart, ImportRow
from contact_segments.imports.notices import PREVIEW_QUEUED_MESSAGE, QUEUED_MESSAGE
from contact_segments.jobs import wait_for_background_imports
from contact_segments.models import Notification, utcnow

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "imports_db"))
from importdb_helpers import age_import, csv_bytes, flask_process, row, wait_until  # noqa: E402
from slow_batches import batches_slowed  # noqa: E402

REDIS = os.environ.get("SEGMENTS_TEST_REDIS_URL", "")
needs_redis = pytest.mark.skipif(not REDIS, reason="Redis not configured (set SEGMENTS_TEST_REDIS_URL)")
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
CLOSED_PORT_REDIS = "redis://127.0.0.1:1/0"  # nothing listens on port 1: connection refused


def rows(count, segment=""):
    return [row(f"First{i}", f"Last{i}", email=f"p{i}@example.com", segments=segment) for i in range(count)]


@pytest.fixture
def queue_name():
    return f"segments-robust-{os.getpid()}-{uuid.uuid4().hex[:8]}"


@pytest.fixture
def api(app, account):
    """A client (pages and JSON API) signed in as ``role``, with its session's CSRF token."""

    def make(role="admin"):
        client = SignedInClient(app, app.response_class, use_cookies=True)
        with client.session_transaction() as session:
            session["user_id"] = account[1][role]
        html = client.get("/segments/contacts/new").get_data(as_text=True)
        client.csrf = TOKEN.search(html).group(1)
        return client

    return make


def api_upload(client, data, name="contacts.csv"):
    response = client.post("/api/segments/imports", data={"file": (io.BytesIO(data), name)},
                           headers={"X-CSRFToken": client.csrf}, content_type="multipart/form-data")
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def api_post(client, path):
    return client.post(f"/api/segments{path}", headers={"X-CSRFToken": client.csrf})


def stored(model, import_id, *where):
    db.session.expire_all()
    return db.session.execute(sa.select(sa.func.count()).select_from(model).where(
        model.import_id == import_id, *where)).scalar_one()


# ---------------------------------------------------------------- 1. waiting for a worker


@needs_redis
def test_a_queued_import_without_a_worker_says_so(app, api, queue_name):
    from redis import Redis
    from rq import Queue, Worker

    app.config.update(SEGMENTS_REDIS_URL=REDIS, SEGMENTS_QUEUE_NAME=queue_name)
    admin, consultant = api("admin"), api("consultant")
    import_id = api_upload(admin, csv_bytes(rows(3)))
    started = api_post(admin, f"/imports/{import_id}/start")
    assert started.status_code == 202

    waiting = admin.get(f"/api/segments/imports/{import_id}").get_json()["waiting"]
    assert waiting["problem"] == "no_worker" and waiting["workers"] == 0 and waiting["queue"] == queue_name
    assert waiting["message"].startswith(f"Waiting for a worker: none is running for queue {queue_name}.")
    assert "segments worker --queue " + queue_name in waiting["message"]
    page = admin.get(f"/segments/imports/{import_id}").get_data(as_text=True)
    assert f"none is running for queue {queue_name}" in page
    assert "none is running" in admin.get(f"/segments/imports/{import_id}/status.json").get_json()["progress_label"]

    plain = consultant.get(f"/api/segments/imports/{import_id}").get_json()["waiting"]
    assert plain["message"].startswith("Queued, waiting to start (queued at ")
    assert plain["queue"] is None and plain["workers"] is None and plain["since"]
    page = consultant.get(f"/segments/imports/{import_id}").get_data(as_text=True)
    assert "Queued, waiting to start" in page and queue_name not in page

    # A worker registered on the queue (a real RQ worker, not yet working): just waiting its turn.
    worker = Worker([Queue(queue_name, connection=Redis.from_url(REDIS))],
                    connection=Redis.from_url(REDIS), name=f"w-{queue_name}")
    worker.register_birth()
    try:
        waiting = admin.get(f"/api/segments/imports/{import_id}").get_json()["waiting"]
        assert (waiting["problem"], waiting["workers"]) == (None, 1)
    finally:
        worker.register_death()
        Queue(queue_name, connection=Redis.from_url(REDIS)).empty()


def test_redis_down_at_start_is_a_clear_error_and_the_upload_stays_startable(app, api, account):
    app.config["SEGMENTS_REDIS_URL"] = CLOSED_PORT_REDIS
    admin = api("admin")
    import_id = api_upload(admin, csv_bytes(rows(2)))
    response = api_post(admin, f"/imports/{import_id}/start")
    assert response.status_code == 503
    body = response.get_json()
    assert body["code"] == "queue_unavailable" and "Redis (SEGMENTS_REDIS_URL) cannot be reached" in body["message"]
    assert db.session.get(Import, import_id).status == "uploaded"
    assert db.session.execute(sa.select(sa.func.count()).select_from(Notification)).scalar_one() == 0

    # The page: a message, never a 500, and a link to the saved file.
    page = admin.post("/segments/imports", data={
        "csrf_token": admin.csrf, "action": "import", "file": (io.BytesIO(csv_bytes(rows(2))), "b.csv")},
        content_type="multipart/form-data")
    html = page.get_data(as_text=True)
    assert page.status_code == 503 and "the service that runs imports is not reachable" in html
    assert 'id="saved-import-link"' in html

    # Once Redis is back (here: in-process), the same upload starts.
    app.config["SEGMENTS_REDIS_URL"] = ""
    assert api_post(admin, f"/imports/{import_id}/start").status_code == 202
    assert wait_for_background_imports(app, timeout=30)
    assert db.session.get(Import, import_id).status == "finished"


def test_a_queued_import_whose_redis_went_away_says_so(app, api, account, scope_for):
    admin = api("admin")
    import_id = api_upload(admin, csv_bytes(rows(1)))
    db.session.execute(sa.update(Import).where(Import.id == import_id).values(status="queued"))
    db.session.commit()
    app.config["SEGMENTS_REDIS_URL"] = CLOSED_PORT_REDIS
    waiting = admin.get(f"/api/segments/imports/{import_id}").get_json()["waiting"]
    assert waiting["problem"] == "queue_unreachable" and "Waiting for Redis" in waiting["message"]


# ---------------------------------------------------------------- 2. stalled imports


BATCHES = {"SEGMENTS_IMPORT_BATCH_SIZE": 10, "SEGMENTS_IMPORT_PART_ROWS": 40}


@pytest.fixture
def app_config():
    return dict(BATCHES)


def test_a_killed_import_shows_as_stalled_and_resumes(app, api, account, database_url, tmp_path, scope_for):
    segments.create(scope_for(), "North")
    path = tmp_path / "big.csv"
    path.write_bytes(csv_bytes(rows(120, "North")))
    process = flask_process({"SQLALCHEMY_DATABASE_URI": database_url, **BATCHES,
                             "SLOW_BATCH_SECONDS": 0.1},
                            "import", path, "--account", account[0])

    def some_rows_done():
        db.session.expire_all()
        imp = db.session.execute(sa.select(Import)).scalars().first()
        found = imp if imp is not None and imp.rows_done >= 20 else None
        db.session.commit()
        return found

    import_id = wait_until(some_rows_done, what="two committed batches").id
    os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=10)

    admin, consultant = api("admin"), api("consultant")
    status = admin.get(f"/api/segments/imports/{import_id}").get_json()
    assert (status["status"], status["stalled"], status["can_resume"]) == ("running", False, False)
    assert api_post(admin, f"/imports/{import_id}/resume").get_json()["code"] == "not_resumable"

    age_import(db.session, import_id)  # an hour later, still no sign of life
    status = admin.get(f"/api/segments/imports/{import_id}").get_json()
    assert (status["status"], status["stalled"], status["can_resume"]) == ("running", True, True)
    history = consultant.get("/segments/imports").get_data(as_text=True)
    assert "Stalled" in history and f'data-resume="{import_id}"' in history
    page = consultant.get(f"/segments/imports/{import_id}").get_data(as_text=True)
    assert 'id="resume-button"' in page and "No progress since" in page

    response = consultant.post(f"/segments/imports/{import_id}/resume", data={"csrf_token": consultant.csrf})
    assert response.status_code == 302
    assert wait_for_background_imports(app, timeout=60)
    record = db.session.get(Import, import_id)
    db.session.refresh(record)
    assert (record.status, record.rows_done, record.created) == ("finished", 120, 120)
    assert stored(ImportRow, import_id) == 120
    assert segments.get(scope_for(), segments.list_segments(scope_for()).items[0].id).member_count == 120
    assert api_post(admin, f"/imports/{import_id}/resume").status_code == 409  # finished now


def test_a_lost_in_process_queued_import_can_be_resumed_by_the_api(app, api, account):
    admin = api("admin")
    import_id = api_upload(admin, csv_bytes(rows(5)))
    # The web process that queued it was restarted before its thread ran it.
    db.session.execute(sa.update(Import).where(Import.id == import_id).values(
        status="queued", updated_at=utcnow() - timedelta(hours=1)))
    db.session.commit()
    assert admin.get(f"/api/segments/imports/{import_id}").get_json()["can_resume"] is True
    response = api_post(admin, f"/imports/{import_id}/resume")
    assert response.status_code == 202 and response.get_json()["stalled"] is False
    assert wait_for_background_imports(app, timeout=30)
    assert admin.get(f"/api/segments/imports/{import_id}").get_json()["created"] == 5


def test_a_quiet_import_that_a_worker_still_holds_is_not_stalled(app, api, account, state):
    from contact_segments.imports.locks import driver_lock

    admin = api("admin")
    import_id = api_upload(admin, csv_bytes(rows(5)))
    # Running, no heartbeat for an hour: a long dry run, or a batch waiting for the account's lock.
    db.session.execute(sa.update(Import).where(Import.id == import_id).values(
        status="running", updated_at=utcnow() - timedelta(hours=1)))
    db.session.commit()
    with driver_lock(state.db.engine, import_id) as held:
        assert held
        status = admin.get(f"/api/segments/imports/{import_id}").get_json()
        assert (status["stalled"], status["can_resume"]) == (False, False)
    assert admin.get(f"/api/segments/imports/{import_id}").get_json()["stalled"] is True


# ---------------------------------------------------------------- 3. the preview's own notice


def test_a_preview_is_not_announced_as_the_import(app, api, account):
    consultant = api("consultant")
    response = consultant.post("/segments/imports", data={
        "csrf_token": consultant.csrf, "action": "preview",
        "file": (io.BytesIO(csv_bytes(rows(2))), "p.csv")}, content_type="multipart/form-data")
    assert response.status_code == 302
    assert wait_for_background_imports(app, timeout=30)
    messages = db.session.execute(sa.select(Notification.message).order_by(Notification.id)).scalars().all()
    assert messages[0] == PREVIEW_QUEUED_MESSAGE and QUEUED_MESSAGE not in messages
    html = consultant.get("/segments/contacts/new", headers={"Accept-Language": "pt-BR"}).get_data(as_text=True)
    assert "notified when your bulk import is ready" not in html and "Your preview" not in html


# ---------------------------------------------------------------- 4. joining in-process imports


def test_background_imports_can_be_joined(app, scope_for):
    scope = scope_for("consultant")
    imp = service.create_import(scope, io.BytesIO(csv_bytes(rows(60))), "slow.csv")
    with batches_slowed(0.05):
        service.start(scope, imp.id)
        assert wait_for_background_imports(app, timeout=0.01) is False  # still applying its batches
        assert wait_for_background_imports(app, timeout=60) is True
    db.session.expire_all()
    assert db.session.get(Import, imp.id).status == "finished"
    assert wait_for_background_imports(app, timeout=0) is True


# ---------------------------------------------------------------- 5. retention


def test_finished_imports_release_validated_rows_and_old_files_are_cleaned_up(app, api, scope_for):
    scope = scope_for("consultant")
    imports = []
    for name in ("old.csv", "recent.csv"):
        imp = service.create_import(scope, io.BytesIO(csv_bytes(rows(50))), name)
        service.start(scope, imp.id, wait=True)
        imports.append(imp.id)
    old, recent = imports
    assert stored(ImportPart, old) == 2 and stored(ImportPart, old, ImportPart.validated.is_not(None)) == 0
    report_before = "".join(service.report_csv(scope, old)[1])
    abandoned = service.create_import(scope, io.BytesIO(csv_bytes(rows(3))), "never.csv").id
    failed = service.create_import(scope, io.BytesIO(csv_bytes(rows(3))), "failed.csv").id
    db.session.execute(sa.update(Import).where(Import.id == failed).values(status="failed", error_code="internal_error"))
    long_ago = utcnow() - timedelta(days=40)
    db.session.execute(sa.update(Import).where(Import.id.in_([old, failed])).values(finished_at=long_ago))
    db.session.execute(sa.update(Import).where(Import.id == abandoned).values(created_at=long_ago))
    db.session.commit()

    runner = app.test_cli_runner()
    dry = runner.invoke(args=["segments", "imports-cleanup", "--older-than", "30", "--dry-run"])
    assert dry.exit_code == 0 and "Would remove the stored files of 3 import(s)" in dry.output
    assert stored(ImportChunk, old) > 0
    result = runner.invoke(args=["segments", "imports-cleanup", "--older-than", "30"])
    assert result.exit_code == 0 and "Removed the stored files of 3 import(s)" in result.output
    for import_id in (old, abandoned, failed):
        assert stored(ImportChunk, import_id) == 0
    assert stored(ImportChunk, recent) > 0
    assert stored(ImportRow, old) == 50 and "".join(service.report_csv(scope, old)[1]) == report_before
    record = db.session.get(Import, abandoned)
    assert (record.status, record.error_code) == ("failed", "upload_expired")
    admin = api("admin")
    assert api_post(admin, f"/imports/{abandoned}/resume").get_json()["code"] == "not_resumable"
    assert api_post(admin, f"/imports/{failed}/resume").get_json()["code"] == "file_removed"
    again = runner.invoke(args=["segments", "import-resume", str(failed)])
    assert again.exit_code == 1 and "was removed by the clean-up" in again.output
    bad = runner.invoke(args=["segments", "imports-cleanup", "--older-than", "-1"])
    assert bad.exit_code == 2 and "Traceback" not in bad.output


# ---------------------------------------------------------------- 6. previous page of contacts


def test_contacts_page_goes_back_page_by_page(app, api, account, make_contacts):
    app.config["SEGMENTS_PAGE_SIZE"] = 10
    ids = make_contacts(account[0], 25)
    client = api("consultant")
    pages, url = [], "/segments/"
    while url:
        html = client.get(url).get_data(as_text=True)
        pages.append([int(v) for v in re.findall(r'name="contact_ids" value="(\d+)"', html)])
        found = re.search(r'href="([^"]+)" rel="next"', html)
        url = found.group(1).replace("&amp;", "&") if found else None
    assert [len(page) for page in pages] == [10, 10, 5]
    back, url = [], re.search(r'href="([^"]+)" rel="prev"', html).group(1).replace("&amp;", "&")
    while url:
        assert "before=" in url
        html = client.get(url).get_data(as_text=True)
        back.append([int(v) for v in re.findall(r'name="contact_ids" value="(\d+)"', html)])
        found = re.search(r'href="([^"]+)" rel="prev"', html)
        url = found.group(1).replace("&amp;", "&") if found else None
    assert back == [pages[1], pages[0]] and sum(back[::-1] + pages[2:], []) == ids
    assert 'rel="next"' in html and 'id="first-page"' not in html  # back on the first page: no link to it
