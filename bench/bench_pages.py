"""Benchmark of the plugin's pages on PostgreSQL.

    python bench/bench_pages.py [--contacts 1000000] [--segments 1000] [--postgres-url URL]

Builds (once; reused when present) database ``cs_bench_pages``: a demo-host account with
N contacts (a few dozen common first and last names, accents included, so that a name search
finds thousands; unique emails and mobiles) and 1,000 segments, among them "Big" (half the
contacts), "Medium" (10,000), "Small" (100 spread over the whole id range) and 997 others of
0-50 members. Then renders, server-side through the demo host's full request stack (Flask test
client; template, hooks, per-contact segments, counts), and prints median / 95th percentile /
max in ms:

* the contacts page filtered by each of those segments, its first page and the next 20 pages
  (following the keyset "Next" links), a page deep in the list (an old ``after=`` link near the
  end), the last page and the 20 pages before it ("Last", then "Previous"): target < 100 ms each;
* the same for all contacts, and for all contacts sorted by name;
* searches as people type them (names with or without accents, emails, phone numbers in
  national and international forms): target median < 200 ms;
* the segment drop-down search (``segments.json?q=``) for 30 queries: target < 50 ms;

and, in the same run, what the search and name indexes cost each contact written: 20,000
contacts inserted, then renamed, with the indexes and without them (dropped inside a
transaction that is rolled back), in microseconds per contact.
"""

import argparse
import os
import re
import statistics
import sys
import time
from urllib.parse import urlencode

import sqlalchemy as sa
from flask import current_app

from contact_segments import Actor, segments
from contact_segments.demo import create_app
from contact_segments.demo.models import Account, User, db

DATABASE = "cs_bench_pages"
FIRST_NAMES = ["João", "Maria", "José", "Ana", "Lucas", "Gabriel", "Beatriz", "Inês", "Zoë", "Chloé",
               "François", "Hélène", "Jürgen", "Małgorzata", "Łukasz", "Agnieszka", "Jane", "John",
               "Olivia", "Liam", "Noah", "Emma", "Sofía", "Álvaro", "Martín", "Lucía", "Giulia",
               "Niccolò", "Pedro", "Carla", "Diego", "Grace", "Hugo", "Isabel", "Karen", "Rosa", "Sam"]
LAST_NAMES = ["Silva", "Santos", "Araújo", "Conceição", "Gonçalves", "Oliveira", "Souza", "Pereira",
              "Smith", "Johnson", "Brown", "Müller", "Schäfer", "Dubois", "Lefèvre", "García",
              "Fernández", "Muñoz", "Rossi", "Bianchi", "Nowak", "Wiśniewski", "Kowalczyk", "Tremblay",
              "O'Brien", "Nguyen", "Lima", "Costa", "Davis", "Miller", "Garcia", "Moreau", "Weiß"]
NEXT = re.compile(r'href="([^"]+)" rel="next"')
PREVIOUS = re.compile(r'href="([^"]+)" rel="prev"')
LAST = re.compile(r'href="([^"]+)"[^>]*id="last-page"')
ACCENTED, PLAIN = "ãáâàçéêíóôõúüñëèïöäłśżńćę", "aaaaceeiooouuneeioalsznce"
#: The indexes whose write cost is measured (migration 0010_contact_search_index).
SEARCH_INDEXES = ("ix_segments_contact_search", "ix_segments_contact_account_name")


def ensure_database(admin_url, name):
    """Create database ``name`` if missing; return its URL."""
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        if not connection.execute(sa.text("SELECT 1 FROM pg_database WHERE datname = :n"),
                                  {"n": name}).first():
            connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return sa.engine.make_url(admin_url).set(database=name).render_as_string(hide_password=False)


