"""The import page's badge, progress bar and sentence follow one state: while the import waits
the badge says so and the bar shows no amount; when it runs all three move together (in English
and Brazilian Portuguese)."""

import io

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from contact_segments import Actor
from contact_segments.demo.models import Account, User, db
from contact_segments.imports import service
from contact_segments.imports.models import Import

from .conftest import sign_in

FILE = b"Country Code,First Name,Last Name,Email\nUS,Ana,Lima,ana@example.com\n"
WORDS = {
    "en": ("Waiting to start", "Running", "20,000 of 30,000 rows checked, 0 written"),
    "pt_BR": ("Aguardando início", "Em andamento", "20.000 de 30.000 linhas verificadas, 0 gravadas"),
}


def _set(server, import_id, **values):
    with server.app.app_context():
        db.session.execute(sa.update(Import).where(Import.id == import_id).values(**values))
        db.session.commit()
        db.session.remove()


@pytest.mark.parametrize("language", ["en", "pt_BR"])
def test_badge_bar_and_sentence_move_together(open_page, server, language):
    with server.app.app_context():
        account_id, user_id = db.session.execute(
            sa.select(Account.id, User.id).join(User, User.account_id == Account.id)
            .where(Account.name == "Downtown Motors", User.role == "admin")).first()
        scope = server.app.extensions["segments"].scope(Actor(account_id=account_id, user_id=user_id, role="admin"))
        import_id = service.create_import(scope, io.BytesIO(FILE), "together.csv").id
        db.session.remove()
    # A resumed import waits in the queue with rows checked by its first run.
    _set(server, import_id, status="queued", rows_total=30000, rows_validated=20000)
    page = open_page(language)
    sign_in(page, server.url, "admin")
    page.goto(f"{server.url}/segments/imports/{import_id}")
    waiting, running, checked = WORDS[language]
    expect(page.locator("#import-status")).to_have_text(waiting)
    assert page.locator("#import-progress-bar").get_attribute("value") is None
    # A worker takes it: the badge, the bar and the sentence change together.
    _set(server, import_id, status="running")
    expect(page.locator("#import-status")).to_have_text(running)
    expect(page.locator("#import-progress-text")).to_have_text(checked)
    expect(page.locator("#import-progress-bar")).to_have_attribute("value", "20000")
    # Leave nothing running for the other tests of this server.
    _set(server, import_id, status="failed", error_code="internal_error")
