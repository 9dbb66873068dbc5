"""The audience picker (segments/audience_picker.html, ui_audience) in the demo host's composer:
its count endpoint and its no-JavaScript form give the same counts as the sender then sends, and
the demo asks for confirmation stating that count."""

import pytest

from contact_segments.demo.models import OutboxMessage, User, db

from demo_host import app_config, client, sign_in  # noqa: F401 (fixtures)

COUNT_URL = "/segments/audience/count.json"


def _segments(state, user):
    return state.pm.hook.segments_audience_segments(account_id=user.account_id)


def _outbox(user):
    return db.session.execute(db.select(OutboxMessage).where(OutboxMessage.account_id == user.account_id)).scalars().all()


CASES = {
    "include one": lambda ids: ([ids[0]], []),
    "include two": lambda ids: ([ids[0], ids[1]], []),
    "include two exclude one": lambda ids: ([ids[0], ids[1]], [ids[2]]),
}


@pytest.mark.parametrize("channel", ["sms", "email"])
@pytest.mark.parametrize("case", list(CASES))
def test_count_endpoint_equals_what_the_sender_sends(app, state, client, case, channel):
    user = sign_in(client, "consultant")
    include, exclude = CASES[case]([item.id for item in _segments(state, user)])
    answer = client.get(COUNT_URL, query_string={"include": include, "exclude": exclude})
    assert answer.status_code == 200
    count = answer.get_json()["counts"][channel]
    assert count > 0
    form = {"include": include, "exclude": exclude, "channel": channel, "body": "Hi {first_name}"}
    assert client.post("/compose", data={**form, "action": "confirm"}).status_code == 302
    sent = _outbox(user)
    assert len(sent) == len({message.contact_id for message in sent}) == count


def test_count_endpoint_writes_numbers_in_the_page_language(app, state, client):
    user = sign_in(client, "consultant")
    ids = [item.id for item in _segments(state, user)]
    body = client.get(COUNT_URL, query_string={"include": ids}, headers={"Accept-Language": "pt-BR"}).get_json()
    assert set(body["counts"]) == {"sms", "email"} and body["written"]["sms"] == str(body["counts"]["sms"])


def test_count_endpoint_with_nothing_included_is_zero(app, client):
    sign_in(client, "consultant")
    assert client.get(COUNT_URL).get_json()["counts"] == {"sms": 0, "email": 0}


def test_count_endpoint_refuses_another_accounts_segment_and_bad_ids(app, state, client):
    sign_in(client, "consultant", account_index=1)
    other = db.session.execute(db.select(User).order_by(User.account_id)).scalars().first()
    foreign = _segments(state, other)[0].id
    answer = client.get(COUNT_URL, query_string={"include": foreign})
    assert answer.status_code == 404 and str(foreign) in answer.get_json()["error"]["message"]
    answer = client.get(COUNT_URL, query_string={"include": "abc"})
    assert answer.status_code == 422 and answer.get_json()["error"]["code"] == "invalid_input"
    answer = client.get(COUNT_URL, query_string={"include": "99999999999999999999"})
    assert answer.status_code == 422
    answer = client.get(COUNT_URL, query_string={"include": list(range(1, 102))})
    assert answer.status_code == 422 and "at most 100" in answer.get_json()["error"]["message"]


def test_picker_without_javascript_searches_and_counts(app, state, client):
    user = sign_in(client, "consultant")
    segments = _segments(state, user)
    chosen, wanted = segments[0], segments[-1]
    page = client.post("/compose", data={"include": [chosen.id], "segment_search": wanted.name[:6].upper(),
                                         "audience_action": "search", "body": "kept"}).get_data(as_text=True)
    assert f'value="{wanted.id}"' in page and f'value="{chosen.id}"' in page  # match + the chosen one
    hidden = [item for item in segments if item.id != chosen.id and wanted.name[:6].casefold() not in item.name.casefold()]
    assert hidden and f'name="include" value="{hidden[0].id}"' not in page
    expected = state.pm.hook.segments_count_recipients(account_id=user.account_id, include=[chosen.id], exclude=[],
                                                       channel="email")
    assert f'data-channel="email" aria-live="polite">{expected}</output>' in page
    assert ">kept</textarea>" in page and not _outbox(user)


def test_picker_lists_segments_with_member_counts_and_both_choices(app, state, client):
    user = sign_in(client, "consultant")
    page = client.get("/compose").get_data(as_text=True)
    for item in _segments(state, user):
        assert item.name in page
        assert f'name="include" value="{item.id}"' in page and f'name="exclude" value="{item.id}"' in page
    assert 'name="channel" value="sms"' in page and 'name="channel" value="email"' in page


def test_confirmation_states_count_and_channel_and_sends_nothing(app, state, client):
    user = sign_in(client, "manager")
    include = [_segments(state, user)[0].id]
    expected = state.pm.hook.segments_count_recipients(account_id=user.account_id, include=include, exclude=[],
                                                       channel="email")
    page = client.post("/compose", data={"include": include, "channel": "email", "body": "Hi", "action": "send"})
    assert f"Send to {expected} contacts by email?" in page.get_data(as_text=True)
    assert not _outbox(user)


@pytest.mark.parametrize("case", list(CASES))
def test_one_pass_count_per_channel_equals_the_hook_per_channel(app, state, client, case):
    from contact_segments.audience import count_recipients_per_channel

    user = sign_in(client, "consultant")
    include, exclude = CASES[case]([item.id for item in _segments(state, user)])
    both = count_recipients_per_channel(db.session, state.contacts, user.account_id, include, exclude)
    assert both == {channel: state.pm.hook.segments_count_recipients(
        account_id=user.account_id, include=include, exclude=exclude, channel=channel) for channel in ("sms", "email")}


def test_a_host_counting_itself_is_asked_per_channel(app, state, client):
    from contact_segments.hooks.markers import hookimpl

    class HostCount:
        @hookimpl
        def segments_count_recipients(self, account_id, include, exclude, channel):
            return {"sms": 11, "email": 22}[channel]

    user = sign_in(client, "consultant")
    state.pm.register(HostCount(), name="host-count")
    try:
        answer = client.get(COUNT_URL, query_string={"include": _segments(state, user)[0].id}).get_json()
    finally:
        state.pm.unregister(name="host-count")
    assert answer["counts"] == {"sms": 11, "email": 22}


def test_count_endpoint_is_in_the_openapi_document(app, client):
    spec = client.get("/api/segments/openapi.json").get_json()
    operation = spec["paths"]["/segments/audience/count.json"]["get"]
    assert operation["tags"] == ["pages"] and [p["name"] for p in operation["parameters"]] == ["include", "exclude"]
