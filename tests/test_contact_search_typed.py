"""Contact search finds what people type: phone numbers in any typed form (national, international,
with punctuation, with a trunk or international prefix), names and emails whatever their case and
accents, words in any order. On SQLite and PostgreSQL, through the services and the contacts page;
on PostgreSQL the search and the name order read their indexes."""

import re
import uuid

import pytest
import sqlalchemy as sa

from contact_segments.contact_query import ContactFilter, count_contacts, list_contacts
from contact_segments.contact_search import fold, phone_digit_forms
from contact_segments.demo.models import db
from contact_segments.models import Contact

PEOPLE = [
    # first, last, mobile, email, country
    ("João", "Araújo", "+14155551011", "joao.araujo@example.com", "US"),
    ("JOÃO", "SILVA", "+5511987654321", None, "BR"),
    ("Joao", "Souza", None, "joao.souza@example.com.br", "BR"),
    ("joão", "conceição", "+442079460018", None, "GB"),
    ("Łukasz", "Wiśniewski", None, "lukasz@example.pl", "PL"),
    ("Jürgen", "Weiß", "+4930123456", None, "DE"),
    ("Chloé", "Lefèvre", "+33612345678", "Chloe.Lefevre@Example.FR", "FR"),
    ("Ana", "Smith", "+14155551012", "ana@example.com", "US"),
]


@pytest.fixture
def people(account, make_account):
    rows = [{"account_id": account[0], "first_name": first, "last_name": last, "mobile": mobile,
             "email": email, "country_code": country} for first, last, mobile, email, country in PEOPLE]
    db.session.execute(sa.insert(Contact), rows)
    other = make_account("Other Dealer")
    db.session.execute(sa.insert(Contact), [{**row, "account_id": other[0]} for row in rows])
    db.session.commit()
    return list(db.session.execute(sa.select(Contact.id).where(Contact.account_id == account[0])
                                   .order_by(Contact.id)).scalars())


def found(state, account, people, text):
    """The indexes (into PEOPLE) of the contacts a search for ``text`` finds, and checks the count."""
    mapping, contact_filter = state.contacts, ContactFilter(search=text)
    rows = list_contacts(db.session, mapping, account[0], contact_filter, limit=100)
    assert count_contacts(db.session, mapping, account[0], contact_filter) == len(rows)
    return [people.index(row["id"]) for row in rows]


@pytest.mark.parametrize("text, expected", [
    ("(415) 555-1011", [0]),          # national, with punctuation
    ("415-555-1011", [0]),
    ("415.555.1011", [0]),
    ("+1 415 555 1011", [0]),         # international
    ("+1 (415) 555-1011", [0]),
    ("1-415-555-1011", [0]),          # with the trunk prefix
    ("4155551011", [0]),              # digits only
    ("555-101", [0, 7]),              # part of a number
    ("(11) 98765-4321", [1]),         # Brazil, national
    ("11 98765 4321", [1]),
    ("011 98765-4321", [1]),          # Brazil, with the trunk prefix 0
    ("+55 11 98765-4321", [1]),
    ("0055 11 98765 4321", [1]),      # dialled from Europe
    ("020 7946 0018", [3]),           # London, national (the 0 is not in the E.164 number)
    ("+44 20 7946 0018", [3]),
    ("+44 (0)20 7946 0018", [3]),
    ("06 12 34 56 78", [6]),          # France, national
    ("030 123456", [5]),              # Berlin, national
])
def test_phone_numbers_in_any_typed_form(state, account, people, text, expected):
    assert found(state, account, people, text) == expected


@pytest.mark.parametrize("text, expected", [
    ("joao", [0, 1, 2, 3]),           # every João, whatever the accents and case
    ("JOÃO", [0, 1, 2, 3]),
    ("araujo", [0]),
    ("ARAÚJO", [0]),
    ("joão araújo", [0]),
    ("araujo joao", [0]),             # words in any order
    ("conceicao", [3]),
    ("lukasz", [4]),                  # Ł is not a decomposed letter
    ("wisniewski", [4]),
    ("weiss", [5]),                   # ß
    ("jurgen", [5]),
    ("chloe lefevre", [6]),
    ("CHLOE.LEFEVRE@example.fr", [6]),  # emails whatever the case
    ("example.com.br", [2]),
    ("joao silva", [1]),
    ("joao smith", []),
])
def test_names_and_emails_whatever_the_case_and_accents(state, account, people, text, expected):
    assert found(state, account, people, text) == expected


