"""The import endpoints of the JSON API through the demo host (sessions, Flask-WTF, SQLite and
PostgreSQL); imports run in the app's background thread (no Redis)."""

import csv
import io

import flask
import openpyxl
import pytest
from api_client import api_client
from importdb_helpers import contacts_of, csv_bytes, memberships_of, row, wait_until

from contact_segments.demo.models import db
from contact_segments.imports.models import ENDED

API = "/api/segments/imports"


@pytest.fixture
def app_config():
    return {"WTF_CSRF_ENABLED": False}


@pytest.fixture
def client(app, account):
    client = api_client(app)  # sends its session's CSRF token, as a real API client does
    with client.session_transaction() as session:
        session["user_id"] = account[1]["consultant"]
    flask.g.pop("demo_user", None)
    return client


def upload(client, data, name="contacts.csv", **form):
    return client.post(API, data={"file": (io.BytesIO(data), name), **form},
                       content_type="multipart/form-data")


def finished(client, import_id):
    def ended():
        body = client.get(f"{API}/{import_id}").json
        return body if body["status"] in ENDED else None

    return wait_until(ended, timeout=60, what=f"import {import_id} to end")


def test_upload_dry_run_start_summary_report(client, make_segments, account):
    make_segments("VIP")
    data = csv_bytes([row("Jane", "Doe", mobile="4155552671", segments="vip; Vipp"),
                      row("Bad", "Row", country="USA", mobile="4155552672")])
    uploaded = upload(client, data, replace="true")
    assert uploaded.status_code == 201, uploaded.json
    body = uploaded.json
    assert (body["status"], body["replace"], body["rows_total"], body["encoding"]) == (
        "uploaded", True, 2, "utf-8")

    dry = client.post(f"{API}/{body['id']}/dry-run")
    assert dry.status_code == 202 and dry.json["id"] != body["id"] and dry.json["dry_run"]
    assert finished(client, dry.json["id"])["created"] == 1
    assert contacts_of(account[0]) == []

    started = client.post(f"{API}/{body['id']}/start")
    assert started.status_code == 202 and started.json["status"] in ("queued", "running", "finished")
    status = finished(client, body["id"])
    assert (status["status"], status["created"], status["failed"], status["percent"]) == (
        "finished", 1, 1, 100.0)
    assert memberships_of(account[0]) == [("VIP", "+14155552671")]

    summary = client.get(f"{API}/{body['id']}/summary").json
    assert summary["unknown_segments"] == [{"name": "Vipp", "lines": [2], "lines_total": 1, "suggestion": "VIP"}]
    assert [e["code"] for e in summary["errors"]] == ["invalid_country_code"]
    assert client.get(f"{API}/{body['id']}/summary?max_issues=0").json["errors"] == []

    report = client.get(f"{API}/{body['id']}/report.csv")
    assert report.status_code == 200 and report.mimetype == "text/csv"
    assert f'filename="import-{body["id"]}-report.csv"' in report.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(report.get_data(as_text=True))))
    assert [r[:2] for r in rows[1:]] == [["2", "created"], ["3", "failed"]]

    again = client.post(f"{API}/{body['id']}/start")
    assert again.status_code == 409 and again.json["code"] == "already_started"
    history = client.get(API).json
    assert [item["id"] for item in history["items"]] == [dry.json["id"], body["id"]]
    db.session.remove()


def test_a_refused_upload_is_a_422_with_the_reason(client):
    response = upload(client, b"\x89PNG\r\n\x1a\n" + bytes(200), name="photo.csv")
    assert response.status_code == 422
    assert response.json["code"] == "not_a_spreadsheet" and "PNG" in response.json["message"]
    missing = client.post(API, data={}, content_type="multipart/form-data")
    assert missing.status_code == 422 and missing.json["field"] == "file"
    [refused] = client.get(API).json["items"]
    assert refused["status"] == "refused" and refused["error"]["code"] == "not_a_spreadsheet"
    assert client.get(f"{API}/{refused['id']}/report.csv").status_code == 409


def test_templates_download(client):
    as_csv = client.get(f"{API}/template.csv")
    assert as_csv.status_code == 200 and as_csv.mimetype == "text/csv"
    assert as_csv.get_data(as_text=True).lstrip("\ufeff").startswith("Country Code,First Name")
    as_xlsx = client.get(f"{API}/template.xlsx")
    assert as_xlsx.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(as_xlsx.data)).worksheets[0]
    assert [cell.value for cell in sheet[1]][:3] == ["Country Code", "First Name", "Last Name"]


def test_another_accounts_import_is_a_404(client, app, make_account):
    uploaded = upload(client, csv_bytes([row("Jane", "Doe", mobile="4155552671")])).json
    _, users = make_account("Other")
    other = api_client(app)
    with other.session_transaction() as session:
        session["user_id"] = users["admin"]
    flask.g.pop("demo_user", None)
    for method, path in (("get", ""), ("post", "/start"), ("post", "/dry-run"), ("get", "/summary"),
                         ("get", "/report.csv")):
        response = getattr(other, method)(f"{API}/{uploaded['id']}{path}")
        assert response.status_code == 404 and response.json["code"] == "not_found", path
    assert other.get(API).json["items"] == []
    assert other.get(f"{API}/{2**64}").status_code == 404


def test_the_endpoints_are_in_the_openapi_document(client):
    paths = client.get("/api/segments/openapi.json").json["paths"]
    for path in ("/api/segments/imports", "/api/segments/imports/{import_id}",
                 "/api/segments/imports/{import_id}/start", "/api/segments/imports/{import_id}/dry-run",
                 "/api/segments/imports/{import_id}/summary", "/api/segments/imports/{import_id}/report.csv",
                 "/api/segments/imports/template.csv", "/api/segments/imports/template.xlsx"):
        assert path in paths, path
    upload_body = paths["/api/segments/imports"]["post"]["requestBody"]["content"]
    assert "multipart/form-data" in upload_body
