"""The plugin's pieces on the host's own pages, in the demo host: the contact panel's segment
chips in the conversation view, and the audience picker in the bulk-message composer (with and
without JavaScript, by keyboard alone), whose count is what the sender then records in the
outbox and what the confirmation states. In English and Brazilian Portuguese, at 1,280 and 390 px.
"""

import re

import pytest
from playwright.sync_api import expect

from contact_segments.demo.models import Account, OutboxMessage, db
from contact_segments.models import Contact

from .conftest import shot, sign_in

LOCALES = {"en": "en-US", "pt_BR": "pt-BR"}
CASES = [(language, width) for language in LOCALES for width in (1280, 390)]
SEGMENTS_LABEL = {"en": "Segments", "pt_BR": "Segmentos"}
ACCOUNT = "Downtown Motors"


def _audience(server, include_names, exclude_names):
    """Segment ids of the demo account by name, and the expected counts per channel."""
    with server.app.app_context():
        state = server.app.extensions["segments"]
        account = db.session.execute(db.select(Account).where(Account.name == ACCOUNT)).scalar_one()
        by_name = {item.name: item.id for item in state.pm.hook.segments_audience_segments(account_id=account.id)}
        include = [by_name[name] for name in include_names]
        exclude = [by_name[name] for name in exclude_names]
        counts = {channel: state.pm.hook.segments_count_recipients(
            account_id=account.id, include=include, exclude=exclude, channel=channel) for channel in ("sms", "email")}
        return include, exclude, counts


def _last_batch(server):
    """(channel, number of messages) of the newest batch in the outbox."""
    with server.app.app_context():
        newest = db.session.execute(db.select(OutboxMessage).order_by(OutboxMessage.id.desc())).scalars().first()
        rows = db.session.execute(db.select(OutboxMessage.contact_id).where(OutboxMessage.batch == newest.batch)).all()
        return newest.channel, len(rows), len({row[0] for row in rows})


#: Screenshots that also go to docs/screenshots/ (the README's and docs/pages.md's).
DOCS_SHOTS = {("en", 1280), ("en", 390)}


def _shot_name(what, language, width):
    """``what`` for the desktop English page, ``what-phone`` for its phone size, else both named."""
    return {("en", 1280): what, ("en", 390): f"{what}-phone"}.get((language, width), f"{what}-{language}-{width}")


def _written(language, number):
    return f"{number:,}".replace(",", "." if language == "pt_BR" else ",")


@pytest.mark.parametrize("language,width", CASES)
def test_conversation_view_shows_separate_labelled_chips(server, open_page, language, width):
    page = open_page(language, width)
    sign_in(page, server.url, "consultant", ACCOUNT)
    page.goto(server.url + "/conversations")
    with server.app.app_context():
        account = db.session.execute(db.select(Account).where(Account.name == ACCOUNT)).scalar_one()
        state = server.app.extensions["segments"]
        contact_id, names = next((contact.id, [item.name for item in state.pm.hook.segments_contact_segments(
            account_id=account.id, contact_id=contact.id)]) for contact in db.session.execute(
            db.select(Contact).where(Contact.account_id == account.id).order_by(Contact.id)).scalars()
            if len(state.pm.hook.segments_contact_segments(account_id=account.id, contact_id=contact.id)) >= 3)
    page.click(f"a[href='/contacts/{contact_id}']")
    page.wait_for_url(f"**/contacts/{contact_id}")
    page.wait_for_load_state("load")  # the chips' stylesheet is applied before their style is read
    panel = page.locator(".segments-contact-segments")
    expect(panel.locator(".segments-contact-segments__label")).to_have_text(SEGMENTS_LABEL[language], ignore_case=True)
    chips = panel.locator(".segments-chip")
    expect(chips).to_have_text(names)
    boxes = [chips.nth(index).bounding_box() for index in range(chips.count())]
    for first, second in zip(boxes, boxes[1:]):  # separate: no chip touches the next one
        same_line = abs(first["y"] - second["y"]) < 2
        assert (second["x"] >= first["x"] + first["width"] + 4) if same_line else second["y"] >= first["y"] + first["height"]
    style = chips.first.evaluate("chip => { const s = getComputedStyle(chip);"
                                 " return [parseFloat(s.fontSize), s.borderTopStyle, s.paddingLeft]; }")
    assert style[0] >= 12 and style[1] != "none"
    assert page.evaluate("document.documentElement.scrollWidth") <= width  # nothing wider than the phone
    expect(page.locator(".demo-messages li")).not_to_have_count(0)
    shot(page, _shot_name("conversation", language, width), docs=(language, width) in DOCS_SHOTS)


