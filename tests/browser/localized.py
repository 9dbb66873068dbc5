"""Dealerships of their own and layout measures, for the browser checks that run in English and
Brazilian Portuguese on a desktop (1,280 px) and a phone (390 px) with ``open_page`` (conftest).

:func:`add_dealership` adds an account with its three users, contacts and segments to a running
demo host, so a check can shape its data without touching the shared sample accounts.
"""

from contact_segments import segments
from contact_segments.actor import Actor
from contact_segments.demo.models import Account, User, db
from contact_segments.models import Contact

from .conftest import BROWSER_LOCALES

LANGUAGES = tuple(BROWSER_LOCALES)
WIDTHS = (1280, 390)


def add_dealership(server, name, contacts, country="US", segment_members=None):
    """Add the account ``name`` to the demo host behind ``server``: a consultant, a manager and
    an admin, ``contacts`` contacts (first names ``Person1`` ...), and a segment for each entry of
    ``segment_members`` (name -> how many of the first contacts are in it). Returns the
    account's id."""
    app = server.app
    with app.app_context():
        account = Account(name=name)
        db.session.add(account)
        db.session.flush()
        for role, person in (("consultant", "Casey Consultant"), ("manager", "Morgan Manager"),
                             ("admin", "Alex Admin")):
            db.session.add(User(account_id=account.id, name=f"{person} ({name})", role=role))
        db.session.add_all([
            Contact(account_id=account.id, country_code=country, first_name=f"Person{index}",
                    last_name="Sample", email=f"person{index}@{account.id}.example.com")
            for index in range(1, contacts + 1)])
        db.session.commit()
        account_id = account.id
        ids = db.session.execute(db.select(Contact.id).where(Contact.account_id == account_id)
                                 .order_by(Contact.id)).scalars().all()
        scope = app.extensions["segments"].scope(Actor.system(account_id))
        for segment_name, members in (segment_members or {}).items():
            segments.create(scope, segment_name, contact_ids=ids[:members])
    return account_id


def sideways_scroll(page):
    """How many pixels the page is wider than its window (0 when it does not scroll sideways)."""
    return page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")


def overflow(locator):
    """How many pixels the content of ``locator``'s element is wider than the element itself."""
    return locator.evaluate("element => element.scrollWidth - element.clientWidth")
