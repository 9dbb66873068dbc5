"""The contacts list as a consultant lives in it, in a real browser, in English and Brazilian
Portuguese, on a desktop (1,280 px) and a phone (390 px): search as people type (phone numbers in
any form, names without their accents), where am I ("1–50 of 130", first / previous / next /
last), sorting by name, the contacts of one import, phone numbers shown readably."""

import re
import time

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from contact_segments.contact_search import fold
from contact_segments.demo.models import Account, User, db
from contact_segments.models import Contact

from .conftest import shot, sign_in

VIEWPORTS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}
POSITION = {"en-US": "{first}–{last} of {total}", "pt-BR": "{first}–{last} de {total}"}
PEOPLE = [("João", "Araújo", "+14155551011", None), ("JOÃO", "Silva", "+5511987654321", None),
          ("Joao", "Souza", None, "joao.souza@example.com"), ("Ana", "Araújo", "+14155551012", None)]
LIST_SIZE = 130


def _make_account(app, name, people):
    """An account with a consultant and ``people`` (first, last, mobile, email) as contacts."""
    with app.app_context():
        account = Account(name=name)
        db.session.add(account)
        db.session.flush()
        db.session.add(User(account_id=account.id, name=f"Lee Consultant ({name})", role="consultant"))
        db.session.execute(sa.insert(Contact), [
            {"account_id": account.id, "country_code": "US", "first_name": first, "last_name": last,
             "mobile": mobile, "email": email} for first, last, mobile, email in people])
        db.session.commit()
        ids = list(db.session.execute(sa.select(Contact.id).where(Contact.account_id == account.id)
                                      .order_by(Contact.id)).scalars())
        db.session.remove()
    return ids


@pytest.fixture(scope="module")
def lista(server):
    """The account "Lista Motors": the four people above and 126 others (130 contacts)."""
    others = [(f"Person{n:03d}", "Client", f"+1415556{n:04d}", None) for n in range(LIST_SIZE - len(PEOPLE))]
    return "Lista Motors", _make_account(server.app, "Lista Motors", PEOPLE + others)


@pytest.fixture(params=["en-US", "pt-BR"])
def locale(request):
    return request.param


@pytest.fixture(params=list(VIEWPORTS))
def screen(browser, locale, request):
    """A page of the given size and language; fails on any JavaScript error."""
    context = browser.new_context(viewport=VIEWPORTS[request.param], locale=locale,
                                  is_mobile=request.param == "phone", has_touch=request.param == "phone")
    context.set_default_timeout(15_000)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.screen_name = request.param
    yield page
    context.close()
    assert not errors, errors


def search(page, text):
    """Type ``text`` in the contact search box and submit it as a person does (Enter)."""
    page.fill("#contact-search", text)
    with page.expect_navigation():
        page.press("#contact-search", "Enter")


def names(page):
    return [label.strip() for label in page.locator("tbody th label").all_inner_texts()]


def fits_the_screen(page):
    width = page.viewport_size["width"]
    wide = page.evaluate("""width => [...document.querySelectorAll('body *')]
        .filter(element => element.getBoundingClientRect().right > width)
        .map(element => element.tagName + '.' + element.className + ' ' + Math.round(element.getBoundingClientRect().right))""", width)
    assert page.evaluate("document.documentElement.scrollWidth") <= width, wide
    for box in (link.bounding_box() for link in page.locator(".seg-pagination__link").all()):
        assert box["x"] >= 0 and box["x"] + box["width"] <= width


def test_search_finds_what_people_type(screen, server, lista, locale):
    page = screen
    sign_in(page, server.url, "consultant", account=lista[0])
    for typed in ("(415) 555-1011", "415-555-1011", "+1 415 555 1011"):
        search(page, typed)
        expect(page.locator("tbody tr")).to_have_count(1)
        expect(page.locator("tbody tr td.seg-table__phone")).to_have_text("+1 415-555-1011")
    search(page, "(11) 98765-4321")
    expect(page.locator("tbody tr td.seg-table__phone")).to_have_text(["+55 11 98765-4321"])
    search(page, "araujo")
    expect(page.locator("tbody th label")).to_have_text(["João Araújo", "Ana Araújo"])
    search(page, "joao")
    expect(page.locator("tbody th label")).to_have_text(["João Araújo", "JOÃO Silva", "Joao Souza"])
    fits_the_screen(page)
    shot(page, f"contacts-search-{locale}-{page.screen_name}")


