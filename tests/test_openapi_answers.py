"""The OpenAPI document tells a host the true shape of the answers it reads: the upload of an
import, and the pages' ``notifications.json`` (every key the answer has is documented, and every
documented key is there)."""

import io

import flask
import pytest
from flask_wtf.csrf import generate_csrf

API = "/api/segments"


@pytest.fixture
def client(app, account):
    """A client signed in as the account's admin, sending the session's CSRF token."""
    client = app.test_client()
    field = app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
    with app.test_request_context():
        token = generate_csrf()
        raw = flask.session[field]
    with client.session_transaction() as session:
        session["user_id"] = account[1]["admin"]
        session[field] = raw
    client.environ_base["HTTP_X_CSRFTOKEN"] = token
    flask.g.pop("demo_user", None)
    return client


@pytest.fixture
def spec(client):
    return client.get(f"{API}/openapi.json").get_json()


def _schema(spec, path, method, status):
    schema = spec["paths"][path][method]["responses"][status]["content"]["application/json"]["schema"]
    return spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]


def test_the_upload_answers_what_the_document_says(client, spec):
    documented = _schema(spec, f"{API}/imports", "post", "201")
    response = client.post(f"{API}/imports", data={
        "file": (io.BytesIO(b"Country Code,First Name,Last Name,Email\nUS,Ana,Silva,ana@example.com\n"),
                 "contacts.csv")}, content_type="multipart/form-data")
    assert response.status_code == 201, response.get_data(as_text=True)
    assert set(response.get_json()) == set(documented["properties"])


def test_notifications_json_is_in_the_document_and_answers_what_it_says(app, client, spec, scope_for):
    from contact_segments.imports import service

    imp = service.create_import(scope_for("admin"), io.BytesIO(
        b"Country Code,First Name,Last Name,Email\nUS,Ana,Silva,ana@example.com\n"), "contacts.csv")
    service.start(scope_for("admin"), imp.id, wait=True)
    path = f"{app.config['SEGMENTS_URL_PREFIX']}/notifications.json"
    documented = spec["components"]["schemas"][
        spec["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
        .rsplit("/", 1)[1]]
    assert set(documented["properties"]) == set(documented["required"]) == {"items"}
    item_schema = spec["components"]["schemas"]["Notification"]
    items = client.get(path).get_json()["items"]
    assert items, "the import left no notification"
    for item in items:
        assert set(item) == set(item_schema["properties"]) == set(item_schema["required"])
