"""The contacts list links each name to the host's page for that contact (its conversation)
when the host names one in SEGMENTS_CONTACT_URL; names stay plain text otherwise, and a setting
that points off the site is not followed. Through Flask's test client on SQLite and PostgreSQL."""

import re

import pytest

LINK = re.compile(r'<a href="([^"]+)" class="seg-contact-link">')


@pytest.fixture
def client(app, account):
    client = app.test_client()
    with client.session_transaction() as session:
        session["user_id"] = account[1]["consultant"]
    return client


def _links(client):
    response = client.get("/segments/")
    assert response.status_code == 200
    return LINK.findall(response.get_data(as_text=True))


def test_names_link_to_the_hosts_contact_page(app, client, account, make_contacts):
    ids = make_contacts(account[0], 3)
    app.config["SEGMENTS_CONTACT_URL"] = "/crm/customers/{id}/conversation"
    assert sorted(_links(client)) == sorted(f"/crm/customers/{contact_id}/conversation" for contact_id in ids)


def test_the_demo_host_links_names_to_its_conversation_view(app, client, account, make_contacts):
    contact_id = make_contacts(account[0], 1)[0]
    assert _links(client) == [f"/contacts/{contact_id}"]
    assert client.get(f"/contacts/{contact_id}").status_code == 200


@pytest.mark.parametrize("setting", ["", "https://evil.example/{id}", "//evil.example/{id}", "/contacts/"])
def test_names_are_plain_text_without_a_same_site_page(app, client, account, make_contacts, setting):
    make_contacts(account[0], 2)
    app.config["SEGMENTS_CONTACT_URL"] = setting
    assert _links(client) == []
