"""Segment names that look the same are the same: names are stored cleaned (invisible characters
removed, spaces collapsed), and a name that looks like an existing one of the account (Unicode
confusables, UTS #39 skeletons) is refused naming the existing segment, wherever the name enters:
the services, the JSON API, the CLI, the pages (in the reader's language) and import files.
"""

import io

import pytest
import sqlalchemy as sa

from api_client import api_client
from contact_segments import migrate, segments
from contact_segments.demo.models import db
from contact_segments.errors import Conflict, InvalidInput
from contact_segments.imports import service
from contact_segments.models import Membership, Segment
from contact_segments.names import clean_segment_name, confusable_keys, confusable_skeletons

EXISTING = "Look Alike"

LOOK_ALIKES = [
    ("Look  Alike", "name_taken"),          # two spaces
    ("Look\u00a0Alike", "name_taken"),      # a no-break space
    ("LOOK ALIKE", "name_taken"),           # case, as before
    (" Look Alike\u200b", "name_taken"),    # a trailing zero-width space
    ("Look\u200bAlike", "name_confusable"),  # a zero-width space instead of the space
    ("LookAlike", "name_confusable"),
    ("L\u043e\u043ek Alike", "name_confusable"),  # Cyrillic о
    ("l\u043e\u043ek alike", "name_confusable"),  # Cyrillic о, and lower case
    ("Look A1ike", "name_confusable"),       # digit one for l
    ("Look AIike", "name_confusable"),       # capital I for l
    ("\U0001d40b\U0001d428\U0001d428\U0001d424 Alike", "name_taken"),  # mathematical bold: a compatibility form
]


def names(account_id):
    db.session.expire_all()
    return sorted(db.session.execute(sa.select(Segment.name).where(Segment.account_id == account_id)).scalars())


@pytest.mark.parametrize("name, code", LOOK_ALIKES)
def test_a_name_that_looks_like_an_existing_one_is_refused_naming_it(scope_for, account, name, code):
    existing = segments.create(scope_for(), EXISTING)
    with pytest.raises(Conflict) as error:
        segments.create(scope_for(), name)
    assert error.value.code == code
    assert f'"{EXISTING}"' in error.value.message
    assert error.value.params["existing"] == EXISTING and error.value.params["existing_id"] == existing.id
    assert names(account[0]) == [EXISTING]


@pytest.mark.parametrize("name, code", LOOK_ALIKES)
def test_renaming_to_a_look_alike_of_another_segment_is_refused(scope_for, account, name, code):
    segments.create(scope_for(), EXISTING)
    other = segments.create(scope_for(), "Other")
    with pytest.raises(Conflict) as error:
        segments.rename(scope_for(), other.id, name)
    assert error.value.code == code and f'"{EXISTING}"' in error.value.message
    assert names(account[0]) == [EXISTING, "Other"]


def test_a_segment_may_be_renamed_to_a_look_alike_of_its_own_name(scope_for):
    segment = segments.create(scope_for(), EXISTING)
    assert segments.rename(scope_for(), segment.id, "LOOK  ALIKE").name == "LOOK ALIKE"


@pytest.mark.parametrize("first, second", [
    ("BOB", "\u0412\u041e\u0412"),   # Cyrillic capitals ВОВ
    ("Store 1", "Store l"),
    ("Store I", "Store l"),
    ("Mike's", "Mike\u2019s"),        # typographic apostrophe
    ("Barn", "Bam"),                 # rn looks like m (Unicode's own example)
    ("A-B", "A\u2010B"),             # hyphen
])
def test_unicode_confusables_are_look_alikes(scope_for, first, second):
    segments.create(scope_for(), first)
    with pytest.raises(Conflict) as error:
        segments.create(scope_for(), second)
    assert error.value.code == "name_confusable"


@pytest.mark.parametrize("first, second", [
    ("Caf\u00e9", "Cafe"), ("North", "South"), ("Store 1", "Store 2"), ("VIP", "VIP 2"),
    ("S\u00e3o Paulo", "Sao Paulo"), ("Plan A", "Plan B"),
])
def test_names_that_look_different_are_accepted(scope_for, account, first, second):
    segments.create(scope_for(), first)
    segments.create(scope_for(), second)
    assert names(account[0]) == sorted([first, second])


def test_another_account_may_use_a_look_alike(scope_for, make_account):
    other_account, _ = make_account("Other Dealer")
    segments.create(scope_for(), EXISTING)
    assert segments.create(scope_for(account_id=other_account), "L\u043e\u043ek Alike").name == "L\u043e\u043ek Alike"