def populate(contacts, segment_count):
    """Fill the database unless it already holds exactly this data set; return the account id."""
    engine = db.engine
    with engine.begin() as connection:
        account = connection.execute(sa.text("SELECT id FROM demo_account ORDER BY id LIMIT 1")).scalar()
        if account is not None:
            have = connection.execute(sa.text(
                "SELECT count(*) FROM segments_contact WHERE account_id = :a"), {"a": account}).scalar()
            segs = connection.execute(sa.text(
                "SELECT count(*) FROM segments_segment WHERE account_id = :a"), {"a": account}).scalar()
            if have == contacts and segs == segment_count:
                return account
        print(f"building {contacts:,} contacts and {segment_count:,} segments ...", flush=True)
        connection.execute(sa.text(
            "TRUNCATE segments_membership, segments_segment, segments_contact, demo_user, demo_account "
            "RESTART IDENTITY CASCADE"))
    account = Account(name="Bench Motors")
    db.session.add(account)
    db.session.flush()
    db.session.add(User(account_id=account.id, name="Bench Manager", role="manager"))
    db.session.commit()
    with engine.begin() as connection:
        # Names as a dealership's list has them: a few dozen common first and last names (so a
        # name search finds thousands), accents included; every email and mobile is unique.
        connection.execute(sa.text("""
            INSERT INTO segments_contact (account_id, country_code, first_name, last_name, mobile, email,
                                          created_at, updated_at)
            SELECT :a, 'US', f.name, l.name, '+1' || (4150000000 + g)::text,
                   replace(translate(lower(f.name || '.' || l.name), :accented, :plain), 'ß', 'ss') || '.' || g || '@example.com',
                   now(), now()
            FROM generate_series(1, :n) AS g
            JOIN unnest(CAST(:first AS text[])) WITH ORDINALITY AS f(name, i)
              ON f.i = 1 + g % cardinality(CAST(:first AS text[]))
            JOIN unnest(CAST(:last AS text[])) WITH ORDINALITY AS l(name, i)
              ON l.i = 1 + (g / 7) % cardinality(CAST(:last AS text[]))"""),
            {"a": account.id, "n": contacts, "first": FIRST_NAMES, "last": LAST_NAMES,
             "accented": ACCENTED, "plain": PLAIN})
    # The segments through the service (it keeps every key of a name), the members in bulk.
    scope = current_app.extensions["segments"].scope(Actor.system(account.id))
    for name in ["Big", "Medium", "Small"] + [f"Segment {i:04d}" for i in range(segment_count - 3)]:
        segments.create(scope, name)
    with engine.begin() as connection:
        first = connection.execute(sa.text("SELECT min(id) FROM segments_contact")).scalar()
        ids = dict(connection.execute(sa.text("SELECT name, id FROM segments_segment")).all())
        connection.execute(sa.text("""
            INSERT INTO segments_membership (segment_id, contact_id, created_at)
            SELECT :s, id, now() FROM segments_contact WHERE account_id = :a AND id % 2 = 0"""),
            {"s": ids["Big"], "a": account.id})
        connection.execute(sa.text("""
            INSERT INTO segments_membership (segment_id, contact_id, created_at)
            SELECT :s, id, now() FROM segments_contact WHERE account_id = :a AND id % 100 = 7"""
            " ORDER BY id LIMIT 10000"), {"s": ids["Medium"], "a": account.id})
        connection.execute(sa.text("""
            INSERT INTO segments_membership (segment_id, contact_id, created_at)
            SELECT :s, :first + g * (:n / 100), now() FROM generate_series(0, 99) AS g"""),
            {"s": ids["Small"], "first": first, "n": contacts})
        connection.execute(sa.text("""
            INSERT INTO segments_membership (segment_id, contact_id, created_at)
            SELECT s.id, :first + ((s.id * 7919 + g * 104729) % :n), now()
            FROM segments_segment s, generate_series(1, 50) AS g
            WHERE s.name LIKE 'Segment %' AND g <= s.id % 51
            ON CONFLICT DO NOTHING"""), {"first": first, "n": contacts})
        connection.execute(sa.text("""
            UPDATE segments_segment s SET member_count =
              (SELECT count(*) FROM segments_membership m WHERE m.segment_id = s.id)"""))
        connection.execute(sa.text("ANALYZE"))
    return account.id


def timed(client, url):
    """GET ``url``; return (milliseconds, html)."""
    start = time.perf_counter()
    response = client.get(url)
    elapsed = (time.perf_counter() - start) * 1000
    if response.status_code != 200:
        sys.exit(f"GET {url} answered {response.status_code}")
    return elapsed, response.get_data(as_text=True)


