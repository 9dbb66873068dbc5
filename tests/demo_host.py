"""Fixtures and helpers of the tests that drive the demo host's own pages through its test client:
the seeded demo (``app_config``), a ``client``, and :func:`sign_in` with the top bar's switcher."""

import pytest

from contact_segments.demo.models import Account, User, db


@pytest.fixture
def app_config():
    """The demo host with its sample data; CSRF off for the demo's own forms."""
    return {"DEMO_SEED": True, "WTF_CSRF_ENABLED": False}


@pytest.fixture
def client(app):
    """A test client of the demo host."""
    return app.test_client()


def sign_in(client, role, account_index=0):
    """Switch ``client`` to the ``role`` user of the ``account_index``-th sample account; return it."""
    account = db.session.execute(db.select(Account).order_by(Account.id)).scalars().all()[account_index]
    user = db.session.execute(db.select(User).where(User.account_id == account.id, User.role == role)).scalar_one()
    client.post("/switch-user", data={"user_id": user.id})
    return user
