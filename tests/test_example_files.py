"""The Example file in every page language: the language's headers and the list separator its
Excel expects, a sample row of its country, the account's own segment names, and it imports
back as it is; the API's template in English unless ``lang`` says otherwise. Through Flask's
test client on SQLite and PostgreSQL."""

import csv
import io

import openpyxl
import pytest
import sqlalchemy as sa

from contact_segments import segments
from contact_segments.blueprints.ui_i18n import SUPPORTED_LOCALES
from contact_segments.demo.models import db
from contact_segments.imports.columns import field_for_header
from contact_segments.imports.template import (
    LIST_SEPARATORS, SAMPLES, example_language, sample_segment_names, template_header,
)
from contact_segments.models import Contact
from api_client import api_client
from test_ui_imports import upload, wait_until_ended

BROWSER_LANGUAGE = {"en": "en-US", "pt_BR": "pt-BR", "fr": "fr-FR", "de": "de-DE", "es": "es-ES",
                    "it": "it-IT", "pl": "pl-PL"}


@pytest.fixture
def client(app, account):
    """The account's consultant, with a CSRF token for uploads."""
    client = app.test_client()
    with client.session_transaction() as session:
        session["user_id"] = account[1]["consultant"]
    client.csrf = client.get("/segments/contacts/new").get_data(as_text=True).split(
        'name="csrf_token" value="', 1)[1].split('"', 1)[0]
    return client


def download(client, kind, language):
    response = client.get(f"/segments/import/example.{kind}",
                          headers={"Accept-Language": BROWSER_LANGUAGE[language]})
    assert response.status_code == 200
    return response.data


def read_csv(data, language):
    text = data.decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=LIST_SEPARATORS[language]))


@pytest.mark.parametrize("language", SUPPORTED_LOCALES)
def test_the_example_speaks_the_pages_language_and_imports_back(client, scope_for, account, language):
    for name in ("=Formula first", "Plano Ouro", "Região Sul", "Zona Norte"):
        segments.create(scope_for(), name)
    header, row = read_csv(download(client, "csv", language), language)
    assert header == template_header(language)
    assert [field_for_header(cell) for cell in header] == [
        "country_code", "first_name", "last_name", "mobile", "email", "account_number",
        "organization", "external_id", "segments"]
    assert row[0] == SAMPLES[language].country_code
    # The account's own names (the first two by name), never one a spreadsheet would run.
    assert row[-1] == "Plano Ouro; Região Sul"

    sheet = openpyxl.load_workbook(io.BytesIO(download(client, "xlsx", language))).worksheets[0]
    assert [cell.value for cell in sheet[1]] == header and [cell.value for cell in sheet[2]] == row

    response = upload(client, download(client, "csv", language), name="contacts-import-example.csv")
    status = wait_until_ended(client, int(response.location.rstrip("/").rsplit("/", 1)[1]))
    assert (status["status"], status["created"], status["failed"]) == ("finished", 1, 0)
    contact = db.session.execute(sa.select(Contact).where(
        Contact.account_id == account[0], Contact.email == SAMPLES[language].email)).scalar_one()
    assert contact.country_code == SAMPLES[language].country_code
    names = sorted(item.name for item in segments.list_segments(scope_for(), search="").items
                   if item.member_count)
    assert names == ["Plano Ouro", "Região Sul"]


def test_an_account_without_segments_gets_the_sample_names(client):
    header, row = read_csv(download(client, "csv", "pt_BR"), "pt_BR")
    assert row[-1] == "Plano de Revisão; Loja Centro"


def test_excel_instructions_are_in_the_pages_language(client):
    workbook = openpyxl.load_workbook(io.BytesIO(download(client, "xlsx", "de")))
    assert workbook.sheetnames == ["Kontakte", "Anleitung"]
    rules = workbook["Anleitung"]
    assert [cell.value for cell in rules[1]] == ["Spalte", "Pflicht", "Was eintragen"]
    assert [cell.value for cell in rules[2]][:2] == ["Ländercode", "Ja"]


@pytest.mark.parametrize("locale, language", [
    ("pt_BR", "pt_BR"), ("pt-BR", "pt_BR"), ("pt", "pt_BR"), ("de_AT", "de"), ("ja", "en"), ("", "en"),
])
def test_example_language_of_a_locale(locale, language):
    assert example_language(locale) == language


def test_segment_names_a_cell_cannot_hold_as_they_are_are_left_out():
    assert sample_segment_names(["+Plus", "-Minus", "@At", "A;B", "Fine", "Also fine", "Third"]) == [
        "Fine", "Also fine"]


def test_the_api_template_is_english_unless_asked(app, account):
    client = api_client(app)
    with client.session_transaction() as session:
        session["user_id"] = account[1]["consultant"]
    english = client.get("/api/segments/imports/template.csv").get_data(as_text=True).lstrip("\ufeff")
    assert english.startswith("Country Code,First Name,Last Name")
    for lang in ("pt_BR", "pt-BR"):
        portuguese = client.get(f"/api/segments/imports/template.csv?lang={lang}").get_data(as_text=True)
        assert portuguese.lstrip("\ufeff").startswith("Código do país;Nome;Sobrenome;")
    sheet = openpyxl.load_workbook(io.BytesIO(client.get(
        "/api/segments/imports/template.xlsx?lang=fr").data)).worksheets[0]
    assert sheet.title == "Contacts" and sheet["A1"].value == "Code pays" and sheet["A2"].value == "FR"
    refused = client.get("/api/segments/imports/template.csv?lang=xx")
    assert refused.status_code == 422