@pytest.mark.parametrize("language,width", CASES)
def test_picker_with_keyboard_counts_what_the_sender_sends(server, open_page, language, width):
    include, exclude, counts = _audience(server, ["Downtown Store", "North Region"], ["Service Plan Basic"])
    page = open_page(language, width)
    sign_in(page, server.url, "manager", ACCOUNT)
    page.goto(server.url + "/compose")
    picker = page.locator(".segments-picker")
    expect(picker).to_have_attribute("data-ready", "true")
    search = page.locator("input[name=segment_search]")
    search.focus()
    for value, field in [(include[0], "include"), (include[1], "include"), (exclude[0], "exclude")]:
        name = page.locator(f"input[name={field}][value='{value}']").evaluate(
            "box => box.closest('tr').querySelector('th').textContent")
        search.fill("")
        search.focus()
        page.keyboard.type(name[:8])
        page.keyboard.press("Enter")  # must not submit the composer
        expect(page.locator(".segments-picker__row:not([hidden])")).not_to_have_count(0)
        box = page.locator(f"input[name={field}][value='{value}']")
        for _ in range(12):  # Tab along the visible rows until the wanted box has the focus
            page.keyboard.press("Tab")
            if box.evaluate("box => box === document.activeElement"):
                break
        page.keyboard.press("Space")
        expect(box).to_be_checked()
    assert page.url.endswith("/compose")
    expect(page.locator(".segments-picker__row", has_text="SUV Owners")).to_be_hidden()  # no match, not chosen
    expect(page.locator("output[data-channel=sms]")).to_have_text(_written(language, counts["sms"]))
    expect(page.locator("output[data-channel=email]")).to_have_text(_written(language, counts["email"]))
    shot(page, _shot_name("audience-picker", language, width), docs=(language, width) in DOCS_SHOTS, full_page=True)
    page.locator("input[name=channel][value=email]").focus()
    page.keyboard.press("Space")
    page.locator("#body").focus()
    page.keyboard.type("Hello {first_name}")
    page.keyboard.press("Tab")
    with page.expect_navigation():
        page.keyboard.press("Enter")  # "Review and send"
    question = page.locator("#confirm-question")
    expect(question).to_have_text(f"Send to {_written(language, counts['email'])} contacts by email?")
    shot(page, _shot_name("bulk-confirm", language, width), docs=(language, width) in DOCS_SHOTS)
    with page.expect_navigation():
        page.locator("button[value=confirm]").click()
    assert _last_batch(server) == ("email", counts["email"], counts["email"])


@pytest.mark.parametrize("language,width", CASES)
def test_picker_without_javascript_counts_what_the_sender_sends(server, open_page, language, width):
    include, exclude, counts = _audience(server, ["South Region", "SUV Owners"], ["Service Plan Gold"])
    page = open_page(language, width, javascript=False)
    sign_in_without_script(page, server.url, "consultant")
    page.goto(server.url + "/compose")
    page.fill("input[name=segment_search]", "region")
    page.click("button[value=search]")
    expect(page.locator(".segments-picker__row")).to_have_count(2)  # North and South Region
    page.check(f"input[name=include][value='{include[0]}']")
    page.fill("input[name=segment_search]", "")
    page.click("button[value=search]")
    page.check(f"input[name=include][value='{include[1]}']")
    page.check(f"input[name=exclude][value='{exclude[0]}']")
    page.click("button[value=count]")
    expect(page.locator("output[data-channel=sms]")).to_have_text(_written(language, counts["sms"]))
    expect(page.locator("output[data-channel=email]")).to_have_text(_written(language, counts["email"]))
    page.fill("#body", "Service reminder")
    page.click("button[value=send]")
    expect(page.locator("#confirm-question")).to_have_text(f"Send to {_written(language, counts['sms'])} contacts by SMS?")
    page.click("button[value=confirm]")
    assert _last_batch(server) == ("sms", counts["sms"], counts["sms"])


def sign_in_without_script(page, base_url, role):
    """The top bar's user switch without JavaScript: choose, then press Switch."""
    page.goto(base_url + "/conversations")
    value = page.locator("#demo-user option", has_text=f"({ACCOUNT}) — {role}").get_attribute("value")
    page.select_option("#demo-user", value)
    page.locator("form.demo-switch-user button[type=submit]").click()
    expect(page.locator("#demo-user option:checked")).to_contain_text(role)


def test_language_switch_and_role_hint(server, open_page):
    page = open_page("en", 1280)
    sign_in(page, server.url, "consultant", ACCOUNT)
    expect(page.locator("#demo-role-hint")).to_contain_text("cannot rename or delete")
    with page.expect_navigation():
        page.select_option("#demo-locale", "pt_BR")
    expect(page.locator("html")).to_have_attribute("lang", "pt-BR")
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("Contatos"))
    with page.expect_navigation():
        page.select_option("#demo-locale", "auto")
    expect(page.locator("html")).to_have_attribute("lang", "en")



@pytest.mark.parametrize("language,width", CASES)
def test_a_name_in_the_contacts_list_opens_its_conversation(server, open_page, language, width):
    page = open_page(language, width)
    sign_in(page, server.url, "consultant", ACCOUNT)
    page.goto(server.url + "/segments/")
    name = page.locator("a.seg-contact-link").first
    expect(name).to_be_visible()
    label = name.inner_text().strip()
    name.click()
    page.wait_for_url(re.compile(r".*/contacts/\d+$"))
    expect(page.locator("body")).to_contain_text(label)
    expect(page.locator(".segments-contact-segments__label")).to_have_text(SEGMENTS_LABEL[language], ignore_case=True)
