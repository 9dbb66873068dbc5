"""What the pages show is worded from stored codes and params, in the reader's language: the
rows' issues, the notifications (which know their import, so no link is parsed), and imports
stored by an earlier version (sentences, no params) still display."""

import io
import time
from datetime import timedelta

import sqlalchemy as sa

from contact_segments.demo.models import db
from contact_segments.imports import lifecycle, retention, service
from contact_segments.imports.models import Import, ImportRow
from contact_segments.models import Notification, utcnow
from test_ui_imports import app_config, client  # noqa: F401 - the fixtures of the import pages
from test_ui_imports import HEADER, upload, wait_until_ended

BAD_COUNTRY = (HEADER + "+55,Ann,Lee,4155552671,ann@example.com,\n").encode()


def _import_id(response):
    return int(response.location.rstrip("/").rsplit("/", 1)[1])


def _notifications(count, timeout=30):
    """The stored notifications, once there are ``count`` (the import's end is told right after
    the commit that ended it)."""
    deadline = time.monotonic() + timeout
    while True:
        db.session.expire_all()
        found = db.session.execute(sa.select(Notification).order_by(Notification.id)).scalars().all()
        if len(found) >= count or time.monotonic() > deadline:
            return found
        time.sleep(0.05)


def test_issues_are_stored_as_codes_with_params(client):
    import_id = _import_id(upload(client, BAD_COUNTRY))
    wait_until_ended(client, import_id)
    [issues] = db.session.execute(sa.select(ImportRow.issues).where(ImportRow.import_id == import_id)).one()
    assert issues == [["error", "Country Code", "invalid_country_code",
                       {"value": "+55", "variant": "hint", "hint": "BR"}]]


def test_notifications_know_their_import_and_speak_the_readers_language(client):
    import_id = _import_id(upload(client, BAD_COUNTRY))
    wait_until_ended(client, import_id)
    stored = _notifications(2)
    assert [(n.kind, n.import_id) for n in stored] == [("import_queued", import_id),
                                                       ("import_finished", import_id)]
    assert stored[1].params["file"] == "contacts.csv" and stored[1].params["counts"]["message"] == "import_counts"
    # The finished notice replaces the queued one: only it is unread.
    [item] = client.get("/segments/notifications.json", headers={"Accept-Language": "pt-BR"}).get_json()["items"]
    assert item["message"].startswith('Sua importação em massa de "contacts.csv" está pronta: 0 criados')
    assert item["link"] == f"/segments/imports/{import_id}/report.csv"


def test_an_import_stored_as_sentences_still_displays(client):
    """Rows, reasons and notifications written by an earlier version hold English sentences and
    no params: English pages show the sentence, other languages the code's general sentence."""
    import_id = _import_id(upload(client, BAD_COUNTRY))
    wait_until_ended(client, import_id)
    stored_messages = {notification.message for notification in _notifications(2)}
    sentence = 'Country Code "+55" is not a two-letter ISO country code (stored sentence).'
    db.session.execute(sa.update(ImportRow).where(ImportRow.import_id == import_id).values(
        issues=[["error", "Country Code", "invalid_country_code", sentence]]))
    db.session.execute(sa.update(Notification).values(params=None, import_id=None))
    db.session.commit()
    english = client.get(f"/segments/imports/{import_id}").get_data(as_text=True)
    assert "(stored sentence)" in english
    portuguese = client.get(f"/segments/imports/{import_id}", headers={"Accept-Language": "pt-BR"})
    text = portuguese.get_data(as_text=True)
    assert "Linha 2: a coluna Código do país não traz um código de país ISO" in text
    assert "(stored sentence)" not in text
    report = client.get(f"/segments/imports/{import_id}/report.csv").get_data(as_text=True)
    assert "(stored sentence)" in report
    items = client.get("/segments/notifications.json").get_json()["items"]
    assert items and all(item["message"] in stored_messages for item in items)  # as stored
    assert db.session.get(Import, import_id).error_params is None


def test_why_an_import_ended_is_stored_as_params_and_shown_in_the_readers_language(client, scope_for, state):
    """A file the job refuses, an import that fails and an upload removed by the clean-up keep
    the params of their reason, so a page in Portuguese gives the reason in Portuguese."""
    scope = scope_for("consultant")
    empty = service.create_import(scope, io.BytesIO(b""), "empty.csv", check=False)
    service.start(scope, empty.id, wait=True)
    failing = service.create_import(scope, io.BytesIO(BAD_COUNTRY), "failing.csv")
    assert lifecycle.fail(state, failing.id, code="internal_error", params={"error": "KeyError"})
    old = service.create_import(scope, io.BytesIO(BAD_COUNTRY), "old.csv")
    retention.clean_up(db.session, 3, now=utcnow() + timedelta(days=4))
    db.session.expire_all()
    expected = {
        empty.id: ("empty_file", {}, "O arquivo está vazio."),
        failing.id: ("internal_error", {"error": "KeyError"}, "a importação parou por causa de um erro (KeyError)"),
        old.id: ("upload_expired", {"days": 3}, "O arquivo não foi importado em 3 dias e foi removido."),
    }
    for import_id, (code, params, portuguese) in expected.items():
        imp = db.session.get(Import, import_id)
        assert (imp.error_code, imp.error_params) == (code, params)
        page = client.get(f"/segments/imports/{import_id}", headers={"Accept-Language": "pt-BR"})
        assert portuguese in page.get_data(as_text=True)
    assert db.session.get(Import, failing.id).error_message.startswith(
        "the import stopped because of an error (KeyError). The rows imported so far are kept")
    items = client.get("/segments/notifications.json", headers={"Accept-Language": "pt-BR"}).get_json()["items"]
    assert any(item["message"].startswith('Sua importação em massa de "empty.csv" foi recusada: O arquivo está vazio.')
               for item in items)
