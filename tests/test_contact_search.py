"""Searching an account's contacts: by full name, email, mobile or external id, ignoring case;
every word of the search matches, a match never runs from one field into the next, and LIKE's
wildcards are plain characters."""

import pytest
import sqlalchemy as sa

from contact_segments.contact_query import ContactFilter, count_contacts, list_contacts
from contact_segments.demo.models import db
from contact_segments.models import Contact


@pytest.fixture
def contacts(state, account, make_contacts, make_account):
    ids = make_contacts(account[0], 12)
    no_contact_points = make_contacts(account[0], 1, with_mobile=False, with_email=False, start=50)
    db.session.execute(sa.update(Contact).where(Contact.id == ids[5]).values(external_id="CRM-100%_x"))
    other_account = make_account("Other")
    make_contacts(other_account[0], 12)  # same names in another account: never found
    db.session.commit()
    return ids + no_contact_points


def _found(state, account, text):
    mapping, found_filter = state.contacts, ContactFilter(search=text)
    rows = list_contacts(db.session, mapping, account[0], found_filter, limit=100)
    assert count_contacts(db.session, mapping, account[0], found_filter) == len(rows)
    return [row["id"] for row in rows]


@pytest.mark.parametrize("text, expected", [
    ("first3 LAST3", [3]),            # the full name, any case
    ("last1", [1, 10, 11]),           # the last name alone
    ("  First7  ", [7]),              # surrounding spaces do not count
    ("person4.a", [4]),               # part of an email
    ("000009", [9]),                  # part of a mobile number
    ("crm-100%_X", [5]),              # an external id: % and _ are plain characters here
    ("%", [5]),
    ("First50", [12]),                # a contact without mobile, email or external id
    ("example.com+1415", []),         # no match runs across email and mobile
    ("last3\tfirst3", [3]),           # a tab is a space between two words
    ("nobody", []),
    ("\x01\t", list(range(13))),    # only control characters: no search at all, every contact
])
def test_search(state, account, contacts, text, expected):
    assert _found(state, account, text) == [contacts[n] for n in expected]