def summary(label, values, target=None, of="max"):
    """Print median / p95 / max of ``values`` (ms) and whether their ``of`` ("max" or "median")
    meets ``target``."""
    values = sorted(values)
    p95 = values[min(len(values) - 1, int(len(values) * 0.95))]
    measured = values[-1] if of == "max" else statistics.median(values)
    met = target is None or measured < target
    verdict = "" if target is None else ("  OK" if met else f"  OVER {target} ms ({of})")
    print(f"{label:<52} n={len(values):>3}  median {statistics.median(values):6.1f}  "
          f"p95 {p95:6.1f}  max {values[-1]:6.1f} ms{verdict}", flush=True)
    return met


def walk(client, url, pages, link=NEXT):
    """Time the page at ``url`` and ``pages`` more through its ``link`` ("Next" or "Previous")."""
    times = []
    for _ in range(pages + 1):
        elapsed, html = timed(client, url)
        times.append(elapsed)
        found = link.search(html)
        if not found:
            break
        url = found.group(1).replace("&amp;", "&")
    return times


def walk_from_the_end(client, url, pages):
    """Open ``url``, follow its "Last" link, then ``pages`` "Previous" links; time the pages."""
    last = LAST.search(timed(client, url)[1]).group(1).replace("&amp;", "&")
    return walk(client, last, pages, PREVIOUS)


