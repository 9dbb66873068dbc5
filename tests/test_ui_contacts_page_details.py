"""The contacts page's counts, empty views, name fields, dialog answers and permission notes,
through Flask's test client on SQLite and PostgreSQL (the browser checks are in
tests/browser/): every count goes through plural forms and the language's number format, the
script gets every plural form of its sentences, an empty view offers no action on nothing and
the way back, a name field states its limit and a longer name is refused (never cut), the
dialogs' forms get JSON answers, and a consultant reads why there is no rename or delete."""

import html as html_lib
import json
import re

import pytest
import sqlalchemy as sa
from flask import g

from contact_segments import segments
from contact_segments.blueprints import ui_contacts
from contact_segments.blueprints.ui_plurals import plural_witnesses
from contact_segments.demo.models import db
from contact_segments.models import Segment

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
JSON = {"Accept": "application/json"}


@pytest.fixture
def app_config():
    return {"SEGMENTS_PAGE_SIZE": 10}


@pytest.fixture
def client_as(app, account):
    """Factory: a test client signed in as ``role`` of the account, with a CSRF token."""

    def make(role="manager"):
        client = app.test_client()
        with client.session_transaction() as session:
            session["user_id"] = account[1][role]
        client.csrf = TOKEN.search(client.get("/segments/").get_data(as_text=True)).group(1)
        return client

    return make


def page(client, url="/segments/", language="en"):
    g.pop("demo_user", None)  # the demo host keeps the signed-in user on the tests' long-lived g
    response = client.get(url, headers={"Accept-Language": language})
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


def attribute(html, element_id, name):
    """The unescaped value of attribute ``name`` of the element with ``element_id``."""
    tag = re.search(rf'<[a-z]+ [^>]*id="{element_id}"[^>]*>', html, re.S).group(0)
    return html_lib.unescape(re.search(rf'{name}="([^"]*)"', tag).group(1))


def segment_names(account_id):
    return sorted(db.session.execute(sa.select(Segment.name).where(Segment.account_id == account_id)).scalars())


@pytest.mark.parametrize("locale, witnesses", [
    ("en", {"one": 1, "other": 2}), ("de", {"one": 1, "other": 2}),
    ("pt_BR", {"one": 1, "other": 2, "many": 1_000_000}), ("fr", {"one": 1, "other": 2, "many": 1_000_000}),
    ("pl", {"one": 1, "few": 2, "many": 5}),
])
def test_every_plural_category_of_a_language_has_a_witness(locale, witnesses):
    assert plural_witnesses(locale) == witnesses


def test_the_script_gets_every_plural_form_of_its_sentences(client_as, account, make_contacts):
    make_contacts(account[0], 3)
    client = client_as()
    ticked = json.loads(attribute(page(client, language="pt-BR"), "bulk-summary", "data-some"))
    assert ticked == {"one": "%(num)s contato selecionado nesta página.",
                      "many": "%(num)s contatos selecionados nesta página.",
                      "other": "%(num)s contatos selecionados nesta página."}
    polish = page(client, language="pl")
    assert set(json.loads(attribute(polish, "bulk-summary", "data-some"))) == {"one", "few", "many"}
    assert json.loads(attribute(polish, "create-dialog-count", "data-some"))["few"] == (
        "Zostaną do niego dodane %(num)s zaznaczone kontakty.")
    assert attribute(polish, "segments-root", "data-locale") == "pl"
    # "All N matching" is written whole by the server: its count is known.
    assert attribute(page(client, language="de"), "bulk-summary", "data-all") == (
        "Alle 3 passenden Kontakte sind ausgewählt.")


def test_a_single_match_and_a_count_that_stops_early(client_as, account, make_contacts, monkeypatch):
    make_contacts(account[0], 25)
    client = client_as()
    one = page(client, "/segments/?q=First7")
    assert attribute(one, "bulk-summary", "data-all") == "The matching contact is selected."
    monkeypatch.setattr(ui_contacts, "COUNT_CAP", 20)
    capped = page(client, language="de")
    assert attribute(capped, "bulk-summary", "data-all") == (
        "Alle passenden Kontakte (mehr als 20) sind ausgewählt.")
    assert attribute(capped, "create-dialog-count", "data-all") == (
        "Alle passenden Kontakte (mehr als 20) werden in das Segment aufgenommen.")
    assert "+" not in attribute(capped, "bulk-summary", "data-all")