@pytest.mark.parametrize("typed, stored", [
    ("  Spring\u00a0\u00a0Sale\u200b ", "Spring Sale"),
    ("Spring\u3000Sale", "Spring Sale"),                  # ideographic space
    ("Spr\u00adi\u2060ng\ufeff Sale", "Spring Sale"),     # soft hyphen, word joiner, BOM
    ("Spring \u202eSale", "Spring Sale"),                 # a right-to-left override
    ("Cafe\u0301", "Caf\u00e9"),
])
def test_names_are_stored_cleaned(scope_for, typed, stored):
    segment = segments.create(scope_for(), typed)
    assert segment.name == stored
    db.session.expire_all()
    assert db.session.get(Segment, segment.id).name == stored


@pytest.mark.parametrize("name, code", [
    ("\u200b\u200b", "name_required"),   # only invisible characters
    ("a\x7fb", "name_invalid"),          # DEL
    ("a\u2028b", "name_invalid"),        # line separator
    ("\ufdfa" * 30, "name_too_long"),    # 30 characters, 540 once spelled out
])
def test_names_invisible_or_unstorable_are_refused(scope_for, account, name, code):
    with pytest.raises(InvalidInput) as error:
        segments.create(scope_for(), name)
    assert error.value.code == code
    assert names(account[0]) == []


def test_a_look_alike_committed_between_the_check_and_the_insert_is_refused_naming_it(
        scope_for, account, state):
    """The unique keys hold against a race: another connection commits "Lооk Alike" after this
    request checked the name and before it inserts its own; the conflict names the winner."""
    winner = {}

    def commit_a_look_alike_first(session, _context, _instances):
        if winner:
            return
        with state.engine().connect() as other:
            skeleton, caseless = confusable_keys("L\u043e\u043ek Alike")
            other.execute(sa.insert(Segment).values(
                account_id=account[0], name="L\u043e\u043ek Alike", name_key="l\u043e\u043ek alike",
                search_key="l\u043e\u043ek alike", skeleton_key=skeleton, caseless_skeleton_key=caseless,
                member_count=0))
            other.commit()
            winner["id"] = other.execute(sa.select(Segment.id).where(Segment.account_id == account[0])).scalar_one()

    sa.event.listen(db.session, "before_flush", commit_a_look_alike_first)
    try:
        with pytest.raises(Conflict) as error:
            segments.create(scope_for(), EXISTING)
    finally:
        sa.event.remove(db.session, "before_flush", commit_a_look_alike_first)
    assert error.value.code == "name_confusable"
    assert error.value.params == {"name": EXISTING, "existing": "L\u043e\u043ek Alike", "existing_id": winner["id"]}
    assert names(account[0]) == ["L\u043e\u043ek Alike"]


def test_the_database_refuses_look_alikes_without_the_service(account, scope_for):
    """The unique index per account is there for any writer."""
    segments.create(scope_for(), EXISTING)
    skeleton, caseless = confusable_keys("L\u043e\u043ek Alike")
    with pytest.raises(sa.exc.IntegrityError):
        db.session.execute(sa.insert(Segment).values(
            account_id=account[0], name="L\u043e\u043ek Alike", name_key="l\u043e\u043ek alike",
            search_key="look alike", skeleton_key=skeleton, caseless_skeleton_key="x" * 64, member_count=0))
    db.session.rollback()
    assert names(account[0]) == [EXISTING]


def test_skeletons_follow_unicode_confusables():
    assert clean_segment_name("\tLook \u200b Alike\u00a0") == "Look Alike"
    assert confusable_skeletons("\U0001d52d\U0001d4b6\u1eff\U0001d561\U0001d552\u2113") == confusable_skeletons("paypal")
    assert confusable_skeletons("m")[0] == "rn"
    assert confusable_skeletons("Look Alike") == ("LookAlike", "lookalike")


# ---------------------------------------------------------------- where names enter


def test_api_refuses_a_look_alike_with_a_code_and_the_existing_name(app, account, scope_for):
    segments.create(scope_for(), EXISTING)
    client = api_client(app)
    with client.session_transaction() as session:
        session["user_id"] = account[1]["admin"]
    response = client.post("/api/segments", json={"name": "L\u043e\u043ek Alike"})
    assert response.status_code == 409
    body = response.get_json()
    assert body["code"] == "name_confusable" and body["field"] == "name"
    assert f'"{EXISTING}"' in body["message"]
    segment_id = client.post("/api/segments", json={"name": "Other\u200b  one"}).get_json()["id"]
    renamed = client.patch(f"/api/segments/{segment_id}", json={"name": "look  alike"})
    assert renamed.status_code == 409 and renamed.get_json()["code"] == "name_taken"
    assert names(account[0]) == [EXISTING, "Other one"]


