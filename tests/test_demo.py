"""The demo host: seeds sample data, composes a bulk message through the plugin's hooks, records
the recipients in its outbox, and shows a contact's segments with the plugin's macro."""

from contact_segments import Actor, segments
from contact_segments.blueprints.ui_i18n import refresh_locale
from contact_segments.demo.models import Account, OutboxMessage, User, db
from contact_segments.models import Contact

from demo_host import app_config, client, sign_in  # noqa: F401 (fixtures)


def test_seed_creates_accounts_users_contacts_segments(app, state):
    accounts = db.session.execute(db.select(Account)).scalars().all()
    assert len(accounts) == 2
    for account in accounts:
        roles = {u.role for u in db.session.execute(db.select(User).where(User.account_id == account.id)).scalars()}
        assert roles == {"consultant", "manager", "admin"}
        scope = state.scope(Actor.system(account.id))
        listed = segments.list_segments(scope).items
        assert listed and all(s.member_count > 0 for s in listed)


def test_compose_counts_and_sends_to_the_outbox(app, state, client):
    user = sign_in(client, "consultant")
    picker = state.pm.hook.segments_audience_segments(account_id=user.account_id)
    include, exclude = [picker[0].id, picker[1].id], [picker[2].id]
    expected = state.pm.hook.segments_count_recipients(
        account_id=user.account_id, include=include, exclude=exclude, channel="sms")
    page = client.post("/compose", data={"include": include, "exclude": exclude, "channel": "sms",
                                         "audience_action": "count", "body": "Hi"})
    assert f'data-channel="sms" aria-live="polite">{expected}</output>' in page.get_data(as_text=True)
    form = {"include": include, "exclude": exclude, "channel": "sms", "body": "Hello {first_name}!"}
    confirm = client.post("/compose", data={**form, "action": "send"}).get_data(as_text=True)
    assert f"Send to {expected} contacts by SMS?" in confirm
    assert db.session.execute(db.select(OutboxMessage)).first() is None  # nothing sent before confirming
    response = client.post("/compose", data={**form, "action": "confirm"})
    assert response.status_code == 302
    sent = db.session.execute(db.select(OutboxMessage).where(OutboxMessage.account_id == user.account_id)).scalars().all()
    assert len(sent) == expected > 0
    assert len({m.contact_id for m in sent}) == expected  # each contact once
    assert all(m.address.startswith("+") for m in sent)
    first = db.session.get(Contact, sent[0].contact_id)
    assert sent[0].body == f"Hello {first.first_name}!"
    outbox = client.get("/outbox").get_data(as_text=True)
    assert sent[0].address in outbox


def test_compose_rejects_another_accounts_segment(app, state, client):
    sign_in(client, "consultant", account_index=0)
    other_user = db.session.execute(db.select(User).order_by(User.account_id.desc())).scalars().first()
    foreign = state.pm.hook.segments_audience_segments(account_id=other_user.account_id)[0]
    page = client.post("/compose", data={"include": [foreign.id], "channel": "sms", "action": "send", "body": "x"})
    assert page.status_code == 200
    assert "No segment with id" in page.get_data(as_text=True)
    assert db.session.execute(db.select(OutboxMessage)).first() is None


def test_compose_send_without_message_is_refused(app, state, client):
    user = sign_in(client, "manager")
    picker = state.pm.hook.segments_audience_segments(account_id=user.account_id)
    page = client.post("/compose", data={"include": [picker[0].id], "channel": "email", "action": "send", "body": " "})
    assert "Write the message before sending." in page.get_data(as_text=True)
    assert db.session.execute(db.select(OutboxMessage)).first() is None


def test_contact_page_shows_its_segments(app, state, client):
    user = sign_in(client, "consultant")
    picker = state.pm.hook.segments_audience_segments(account_id=user.account_id)
    member = state.pm.hook.segments_iter_recipients(
        account_id=user.account_id, include=[picker[0].id], exclude=[], channel="email", batch_size=1)
    contact_id = next(iter(member))[0].contact_id
    names = [s.name for s in state.pm.hook.segments_contact_segments(account_id=user.account_id, contact_id=contact_id)]
    page = client.get(f"/contacts/{contact_id}").get_data(as_text=True)
    for name in names:
        assert name in page


def test_contact_page_segments_box_speaks_the_users_language(app, state, client):
    """The plugin's macro on the host's own page uses the plugin's catalog."""
    user = sign_in(client, "consultant")
    loner = Contact(account_id=user.account_id, country_code="BR", first_name="Sem", last_name="Segmento",
                    email="sem.segmento@example.com")
    db.session.add(loner)
    db.session.commit()
    english = client.get(f"/contacts/{loner.id}").get_data(as_text=True)
    assert 'aria-label="Segments"' in english and "No segments" in english
    refresh_locale()  # the test's app context outlives a request; a server's does not
    page = client.get(f"/contacts/{loner.id}", headers={"Accept-Language": "pt-BR"}).get_data(as_text=True)
    assert 'aria-label="Segmentos"' in page and "Sem segmentos" in page


def test_contact_page_of_another_account_is_404(app, client):
    sign_in(client, "admin", account_index=0)
    other = db.session.execute(db.select(Contact).order_by(Contact.account_id.desc())).scalars().first()
    assert client.get(f"/contacts/{other.id}").status_code == 404