def test_an_empty_search_offers_no_action_and_the_way_back(client_as, account, make_contacts, scope_for):
    ids = make_contacts(account[0], 3)
    north = segments.create(scope_for(), "North", contact_ids=ids[:1])
    client = client_as()
    nothing = page(client, f"/segments/?q=zzqx&segment={north.id}&sort=name")
    assert 'id="select-all-matching"' not in nothing and 'id="bulk-menu"' not in nothing
    assert "No contact in “North” matches “zzqx”." in nothing
    assert f'href="/segments/?segment={north.id}&amp;sort=name">Clear the search' in nothing
    assert 'href="/segments/?q=zzqx&amp;sort=name">Search all contacts' in nothing
    empty = segments.create(scope_for(), "Nobody")
    nobody = page(client, f"/segments/?segment={empty.id}", language="pt-BR")
    assert "O segmento “Nobody” ainda não tem contatos." in nobody
    assert 'href="/segments/">Mostrar todos os contatos' in nobody
    assert 'id="select-all-matching"' not in nobody
    assert 'id="select-all-matching"' in page(client)


def test_a_consultant_reads_why_there_is_no_rename_or_delete(client_as, scope_for):
    segments.create(scope_for(), "North")
    consultant = page(client_as("consultant"), language="pt-BR")
    assert "Somente gerentes e administradores podem renomear ou excluir segmentos." in consultant
    assert "data-delete=" not in consultant and "data-rename=" not in consultant
    manager = page(client_as("manager"))
    assert 'id="segment-permission-note"' not in manager and "data-delete=" in manager


def test_name_fields_state_the_limit_and_refuse_a_longer_name(client_as, account):
    client = client_as()
    contacts_page = page(client)
    assert "maxlength" not in contacts_page
    assert attribute(contacts_page, "create-name", "data-max-length") == "100"
    assert 'id="create-name-limit">Up to 100 characters.' in contacts_page
    long_name = "N" * 101
    refused = client.post("/segments/new", data={"csrf_token": client.csrf, "name": long_name})
    body = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert "The segment name is too long: use at most 100 characters." in body
    assert f'value="{long_name}"' in body and "maxlength" not in body
    assert segment_names(account[0]) == []


def test_dialog_forms_get_json_answers(client_as, account, make_contacts, scope_for):
    ids = make_contacts(account[0], 2)
    segments.create(scope_for(), "Existing")
    client = client_as()
    form = {"csrf_token": client.csrf, "contact_ids": [str(ids[0])]}
    blank = client.post("/segments/new", data={**form, "name": "  "},
                        headers={**JSON, "Accept-Language": "pt-BR"})
    assert blank.status_code == 422
    assert blank.json == {"code": "name_required", "field": "name",
                          "message": "Dê um nome ao segmento (1 a 100 caracteres)."}
    taken = client.post("/segments/new", data={**form, "name": "EXISTING"}, headers=JSON)
    assert taken.status_code == 409 and taken.json["message"] == (
        'A segment named "Existing" already exists. Choose another name.')
    created = client.post("/segments/new", data={**form, "name": "Fresh"}, headers=JSON)
    fresh = db.session.execute(sa.select(Segment).where(Segment.name == "Fresh")).scalar_one()
    assert created.status_code == 200 and created.json == {"redirect": f"/segments/?segment={fresh.id}"}
    assert fresh.member_count == 1
    assert 'Segment "Fresh" created with 1 contact.' in html_lib.unescape(page(client, created.json["redirect"]))

    rename = f"/segments/{fresh.id}/rename"
    too_long = client.post(rename, data={"csrf_token": client.csrf, "name": "N" * 101}, headers=JSON)
    assert too_long.status_code == 422 and too_long.json["code"] == "name_too_long"
    renamed = client.post(rename, data={"csrf_token": client.csrf, "name": "Fresher"}, headers=JSON)
    assert renamed.json == {"redirect": f"/segments/?segment={fresh.id}"}
    segments.delete(scope_for(), fresh.id)
    gone = client.post(rename, data={"csrf_token": client.csrf, "name": "Again"}, headers=JSON)
    assert gone.status_code == 404 and gone.json["redirect"] == "/segments/"
    assert "This segment no longer exists" in page(client, gone.json["redirect"])
    assert segment_names(account[0]) == ["Existing"]
