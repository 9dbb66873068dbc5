"""Where am I in the contacts list: "1–10 of 25" (or "of more than N"), first / previous / next /
last pages by keyset in both directions, sorted by name, most recently added or first added; the
contacts of one import; phone numbers shown readably (exports and the API keep E.164). Through
Flask's test client on SQLite and PostgreSQL."""

import io
import re
import time

import pytest
import sqlalchemy as sa
from flask import g

from contact_segments import Actor, export, segments
from contact_segments.blueprints import ui_contacts
from contact_segments.contact_search import fold
from contact_segments.demo.models import db
from contact_segments.models import Contact

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
IDS = re.compile(r'name="contact_ids" value="(\d+)"')


@pytest.fixture
def app_config():
    return {"SEGMENTS_PAGE_SIZE": 10}


@pytest.fixture
def client(app, account):
    client = app.test_client()
    with client.session_transaction() as session:
        session["user_id"] = account[1]["manager"]
    return client


def get(client, url, language="en"):
    response = client.get(url, headers={"Accept-Language": language})
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


def shown(html):
    return [int(value) for value in IDS.findall(html)]


def position(html):
    found = re.search(r'<p class="seg-pagination__position" id="page-position">([^<]*)</p>', html)
    return found.group(1).strip() if found else None


def link(html, link_id):
    found = re.search(rf'<a href="([^"]+)"[^>]*id="{link_id}"', html)
    return found.group(1).replace("&amp;", "&") if found else None


def test_position_and_first_previous_next_last(client, account, make_contacts):
    ids = make_contacts(account[0], 25)
    html = get(client, "/segments/")
    assert shown(html) == ids[:10] and position(html) == "1–10 of 25"
    assert link(html, "first-page") is None and link(html, "previous-page") is None
    html = get(client, link(html, "next-page"))
    assert shown(html) == ids[10:20] and position(html) == "11–20 of 25"
    html = get(client, link(html, "last-page"))
    assert shown(html) == ids[20:] and position(html) == "21–25 of 25"
    assert link(html, "next-page") is None and link(html, "last-page") is None
    html = get(client, link(html, "previous-page"))
    assert shown(html) == ids[10:20] and position(html) == "11–20 of 25"
    html = get(client, link(html, "previous-page"))
    assert shown(html) == ids[:10] and position(html) == "1–10 of 25"
    assert link(html, "previous-page") is None
    # In Brazilian Portuguese, numbers written the Brazilian way.
    make_contacts(account[0], 1200, start=100)
    assert position(get(client, "/segments/", "pt-BR")) == "1–10 de 1.225"


def test_keyset_links_walk_every_contact_once_both_ways(client, account, make_contacts):
    ids = make_contacts(account[0], 33)
    for sort, expected in (("oldest", ids), ("newest", ids[::-1])):
        seen, url = [], f"/segments/?sort={sort}"
        while url:
            html = get(client, url)
            seen += shown(html)
            url = link(html, "next-page")
            assert url is None or "offset" not in url
        assert seen == expected
        html = get(client, link(get(client, f"/segments/?sort={sort}"), "last-page"))
        backwards = shown(html)
        while link(html, "previous-page"):
            html = get(client, link(html, "previous-page"))
            backwards = shown(html) + backwards
        assert backwards == expected


