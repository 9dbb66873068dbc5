""""Replace existing segment data" never wipes segments by accident: an import (upload, dry run,
API, CLI, page) of a file without a Segments column is refused with ``replace_without_segments``
when the option is set, and nothing changes."""

import io
import re
import time

import pytest
import sqlalchemy as sa

from api_client import api_client
from test_ui_imports import wait_until_ended
from contact_segments import segments
from contact_segments.demo.models import db
from contact_segments.imports import service
from contact_segments.imports.errors import FileRefused
from contact_segments.imports.models import REFUSED, Import
from contact_segments.models import Membership

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
WITH_SEGMENTS = b"Country Code,First Name,Last Name,Email,Segments\nUS,Ana,Lima,ana@example.com,VIP\n"
WITHOUT_SEGMENTS = b"Country Code,First Name,Last Name,Email\nUS,Ana,Lima,ana@example.com\n"


@pytest.fixture
def member(scope_for):
    """One contact in segment "VIP", imported; returns the account's membership count."""
    segments.create(scope_for(), "VIP")
    imp = service.create_import(scope_for(), io.BytesIO(WITH_SEGMENTS), "first.csv")
    service.start(scope_for(), imp.id, wait=True)
    assert memberships() == 1
    return 1


def page_client(app, account, locale):
    """A test client signed in as the consultant; returns it, the headers asking for ``locale``
    and a CSRF token."""
    client = app.test_client()
    with client.session_transaction() as session:
        session["user_id"] = account[1]["consultant"]
    headers = {"Accept-Language": locale}
    token = TOKEN.search(client.get("/segments/contacts/new", headers=headers).get_data(as_text=True)).group(1)
    return client, headers, token


def memberships():
    db.session.expire_all()
    return db.session.execute(sa.select(sa.func.count()).select_from(Membership)).scalar_one()


def test_replace_upload_without_segments_column_is_refused(scope_for, member):
    with pytest.raises(FileRefused) as refused:
        service.create_import(scope_for(), io.BytesIO(WITHOUT_SEGMENTS), "no-segments.csv", replace=True)
    assert refused.value.code == "replace_without_segments"
    assert "Segments column" in refused.value.message and "untick" in refused.value.message
    assert memberships() == member


def test_merge_upload_without_segments_column_is_accepted(scope_for, member):
    imp = service.create_import(scope_for(), io.BytesIO(WITHOUT_SEGMENTS), "no-segments.csv")
    service.start(scope_for(), imp.id, wait=True)
    assert memberships() == member


def test_replace_dry_run_of_a_merge_upload_without_segments_column_is_refused(scope_for, member):
    imp = service.create_import(scope_for(), io.BytesIO(WITHOUT_SEGMENTS), "no-segments.csv")
    with pytest.raises(FileRefused) as refused:
        service.dry_run(scope_for(), imp.id, replace=True)
    assert refused.value.code == "replace_without_segments"


def test_replace_import_not_checked_at_upload_is_refused_when_it_runs(scope_for, member):
    imp = service.create_import(scope_for(), io.BytesIO(WITHOUT_SEGMENTS), "no-segments.csv",
                                replace=True, check=False)
    imp = service.start(scope_for(), imp.id, wait=True)
    db.session.refresh(imp)
    assert (imp.status, imp.error_code) == (REFUSED, "replace_without_segments")
    assert memberships() == member


def test_api_refuses_a_replace_upload_without_segments_column(app, account, member):
    client = api_client(app)
    with client.session_transaction() as session:
        session["user_id"] = account[1]["admin"]
    response = client.post("/api/segments/imports", data={
        "file": (io.BytesIO(WITHOUT_SEGMENTS), "no-segments.csv"), "replace": "true"},
        content_type="multipart/form-data")
    assert response.status_code == 422, response.get_data(as_text=True)
    assert response.get_json()["code"] == "replace_without_segments"
    assert memberships() == member


def test_cli_refuses_replace_of_a_file_without_segments_column(app, account, member, tmp_path):
    path = tmp_path / "no-segments.csv"
    path.write_bytes(WITHOUT_SEGMENTS)
    result = app.test_cli_runner().invoke(args=["segments", "import", str(path), "--replace",
                                                "--account", str(account[0])])
    assert result.exit_code != 0
    assert "Segments column" in result.stderr and "Traceback" not in result.stderr
    assert memberships() == member


@pytest.mark.parametrize("locale, words", [("en", "Segments column"), ("pt-BR", "coluna Segmentos")])
def test_page_refuses_a_replace_upload_without_segments_column(app, account, member, locale, words):
    client, headers, token = page_client(app, account, locale)
    response = client.post("/segments/imports", headers=headers, content_type="multipart/form-data", data={
        "csrf_token": token, "action": "import", "replace": "1",
        "file": (io.BytesIO(WITHOUT_SEGMENTS), "no-segments.csv")})
    assert response.status_code == 422
    assert words in response.get_data(as_text=True)
    assert memberships() == member