def test_the_search_page_finds_what_people_type(app, account, people):
    """The contacts page, in English and Brazilian Portuguese, finds the same contacts."""
    client = app.test_client()
    with client.session_transaction() as session:
        session["user_id"] = account[1]["consultant"]
    for language in ("en", "pt-BR"):
        for text, expected in (("(415) 555-1011", [0]), ("araujo", [0]), ("joao", [0, 1, 2, 3])):
            html = client.get("/segments/", query_string={"q": text},
                              headers={"Accept-Language": language}).get_data(as_text=True)
            ids = [int(value) for value in re.findall(r'name="contact_ids" value="(\d+)"', html)]
            assert ids == [people[n] for n in expected], (language, text)


def test_fold():
    assert fold("João ARAÚJO") == "joao araujo"
    assert fold("Łódź Weiß Æsir Œuvre Søren") == "lodz weiss aesir oeuvre soren"
    assert fold("ＡＢＣ１２３") == "abc123"  # full-width letters and digits
    assert fold("plain ascii") == "plain ascii"


def test_phone_digit_forms():
    assert phone_digit_forms("(415) 555-1011") == ("4155551011",)
    assert "2079460018" in phone_digit_forms("020 7946 0018")          # trunk prefix 0
    assert "5511987654321" in phone_digit_forms("0055 11 98765 4321")  # international prefix 00
    assert "442079460018" in phone_digit_forms("+44 (0)20 7946 0018")  # read by phonenumbers
    assert phone_digit_forms("joao") == () and phone_digit_forms("12") == ()


def _plan(statement):
    """PostgreSQL's plan of ``statement`` when it may not read the whole table."""
    compiled = str(statement.compile(dialect=db.engine.dialect, compile_kwargs={"literal_binds": True}))
    db.session.execute(sa.text("SET LOCAL enable_seqscan = off"))
    return "\n".join(db.session.connection().exec_driver_sql("EXPLAIN " + compiled).scalars())