def test_sort_by_name_ignores_case_and_accents(client, account):
    names = [("Zoë", "Adams"), ("ana", "Silva"), ("Álvaro", "Costa"), ("Beatriz", "Lima"), ("ÉMILE", "Roy"),
             ("bruno", "Souza"), ("Ana", "Silva"), ("Çelik", "Deniz"), ("Ávila", "Cruz"), ("eva", "Moreau"),
             ("Olivia", "Brown"), ("Łucja", "Nowak"), ("Liam", "Wilson")]
    db.session.execute(sa.insert(Contact), [{"account_id": account[0], "first_name": first, "last_name": last}
                                            for first, last in names])
    db.session.commit()
    rows = db.session.execute(sa.select(Contact.id, Contact.first_name, Contact.last_name)
                              .where(Contact.account_id == account[0])).all()
    expected = [row.id for row in sorted(rows, key=lambda row: (fold(f"{row.first_name} {row.last_name}"), row.id))]
    html = get(client, "/segments/?sort=name")
    assert shown(html) == expected[:10] and position(html) == "1–10 of 13"
    html = get(client, link(html, "next-page"))
    assert shown(html) == expected[10:]
    assert shown(get(client, link(html, "previous-page"))) == expected[:10]
    assert shown(get(client, link(html, "first-page"))) == expected[:10]
    assert shown(get(client, link(get(client, "/segments/?sort=name"), "last-page"))) == expected[10:]
    # The sort is kept by the search, the segment filter and the pages' links.
    assert 'name="sort"' in html and '<option value="name" selected>' in html


def test_a_search_sorted_by_name_pages_both_ways(client, account, make_contacts):
    ids = make_contacts(account[0], 40)  # First0..First39: "first1" finds First1 and First10..19
    rows = db.session.execute(sa.select(Contact.id, Contact.first_name, Contact.last_name)
                              .where(Contact.id.in_(ids))).all()
    expected = [row.id for row in sorted(rows, key=lambda row: (fold(f"{row.first_name} {row.last_name}"), row.id))
                if "first1" in fold(row.first_name)]
    html = get(client, "/segments/?sort=name&q=first1")
    assert shown(html) == expected[:10] and position(html) == "1–10 of 11"
    html = get(client, link(html, "next-page"))
    assert shown(html) == expected[10:] and position(html) == "11–11 of 11"
    assert shown(get(client, link(html, "previous-page"))) == expected[:10]


def test_old_links_with_after_still_work(client, account, make_contacts):
    ids = make_contacts(account[0], 25)
    html = get(client, f"/segments/?after={ids[9]}")
    assert shown(html) == ids[10:20] and position(html) == "11–20 of 25"
    html = get(client, f"/segments/?before={ids[20]}")
    assert shown(html) == ids[10:20] and position(html) == "11–20 of 25"
    # A cursor that is not a contact of the account (or no number at all) starts at the top.
    assert shown(get(client, "/segments/?after=abc")) == ids[:10]


def test_more_matches_than_are_counted(client, account, make_contacts, monkeypatch):
    monkeypatch.setattr(ui_contacts, "COUNT_CAP", 15)
    ids = make_contacts(account[0], 25)
    html = get(client, "/segments/")
    assert position(html) == "1–10 of more than 15"
    html = get(client, link(html, "next-page"))
    assert position(html) == "11–20 of more than 15"
    html = get(client, link(html, "last-page"))
    assert shown(html) == ids[15:]  # the last page is the last 10, counted from the end
    assert position(html) == "The last 10 of more than 15"
    html = get(client, link(html, "previous-page"))
    assert shown(html) == ids[5:15] and position(html) == "11–20 from the end, of more than 15"


def test_a_page_after_a_contact_of_another_account_is_the_first(client, account, make_contacts, make_account):
    ids = make_contacts(account[0], 15)
    other = make_contacts(make_account("Other")[0], 3)
    for sort in ("oldest", "name"):
        first_page = shown(get(client, f"/segments/?sort={sort}"))
        assert len(first_page) == 10 and set(first_page) <= set(ids)
        assert shown(get(client, f"/segments/?sort={sort}&after={other[0]}")) == first_page
        assert shown(get(client, f"/segments/?sort={sort}&before={other[0]}")) == first_page


def _import(client, content):
    csrf = TOKEN.search(get(client, "/segments/contacts/new")).group(1)
    response = client.post("/segments/imports", data={
        "csrf_token": csrf, "action": "import", "file": (io.BytesIO(content.encode()), "people.csv")},
        content_type="multipart/form-data")
    import_id = int(re.search(r"/imports/(\d+)", response.location).group(1))
    deadline = time.monotonic() + 30
    while not client.get(f"/segments/imports/{import_id}/status.json").get_json()["ended"]:
        assert time.monotonic() < deadline, "the import did not end"
        time.sleep(0.05)
    return import_id


