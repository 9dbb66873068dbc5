"""The create and rename dialogs keep the user where they are: a refused name (blank, taken)
is explained inside the dialog, the ticked contacts stay ticked, and a fixed name goes through.
A consultant, who may not rename or delete segments, is told so where those controls would be."""

import pytest
from playwright.sync_api import expect

from .conftest import shot, sign_in
from .localized import LANGUAGES, WIDTHS, add_dealership
from .test_contacts_flows import open_dropdown, search_segments, segment_item

ACCOUNT = "Dialog Motors"

TEXTS = {
    "en": {"blank": "Give the segment a name (1 to 100 characters).",
           "taken": 'A segment named "Existing One" already exists. Choose another name.',
           "created": 'Segment "Fresh en" created with 2 contacts.',
           "renamed": 'Segment "Fresh en" renamed to "Fresher en".',
           "why": "Only managers and admins can rename or delete segments."},
    "pt_BR": {"blank": "Dê um nome ao segmento (1 a 100 caracteres).",
              "taken": 'Já existe um segmento chamado "Existing One". Escolha outro nome.',
              "created": 'Segmento "Fresh pt_BR" criado com 2 contatos.',
              "renamed": 'Segmento "Fresh pt_BR" renomeado para "Fresher pt_BR".',
              "why": "Somente gerentes e administradores podem renomear ou excluir segmentos."},
}


@pytest.fixture(scope="module")
def dialogs(server):
    """A dealership with twelve contacts and the segment "Existing One"."""
    add_dealership(server, ACCOUNT, 12, segment_members={"Existing One": 1})
    return ACCOUNT


@pytest.mark.parametrize("language", LANGUAGES)
def test_create_and_rename_errors_show_in_the_dialog(open_page, server, dialogs, language):
    text = TEXTS[language]
    page = open_page(language)
    sign_in(page, server.url, "manager", account=dialogs)
    url = page.url
    for box in page.locator(".contact-check").all()[3:5]:
        box.check()
    page.click("#create-segment-button")
    name, error = page.locator("#create-name"), page.locator("#create-error")
    submit = page.locator("#create-dialog button[type=submit]")

    page.fill("#create-name", "   ")  # spaces pass the browser's "required" check
    submit.click()
    expect(error).to_have_text(text["blank"])
    expect(name).to_have_attribute("aria-invalid", "true")
    expect(name).to_be_focused()
    expect(page.locator("#create-dialog")).to_be_visible()

    page.fill("#create-name", "existing one")
    submit.click()
    expect(error).to_have_text(text["taken"])
    expect(page.locator("#create-dialog")).to_be_visible()
    expect(name).to_have_value("existing one")
    assert page.url == url  # still on the contacts page ...
    expect(page.locator(".contact-check:checked")).to_have_count(2)  # ... with the same ticks
    shot(page, f"create-dialog-error-{language}")

    page.fill("#create-name", f"Fresh {language}")
    expect(error).to_be_hidden()  # typing again clears the old refusal
    submit.click()
    expect(page.locator(".seg-message--success")).to_have_text(text["created"])
    expect(page.locator("tbody tr")).to_have_count(2)

    # Renaming to a name that is taken: the same, in the rename dialog.
    search_segments(page, f"fresh {language}", [f"Fresh {language}"])
    segment_item(page, f"Fresh {language}").locator("[data-rename]").click()
    page.fill("#rename-name", "EXISTING ONE")
    page.locator("#rename-dialog button[type=submit]").click()
    expect(page.locator("#rename-error")).to_have_text(text["taken"])
    expect(page.locator("#rename-dialog")).to_be_visible()
    page.fill("#rename-name", f"Fresher {language}")
    page.locator("#rename-dialog button[type=submit]").click()
    expect(page.locator(".seg-message--success")).to_have_text(text["renamed"])


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("language", LANGUAGES)
def test_a_consultant_is_told_why_there_is_no_rename_or_delete(open_page, server, dialogs, language, width):
    text = TEXTS[language]
    page = open_page(language, width)
    sign_in(page, server.url, "consultant", account=dialogs)
    open_dropdown(page)
    reason = page.locator("#segment-permission-note")
    expect(reason).to_have_text(text["why"])
    expect(page.locator("#segment-list [data-delete], #segment-list [data-rename]")).to_have_count(0)
    page.fill("#segment-search", "existing")  # the list the script rebuilds keeps the reason
    expect(page.locator("#segment-list .seg-dropdown__name")).to_have_text(["Existing One"])
    expect(reason).to_be_visible()
    shot(page, f"consultant-dropdown-{language}-{width}")

    manager = open_page(language, width)
    sign_in(manager, server.url, "manager", account=dialogs)
    open_dropdown(manager)
    expect(manager.locator("#segment-list [data-delete]").first).to_be_visible()
    expect(manager.locator("#segment-permission-note")).to_have_count(0)