def test_cli_refuses_a_look_alike_in_one_line_naming_the_existing(app, account, scope_for):
    segments.create(scope_for(), EXISTING)
    result = app.test_cli_runner().invoke(args=["segments", "create", "Look\u200bAlike", "--account", str(account[0])])
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines() == [
        f'Error: The name "LookAlike" looks the same as the name of the segment "{EXISTING}" '
        f"(id {segments.find_by_names(db.session, account[0], [EXISTING])[0][EXISTING].id}). "
        "Choose a name that looks different."]
    # the CLI finds a segment by its name typed with other spaces
    shown = app.test_cli_runner().invoke(args=["segments", "members", "Look\u00a0 Alike", "--account", str(account[0])])
    assert shown.exit_code == 0, shown.stderr


@pytest.mark.parametrize("language, expected", [
    ("en", 'The name "L\u043e\u043ek Alike" looks the same as the segment "Look Alike". Choose a name that looks different.'),
    ("fr", "ressemble"),
    ("de", "sieht"),
    ("pt-BR", "parece"),
])
def test_the_create_page_refuses_a_look_alike_in_the_readers_language(app, account, scope_for, language, expected):
    import html as html_module
    import re

    segments.create(scope_for(), EXISTING)
    client = app.test_client()
    with client.session_transaction() as session:
        session["user_id"] = account[1]["manager"]
    headers = {"Accept-Language": language}
    page = client.get("/segments/", headers=headers).get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    response = client.post("/segments/new", data={"csrf_token": csrf, "name": "L\u043e\u043ek Alike"}, headers=headers)
    text = html_module.unescape(response.get_data(as_text=True))
    assert response.status_code == 409
    assert expected in text and EXISTING in text
    assert names(account[0]) == [EXISTING]


def test_import_files_match_names_typed_with_other_spaces_or_invisible_characters(scope_for, account):
    look_alike = segments.create(scope_for(), EXISTING)
    body = ("Country Code,First Name,Last Name,Mobile Number,Email,Segments\n"
            "US,Ann,One,(415) 555-2671,,look  alike\n"
            "US,Bob,Two,(415) 555-2672,,LOOK\u00a0ALIKE\n"
            "US,Cid,Three,(415) 555-2673,,Look \u200bAlike\u200b\n"
            "US,Dee,Four,(415) 555-2674,,L\u043e\u043ek Alike\n")
    scope = scope_for("consultant")
    upload = service.create_import(scope, io.BytesIO(body.encode()), "contacts.csv")
    service.start(scope, upload.id, wait=True)
    db.session.expire_all()
    members = db.session.execute(sa.select(sa.func.count()).select_from(Membership).where(
        Membership.segment_id == look_alike.id)).scalar_one()
    assert members == 3  # the Cyrillic name is another name: reported as unknown, not matched
    summary = service.import_summary(scope, upload.id)
    assert "L\u043e\u043ek Alike" in repr(summary)


# ---------------------------------------------------------------- existing rows


def test_the_migration_cleans_and_keys_existing_names(app, state, account, make_account):
    """Rows written before the keys existed: cleaned, keyed, and a later look-alike numbered
    (the Cyrillic one gets (3): "Lооk Alike (2)" would look like "Look Alike (2)")."""
    engine = state.engine()
    other_account, _ = make_account("Other Dealer")
    db.session.remove()
    migrate.downgrade(engine, "0008_import_lease")
    rows = [(account[0], EXISTING), (account[0], "Look  Alike"), (account[0], "L\u043e\u043ek Alike"),
            (account[0], "Spring\u200b Sale"), (account[0], "\u200b"), (account[0], "a  b"), (account[0], "A B"),
            (other_account, "L\u043e\u043ek Alike")]
    with engine.begin() as connection:
        for account_id, name in rows:
            connection.execute(sa.text(
                "INSERT INTO segments_segment (account_id, name, name_key, search_key, member_count, created_at, "
                "updated_at) VALUES (:a, :n, :k, :k, 0, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"), {"a": account_id, "n": name, "k": name.strip().lower()})
    migrate.upgrade(engine)
    with engine.connect() as connection:
        stored = connection.execute(sa.text(
            "SELECT id, account_id, name, name_key, skeleton_key FROM segments_segment ORDER BY id")).all()
    first_id = stored[0].id
    assert [(row.account_id, row.name) for row in stored] == [
        (account[0], EXISTING), (account[0], "Look Alike (2)"), (account[0], "L\u043e\u043ek Alike (3)"),
        (account[0], "Spring Sale"), (account[0], f"Segment {first_id + 4}"), (account[0], "a b"),
        (account[0], "A B (2)"), (other_account, "L\u043e\u043ek Alike")]
    assert [row.name_key for row in stored][:2] == ["look alike", "look alike (2)"]
    assert all(len(row.skeleton_key) == 64 for row in stored)
    with pytest.raises(Conflict):
        segments.create(scope_for_account(state, account), "Spring  Sale")


def scope_for_account(state, account):
    from contact_segments import Actor

    return state.scope(Actor(account_id=account[0], user_id=account[1]["admin"], role="admin"))