def test_where_am_i_in_the_list(screen, server, lista, locale):
    page = screen
    sign_in(page, server.url, "consultant", account=lista[0])
    position = page.locator("#page-position")
    expected = POSITION[locale]
    expect(position).to_have_text(expected.format(first=1, last=50, total=LIST_SIZE))
    expect(page.locator("#previous-page")).to_have_count(0)  # no previous page on the first
    fits_the_screen(page)
    page.click("#last-page")
    expect(position).to_have_text(expected.format(first=101, last=130, total=LIST_SIZE))
    expect(page.locator("tbody tr")).to_have_count(30)
    expect(page.locator("#next-page")).to_have_count(0)
    page.click("#previous-page")
    expect(position).to_have_text(expected.format(first=51, last=100, total=LIST_SIZE))
    page.click("#next-page")
    expect(position).to_have_text(expected.format(first=101, last=130, total=LIST_SIZE))
    page.click("#first-page")
    expect(position).to_have_text(expected.format(first=1, last=50, total=LIST_SIZE))
    expect(page.locator("tbody tr").first.locator("th label")).to_have_text("João Araújo")
    fits_the_screen(page)
    shot(page, f"contacts-pages-{locale}-{page.screen_name}", full_page=True)


def test_sort_by_name(screen, server, lista, locale):
    page = screen
    sign_in(page, server.url, "consultant", account=lista[0])
    with server.app.app_context():
        rows = db.session.execute(sa.select(Contact.first_name, Contact.last_name, Contact.id)
                                  .where(Contact.id.in_(lista[1]))).all()
        db.session.remove()
    by_name = [f"{first} {last}" for first, last, _ in
               sorted(rows, key=lambda row: (fold(f"{row[0]} {row[1]}"), row[2]))]
    page.select_option("#contact-sort", "name")  # the list reloads in that order by itself
    expect(page).to_have_url(re.compile(r"[?&]sort=name"))
    expect(page.locator("tbody th label")).to_have_text(by_name[:50])
    page.click("#last-page")
    expect(page.locator("tbody th label")).to_have_text(by_name[100:])
    expect(page.locator("#contact-sort")).to_have_value("name")
    fits_the_screen(page)


def test_view_the_imported_contacts(screen, server, locale):
    """After an import, "View the imported contacts" lists exactly what it created or updated."""
    page = screen
    account = f"Imp {locale[-2:]} {page.screen_name[0]}"  # short: the demo's user menu fits a phone
    existing = _make_account(server.app, account, [("Ada", "Before", None, "ada@example.com"),
                                                   ("Bo", "Kept", None, "bo@example.com")])
    sign_in(page, server.url, "consultant", account=account)
    page.goto(server.url + "/segments/contacts/new")
    content = ("Country Code,First Name,Last Name,Mobile Number,Email\n"
               "US,Ada,After,,ada@example.com\n"          # updated
               "US,Bo,Kept,,bo@example.com\n"             # unchanged
               "US,Cy,New,4155551099,\n"                  # created
               "US,Di,New,,di@example.com\n"              # created
               "US,Broken,Row,,\n")                       # failed
    page.set_input_files("#import-file", files=[{"name": "week.csv", "mimeType": "text/csv",
                                                 "buffer": content.encode()}])
    page.click("#import-button")
    expect(page.locator("#imported-contacts-link")).to_be_visible(timeout=60_000)
    page.click("#imported-contacts-link")
    expect(page.locator("#import-filter")).to_contain_text("week.csv")
    expect(page.locator("tbody th label")).to_have_text(["Ada After", "Cy New", "Di New"])
    expect(page.locator("tbody tr td.seg-table__phone").nth(1)).to_have_text("+1 415-555-1099")
    assert existing[1] not in [int(value) for value in page.locator(".contact-check").evaluate_all(
        "boxes => boxes.map(box => box.value)")]
    fits_the_screen(page)
    shot(page, f"contacts-imported-{locale}-{page.screen_name}")
    page.locator("#import-filter a").click()  # back to every contact
    expect(page.locator("tbody tr")).to_have_count(4)
    # The result page's notifications are dismissed so that other tests see none.
    deadline = time.monotonic() + 15
    while page.locator(".seg-toast button").count() and time.monotonic() < deadline:
        count = page.locator(".seg-toast").count()
        page.locator(".seg-toast button").first.click()
        expect(page.locator(".seg-toast")).to_have_count(count - 1)