def test_view_the_contacts_of_an_import(client, app, account, make_contacts, make_account):
    ids = make_contacts(account[0], 4)  # First0..3, emails person<n>.a<account>@example.com
    existing = db.session.execute(sa.select(Contact).where(Contact.id.in_(ids)).order_by(Contact.id)).scalars().all()
    lines = ["Country Code,First Name,Last Name,Mobile Number,Email"]
    lines.append(f"US,First0,Changed,,{existing[0].email}")                                       # updated
    lines.append(f"US,{existing[1].first_name},{existing[1].last_name},,{existing[1].email}")   # unchanged
    lines += [f"US,New{n},Person,,new{n}@example.com" for n in range(3)]           # created
    lines.append("US,Bad,Row,,")                                                   # failed
    import_id = _import(client, "\n".join(lines) + "\n")
    detail = get(client, f"/segments/imports/{import_id}")
    assert f'href="/segments/?import={import_id}" id="imported-contacts-link"' in detail
    html = get(client, f"/segments/?import={import_id}")
    new = db.session.execute(sa.select(Contact.id).where(Contact.first_name.like("New%")).order_by(Contact.id)).scalars().all()
    assert shown(html) == [ids[0], *new] and "4 contacts" in html
    assert 'id="import-filter"' in html and "people.csv" in html
    # Searching, sorting and "select all matching" stay inside the import.
    assert shown(get(client, f"/segments/?import={import_id}&q=new1")) == [new[1]]
    assert shown(get(client, f"/segments/?import={import_id}&sort=newest")) == [*new[::-1], ids[0]]
    north = segments.create(app.extensions["segments"].scope(Actor.system(account[0])), "North")
    csrf = TOKEN.search(html).group(1)
    response = client.post("/segments/bulk", data={"csrf_token": csrf, "op": "add", "segment_id": north.id,
                                                   "all_matching": "1", "import": import_id})
    assert response.status_code == 302 and f"import={import_id}" in response.location
    db.session.expire_all()
    assert db.session.get(type(north), north.id).member_count == 4
    # Another account's import is not shown, and says so.
    other = make_account("Other")
    stranger = app.test_client()
    with stranger.session_transaction() as session:
        session["user_id"] = other[1]["manager"]
    make_contacts(other[0], 2)
    g.pop("demo_user", None)  # the demo host keeps the signed-in user for the app context
    html = get(stranger, f"/segments/?import={import_id}")
    assert "This import is not one of your account’s" in html and 'id="import-filter"' not in html
    assert len(shown(html)) == 2


def test_phone_numbers_are_shown_readably(client, account):
    db.session.execute(sa.insert(Contact), [
        {"account_id": account[0], "first_name": "Ana", "last_name": "US", "mobile": "+14155551001"},
        {"account_id": account[0], "first_name": "Bia", "last_name": "BR", "mobile": "+5511987654321"},
        {"account_id": account[0], "first_name": "Cy", "last_name": "Odd", "mobile": "+999123"},
    ])
    db.session.commit()
    for language in ("en", "pt-BR"):
        html = get(client, "/segments/", language)
        assert ">+1 415-555-1001</td>" in html and ">+55 11 98765-4321</td>" in html
        assert ">+999123</td>" in html  # what phonenumbers cannot read is shown as stored
        assert "+14155551001<" not in html
    # The API keeps E.164.
    data = client.get("/api/segments/contacts").get_json()
    assert {item["mobile"] for item in data["items"]} >= {"+14155551001", "+5511987654321"}


def test_phone_numbers_are_exported_as_e164(state, account):
    db.session.execute(sa.insert(Contact), [
        {"account_id": account[0], "first_name": "Ana", "last_name": "US", "mobile": "+14155551001"}])
    db.session.commit()
    [record] = export.iter_contacts(db.session, state.contacts, account[0])
    assert record["mobile"] == "+14155551001"