def test_search_and_name_order_read_their_indexes_on_postgresql(app, state, account, people):
    """The expressions the queries use are the ones migration 0010 indexed (PostgreSQL)."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("indexes of PostgreSQL")
    from contact_segments.contact_pages import page_query
    from contact_segments.contact_search import search_clause

    mapping = state.contacts
    for text in ("araujo", "joão silva", "(415) 555-1011"):
        search = sa.select(mapping.col("id")).where(search_clause(mapping, text))
        assert "ix_segments_contact_search" in _plan(search), text
    by_name = page_query(mapping, account[0], ContactFilter(), "name", size=50)
    assert "ix_segments_contact_account_name" in _plan(by_name)
    db.session.rollback()


def test_search_works_where_extensions_cannot_be_created(postgres_database_url):
    """A database user who may not create extensions: migration 0010 folds without ``unaccent``
    and leaves the trigram index out; searches find the same contacts (they read every contact)."""
    from databases import fresh_postgres_database
    from contact_segments.demo import create_app
    from contact_segments.demo.models import Account

    role = f"cs_plain_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(postgres_database_url, isolation_level="AUTOCOMMIT")
    with fresh_postgres_database("cs_plain") as url:
        database = sa.engine.make_url(url).database
        with admin.connect() as connection:
            connection.execute(sa.text(f'CREATE ROLE "{role}" LOGIN'))
        owner = sa.create_engine(url, isolation_level="AUTOCOMMIT")
        with owner.connect() as connection:
            connection.execute(sa.text(f'GRANT CREATE, USAGE ON SCHEMA public TO "{role}"'))
        owner.dispose()
        try:
            app = create_app({"TESTING": True, "SECRET_KEY": "x", "DEMO_SEED": False, "SEGMENTS_REDIS_URL": "",
                              "SQLALCHEMY_DATABASE_URI": sa.engine.make_url(url).set(username=role).render_as_string(
                                  hide_password=False)})
            with app.app_context():
                extensions = set(db.session.execute(sa.text("SELECT extname FROM pg_extension")).scalars())
                assert not extensions & {"unaccent", "pg_trgm"}, database
                account = Account(name="Plain")
                db.session.add(account)
                db.session.flush()
                db.session.execute(sa.insert(Contact), [
                    {"account_id": account.id, "first_name": first, "last_name": last, "mobile": mobile,
                     "email": email, "country_code": country} for first, last, mobile, email, country in PEOPLE])
                db.session.commit()
                ids = list(db.session.execute(sa.select(Contact.id).order_by(Contact.id)).scalars())
                state = app.extensions["segments"]
                for text, expected in (("joao", [0, 1, 2, 3]), ("araujo", [0]), ("lukasz", [4]), ("weiss", [5]),
                                       ("020 7946 0018", [3]), ("CHLOE lefevre", [6])):
                    rows = list_contacts(db.session, state.contacts, account.id, ContactFilter(search=text), limit=50)
                    assert [ids.index(row["id"]) for row in rows] == expected, text
                db.session.remove()
                db.engine.dispose()
        finally:
            with admin.connect() as connection:
                connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
                connection.execute(sa.text(f'DROP ROLE IF EXISTS "{role}"'))
            admin.dispose()


def test_a_hosts_table_gets_the_indexes_the_docs_print(database_url):
    """docs/host-integration.md: the statements of search_index_statements for a host's own
    contact table create indexes that its searches and name order then read (PostgreSQL)."""
    if not database_url.startswith("postgresql"):
        pytest.skip("indexes of PostgreSQL")
    from test_host_integration import _host_app
    from contact_segments import migrate
    from contact_segments.contact_pages import page_query
    from contact_segments.contact_search import search_clause, search_index_statements

    app, host_db, Customer, _ = _host_app(database_url)
    with app.app_context():
        host_db.create_all()
        migrate.upgrade(host_db.engine)
        try:
            mapping = app.extensions["segments"].contacts
            statements = search_index_statements(mapping)
            for statement in statements:
                host_db.session.execute(sa.text(statement))
            host_db.session.add(Customer(dealer_id=7, given_name="João", family_name="Araújo",
                                         phone_e164="+14155551011"))
            host_db.session.commit()
            plans = []
            for query in (sa.select(mapping.col("id")).where(search_clause(mapping, "araujo")),
                          page_query(mapping, 7, ContactFilter(), "name", size=50)):
                compiled = str(query.compile(dialect=host_db.engine.dialect, compile_kwargs={"literal_binds": True}))
                host_db.session.execute(sa.text("SET LOCAL enable_seqscan = off"))
                plans.append("\n".join(host_db.session.connection().exec_driver_sql("EXPLAIN " + compiled).scalars()))
            host_db.session.rollback()
            assert "ix_host_customer_segments_search" in plans[0]
            assert "ix_host_customer_segments_name" in plans[1]
            found = list_contacts(host_db.session, mapping, 7, ContactFilter(search="(415) 555-1011"))
            assert [row["first_name"] for row in found] == ["João"]
        finally:
            host_db.session.rollback()
            for name in ("ix_host_customer_segments_search", "ix_host_customer_segments_name"):
                host_db.session.execute(sa.text(f"DROP INDEX IF EXISTS {name}"))  # before segments_fold goes
            host_db.session.commit()
            host_db.session.remove()
            migrate.downgrade(host_db.engine, "base")
            host_db.drop_all()
            host_db.engine.dispose()


@pytest.mark.parametrize("text, expected", [
    ("o'brien", ["Seán O'Brien"]),
    ("O’Brien", ["Seán O'Brien"]),         # a typographic apostrophe is an apostrophe
    ("back\\slash", ["Back\\slash"]),
    ("'; DROP TABLE segments_contact; --", []),
    ("100%", ["Sale 100%"]),
    ("%", ["Sale 100%"]),
    ("_", []),
])
def test_quotes_and_wildcards_are_plain_characters(state, account, text, expected):
    """The search's words are written into the statement as literals: quotes, backslashes, % and
    _ are searched as themselves and never change the statement."""
    db.session.execute(sa.insert(Contact), [
        {"account_id": account[0], "first_name": first, "last_name": last}
        for first, last in (("Seán", "O'Brien"), ("Back\\slash", ""), ("Sale", "100%"), ("Plain", "Name"))])
    db.session.commit()
    rows = list_contacts(db.session, state.contacts, account[0], ContactFilter(search=text), limit=10)
    assert [f"{row['first_name']} {row['last_name']}".strip() for row in rows] == expected
    assert db.session.execute(sa.select(sa.func.count()).select_from(Contact)).scalar_one() == 4
