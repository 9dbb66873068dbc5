"""Benchmark of the plugin's pages on PostgreSQL (issue 4's speed targets).

    python bench/bench_pages.py [--contacts 1000000] [--segments 1000] [--postgres-url URL]

Builds (once; reused when present) database ``cs_bench_pages``: a demo-host account with
N contacts and 1,000 segments, among them "Big" (half the contacts), "Medium" (10,000),
"Small" (100 spread over the whole id range) and 997 others of 0-50 members. Then renders,
server-side through the demo host's full request stack (Flask test client; template, hooks,
per-contact segments, counts), and prints median / 95th percentile / max in ms:

* the contacts page filtered by each of those segments, its first page and the next 20 pages
  (following the keyset "Next page" links), plus a page deep in the list (``after`` near the
  end): target < 100 ms each;
* the unfiltered contacts page and a search;
* the segment drop-down search (``segments.json?q=``) for 30 queries: target < 50 ms.
"""

import argparse
import os
import re
import statistics
import sys
import time

import sqlalchemy as sa

from contact_segments.demo import create_app
from contact_segments.demo.models import Account, User, db

DATABASE = "cs_bench_pages"
NEXT = re.compile(r'href="([^"]+)" rel="next"')


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
        connection.execute(sa.text("""
            INSERT INTO segments_contact (account_id, country_code, first_name, last_name, mobile, email,
                                          created_at, updated_at)
            SELECT :a, 'US', 'First' || g, 'Last' || g, '+1' || (2000000000 + g)::text,
                   'person' || g || '@example.com', now(), now()
            FROM generate_series(1, :n) AS g"""), {"a": account.id, "n": contacts})
        names = ["Big", "Medium", "Small"] + [f"Segment {i:04d}" for i in range(segment_count - 3)]
        connection.execute(sa.text("""
            INSERT INTO segments_segment (account_id, name, name_key, search_key, member_count,
                                          created_at, updated_at)
            SELECT :a, name, lower(name), lower(name), 0, now(), now() FROM unnest(CAST(:names AS text[])) AS name"""),
            {"a": account.id, "names": names})
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


def summary(label, values, target=None):
    """Print median / p95 / max of ``values`` (ms) and whether they meet ``target``."""
    values = sorted(values)
    p95 = values[min(len(values) - 1, int(len(values) * 0.95))]
    verdict = "" if target is None else ("  OK" if values[-1] < target else f"  OVER {target} ms")
    print(f"{label:<46} n={len(values):>3}  median {statistics.median(values):6.1f}  "
          f"p95 {p95:6.1f}  max {values[-1]:6.1f} ms{verdict}")
    return values[-1] < target if target else True


def walk(client, url, pages):
    """Time the first page at ``url`` and ``pages`` more through the "Next page" links."""
    times = []
    for _ in range(pages + 1):
        elapsed, html = timed(client, url)
        times.append(elapsed)
        found = NEXT.search(html)
        if not found:
            break
        url = found.group(1).replace("&amp;", "&")
    return times


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
    ok &= summary('contacts page, segment "Big", deep page', deep, 100)
    ok &= summary("contacts page, all contacts, 21 pages", walk(client, "/segments/", args.pages), 100)
    deep = [timed(client, f"/segments/?after={last - 1000}")[0] for _ in range(5)]
    ok &= summary("contacts page, all contacts, deep page", deep, 100)
    searches = [timed(client, f"/segments/?q={q}")[0] for q in ("First12345", "person99", "Last5000")]
    summary("contacts page, search (not a target)", searches)
    queries = ["seg", "segment 0", "0042", "big", "med", "x", "segment 09", "1", "99", "small"] * 3
    ok &= summary("segment drop-down search (segments.json)",
                  [timed(client, f"/segments/segments.json?q={q}")[0] for q in queries], 50)
    print("all targets met" if ok else "SOME TARGETS MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