TWO_SEGMENTS = (b"Country Code,First Name,Last Name,Email,Segments\n"
                b"US,Ana,Lima,ana@example.com,VIP; Gold\nUS,Bia,Reis,bia@example.com,VIP\n")
NONE_LEFT = b"Country Code,First Name,Last Name,Email,Segments\nUS,Ana,Lima,ana@example.com,\nUS,Bia,Reis,bia@example.com,VIP\n"



@pytest.mark.parametrize("locale, removal", [
    ("en", "This will remove 2 segment memberships from 1 contact."),
    ("pt-BR", "Isto removerá 2 participações em segmentos de 1 contato."),
])
def test_replace_import_from_the_page_first_shows_what_it_removes_and_asks(app, scope_for, account, locale, removal):
    for name in ("VIP", "Gold"):
        segments.create(scope_for(), name)
    first = service.create_import(scope_for(), io.BytesIO(TWO_SEGMENTS), "first.csv")
    service.start(scope_for(), first.id, wait=True)
    assert memberships() == 3
    client, headers, token = page_client(app, account, locale)
    response = client.post("/segments/imports", headers=headers, content_type="multipart/form-data", data={
        "csrf_token": token, "action": "import", "replace": "1", "file": (io.BytesIO(NONE_LEFT), "replace.csv")})
    assert response.status_code == 302
    preview_id = int(re.search(r"/imports/(\d+)", response.location).group(1))
    source_id = int(re.search(r"source=(\d+)", response.location).group(1))
    wait_until_ended(client, preview_id)
    assert memberships() == 3  # nothing removed before the user confirms
    html = client.get(response.location, headers=headers).get_data(as_text=True)
    assert removal in html and 'id="import-after-preview"' in html
    client.post(f"/segments/imports/{source_id}/start", data={"csrf_token": token})
    wait_until_ended(client, source_id)
    assert memberships() == 1


def test_a_waiting_import_shows_one_state_in_badge_bar_and_text(app, scope_for, account):
    """A queued import (here a resumed one, 20,000 of 30,000 rows checked) is waiting: the
    badge, the sentence and the bar all say so (the bar shows no amount), and the status JSON
    the page follows gives the badge's label too."""
    imp = service.create_import(scope_for(), io.BytesIO(WITH_SEGMENTS), "waiting.csv")
    db.session.execute(sa.update(Import).where(Import.id == imp.id).values(
        status="queued", rows_total=30000, rows_validated=20000))
    db.session.commit()
    client, _, _ = page_client(app, account, "en")
    body = client.get(f"/segments/imports/{imp.id}/status.json").get_json()
    assert (body["status_label"], body["progress_label"], body["progress_value"]) == (
        "Waiting to start", "Waiting to start…", None)
    html = client.get(f"/segments/imports/{imp.id}").get_data(as_text=True)
    bar = re.search(r'<progress id="import-progress-bar"[^>]*>', html).group(0)
    assert "value=" not in bar and "Waiting to start" in html


WARNED = (b"Country Code,First Name,Last Name,Email,Segments\n"
          b"US,Ana,Lima,ana@example.com,Nowhere\nUS,Ana,Lima,ana@example.com,\n")


@pytest.mark.parametrize("locale, conditional, past", [
    ("en", ("These segments would not be created", "Rows with a warning would be imported"),
     ("the rows were imported", "Rows with a warning were imported")),
    ("pt-BR", ("Estes segmentos não seriam criados", "As linhas com aviso seriam importadas"),
     ("as linhas foram importadas", "As linhas com aviso foram importadas")),
])
def test_a_preview_opened_without_its_upload_link_speaks_in_the_conditional_and_imports(
        app, account, locale, conditional, past):
    """A preview opened from its notification or the history (no ``?source=``) offers "Import
    Contacts" for the same stored file and option, and says what would happen."""
    client, headers, token = page_client(app, account, locale)
    response = client.post("/segments/imports", headers=headers, content_type="multipart/form-data", data={
        "csrf_token": token, "action": "preview", "file": (io.BytesIO(WARNED), "warned.csv")})
    preview_id = int(re.search(r"/imports/(\d+)", response.location).group(1))
    source_id = int(re.search(r"source=(\d+)", response.location).group(1))
    wait_until_ended(client, preview_id)
    html = client.get(f"/segments/imports/{preview_id}", headers=headers).get_data(as_text=True)
    assert all(text in html for text in conditional) and not any(text in html for text in past)
    assert f'action="/segments/imports/{source_id}/start"' in html and 'id="import-after-preview"' in html