def typed_searches(contacts):
    """What people type to find a contact of the data set: names with and without accents,
    emails, phone numbers in national and international forms."""
    n = min(123456, contacts)
    first, last = FIRST_NAMES[n % len(FIRST_NAMES)], LAST_NAMES[(n // 7) % len(LAST_NAMES)]
    national = str(4150000000 + n)
    area, exchange, line = national[:3], national[3:6], national[6:]
    email = (first + "." + last).lower().translate(str.maketrans(ACCENTED, PLAIN)).replace("ß", "ss")
    return ["joao", "João", "araujo", "Araújo", "maria silva", f"{first} {last}", "lukasz", "weiss",
            f"{email}.{n}@example.com", f"{email}.{n}", f"({area}) {exchange}-{line}",
            f"{area}-{exchange}-{line}", f"+1 {area} {exchange} {line}", national, f"{exchange}-{line}",
            "zzyzx"]


def write_cost(engine, account_id, rows=20_000, rounds=2):
    """Microseconds per contact to insert ``rows`` contacts and then rename them, with the search
    indexes and without them (dropped inside a transaction that is rolled back); best of
    ``rounds``. Returns ``{("insert" | "rename", with_indexes): microseconds}``."""
    best = {}
    for _ in range(rounds):
        for with_indexes in (True, False):
            with engine.connect() as connection:
                transaction = connection.begin()
                if not with_indexes:
                    for name in SEARCH_INDEXES:
                        connection.execute(sa.text(f"DROP INDEX IF EXISTS {name}"))
                start = time.perf_counter()
                connection.execute(sa.text(f"""
                    INSERT INTO segments_contact (account_id, country_code, first_name, last_name, mobile,
                                                  email, created_at, updated_at)
                    SELECT :a, 'BR', f.name, l.name, '+55119' || (10000000 + g)::text,
                           'write.' || g || '@example.com', now(), now()
                    FROM generate_series(1, {rows}) AS g
                    JOIN unnest(CAST(:first AS text[])) WITH ORDINALITY AS f(name, i)
                      ON f.i = 1 + g % cardinality(CAST(:first AS text[]))
                    JOIN unnest(CAST(:last AS text[])) WITH ORDINALITY AS l(name, i)
                      ON l.i = 1 + (g / 7) % cardinality(CAST(:last AS text[]))"""),
                    {"a": account_id, "first": FIRST_NAMES, "last": LAST_NAMES})
                inserted = time.perf_counter() - start
                start = time.perf_counter()
                connection.execute(sa.text(
                    "UPDATE segments_contact SET last_name = last_name || ' Filho' "
                    "WHERE account_id = :a AND email LIKE 'write.%'"), {"a": account_id})
                renamed = time.perf_counter() - start
                transaction.rollback()
            for kind, seconds in (("insert", inserted), ("rename", renamed)):
                key = (kind, with_indexes)
                best[key] = min(best.get(key, float("inf")), seconds / rows * 1e6)
    return best


def main():
    """Build the data set if needed, then measure and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--contacts", type=int, default=1_000_000)
    parser.add_argument("--segments", type=int, default=1000)
    parser.add_argument("--pages", type=int, default=20)
    parser.add_argument("--postgres-url", default=os.environ.get(
        "SEGMENTS_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"))
    args = parser.parse_args()
    url = ensure_database(args.postgres_url, DATABASE)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "DEMO_SEED": False, "SECRET_KEY": "bench",
                      "SEGMENTS_REDIS_URL": ""})
    ok = True
    with app.app_context():
        account_id = populate(args.contacts, args.segments)
        user_id = db.session.execute(sa.select(User.id).where(User.account_id == account_id)).scalar()
        ids = dict(db.session.execute(sa.text(
            "SELECT name, id FROM segments_segment WHERE name IN ('Big', 'Medium', 'Small')")).all())
        last = db.session.execute(sa.text("SELECT max(id) FROM segments_contact")).scalar()
        db.session.remove()
    client = app.test_client()
    with client.session_transaction() as session:
        session["user_id"] = user_id
    timed(client, "/segments/")  # warm up templates and connections
    print(f"PostgreSQL, {args.contacts:,} contacts, {args.segments:,} segments, "
          f"page size {app.config['SEGMENTS_PAGE_SIZE']}")
    for name in ("Big", "Medium", "Small"):
        ok &= summary(f'contacts page, segment "{name}", {args.pages + 1} pages',
                      walk(client, f"/segments/?segment={ids[name]}", args.pages), 100)
    deep = [timed(client, f"/segments/?segment={ids['Big']}&after={last - 1000}")[0] for _ in range(5)]
    ok &= summary('contacts page, segment "Big", deep page (old after= link)', deep, 100)
    ok &= summary('contacts page, segment "Big", last page + 20 previous',
                  walk_from_the_end(client, f"/segments/?segment={ids['Big']}", args.pages), 100)
    ok &= summary("contacts page, all contacts, 21 pages", walk(client, "/segments/", args.pages), 100)
    deep = [timed(client, f"/segments/?after={last - 1000}")[0] for _ in range(5)]
    ok &= summary("contacts page, all contacts, deep page (old after= link)", deep, 100)
    ok &= summary("contacts page, all contacts, last page + 20 previous",
                  walk_from_the_end(client, "/segments/", args.pages), 100)
    ok &= summary("contacts page, sorted by name, 21 pages", walk(client, "/segments/?sort=name", args.pages), 100)
    ok &= summary("contacts page, sorted by name, last page + 20 previous",
                  walk_from_the_end(client, "/segments/?sort=name", args.pages), 100)
    ok &= summary('contacts page, segment "Medium" by name, 21 pages',
                  walk(client, f"/segments/?sort=name&segment={ids['Medium']}", args.pages), 100)
    searches = []
    for text in typed_searches(args.contacts):
        elapsed, html = timed(client, "/segments/?" + urlencode({"q": text}))
        found = re.search(r'id="page-position">([^<]*)<', html)
        print(f"  search {text!r:<42} {elapsed:7.1f} ms  {found.group(1) if found else 'no contact'}")
        searches.append(elapsed)
    ok &= summary("contacts page, a search as typed", searches, 200, of="median")
    queries = ["seg", "segment 0", "0042", "big", "med", "x", "segment 09", "1", "99", "small"] * 3
    ok &= summary("segment drop-down search (segments.json)",
                  [timed(client, f"/segments/segments.json?q={q}")[0] for q in queries], 50)
    with app.app_context():
        cost = write_cost(db.engine, account_id)
    for kind, label in (("insert", "insert a contact"), ("rename", "rename a contact")):
        with_indexes, without = cost[(kind, True)], cost[(kind, False)]
        print(f"write cost, {label:<17} {with_indexes:6.1f} us with the search indexes, {without:6.1f} us "
              f"without (+{with_indexes - without:.1f} us, {with_indexes / without:.2f}x)")
    print("all targets met" if ok else "SOME TARGETS MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
