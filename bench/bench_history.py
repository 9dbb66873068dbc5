"""Benchmark of reading history on PostgreSQL: a contact's history and a segment's first activity
page in an account holding ``--rows`` history rows.

    python bench/bench_history.py [--rows 10000000] [--contacts 1000000] [--postgres-url URL]

Builds (once; reused when present) an account with N contacts, 100 segments, 200,000 changes
(imports, bulk actions), ``--rows`` membership removals spread over the contacts (each a
contact that left a segment, with the change that had added it), one membership per contact
naming its change, and up to 1,000,000 segment-activity rows, 200,000 of them one busy segment's.
Then prints the median of 50 look-ups each (random contacts; the busy segment's first page and
a page deep in its activity). Target: < 50 ms each. Needs a PostgreSQL server
(``.ci/services.sh`` starts one).
"""

import argparse
import os
import random
import statistics
import time

import sqlalchemy as sa
from bench_segments import ensure_database, make_app

from contact_segments import Actor, migrate
from contact_segments.history.queries import contact_history, segment_activity

ACCOUNT = 1
SEGMENTS = 100
CHANGES = 200_000
ACTIVITY = 1_000_000


def populate(engine, contacts, rows):
    """Fill the account unless it already holds ``rows`` removals."""
    with engine.begin() as connection:
        have = connection.execute(sa.text("SELECT count(*) FROM segments_membership_removal")).scalar()
        if have == rows:
            return
        connection.execute(sa.text(
            "TRUNCATE segments_membership, segments_segment, segments_contact, segments_change, "
            "segments_change_segment, segments_membership_removal RESTART IDENTITY"))
        statements = [
            ("""INSERT INTO segments_contact (account_id, country_code, first_name, last_name, email, created_at,
                                              updated_at)
                SELECT :a, 'US', 'First' || g, 'Last' || g, 'p' || g || '@example.com', now(), now()
                FROM generate_series(1, :contacts) AS g""", {}),
            ("""INSERT INTO segments_segment (account_id, name, name_key, skeleton_key, caseless_skeleton_key,
                                              search_key, member_count, created_at, updated_at)
                SELECT :a, 'Segment ' || g, 'segment ' || g, md5('s' || g), md5('c' || g), 'segment ' || g, 0,
                       now(), now()
                FROM generate_series(1, :segments) AS g""", {}),
            ("""INSERT INTO segments_change (account_id, action, user_id, actor_name, via, import_id, created_at,
                                             updated_at)
                SELECT :a, CASE WHEN g % 10 = 0 THEN 'import' ELSE 'members_added' END, 1 + g % 7,
                       'User ' || (1 + g % 7), CASE WHEN g % 10 = 0 THEN 'import' ELSE 'page' END, NULL,
                       now() - make_interval(secs => :changes - g), now()
                FROM generate_series(1, :changes) AS g""", {}),
            # Loaded without its indexes, which are built afterwards (much faster than row by row).
            ("""ALTER TABLE segments_membership_removal DROP CONSTRAINT pk_segments_membership_removal""", {}),
            ("""DROP INDEX ix_segments_membership_removal_contact""", {}),
            # Each block of N rows is every contact once, in one segment: no pair twice.
            ("""INSERT INTO segments_membership_removal (change_id, segment_id, contact_id, added_change_id, added_at)
                SELECT 1 + (g * 7919 + g / :contacts) % :changes, 1 + (g / :contacts) % :segments,
                       1 + (g * 104729) % :contacts, 1 + (g * 7907) % :changes, now()
                FROM generate_series(0::bigint, :rows - 1) AS g""", {}),
            ("""ALTER TABLE segments_membership_removal ADD CONSTRAINT pk_segments_membership_removal
                PRIMARY KEY (change_id, segment_id, contact_id)""", {}),
            ("""CREATE INDEX ix_segments_membership_removal_contact ON segments_membership_removal
                (contact_id, change_id)""", {}),
            ("""INSERT INTO segments_membership (segment_id, contact_id, change_id, created_at)
                SELECT 1 + g % :segments, g, 1 + g % :changes, now() FROM generate_series(1, :contacts) AS g""", {}),
            ("""INSERT INTO segments_change_segment (change_id, segment_id, account_id, segment_name, added, removed)
                SELECT 1 + g % :changes, CASE WHEN g % 2 = 0 THEN 1 ELSE 2 + g % (:segments - 1) END, :a,
                       'Segment', 10, 1
                FROM generate_series(1, :activity) AS g
                ON CONFLICT DO NOTHING""", {}),
        ]
        params = {"a": ACCOUNT, "contacts": contacts, "segments": SEGMENTS, "changes": CHANGES, "rows": rows,
                  "activity": ACTIVITY}
        for statement, extra in statements:
            started = time.perf_counter()
            connection.execute(sa.text(statement), {**params, **extra})
            print(f"  {' '.join(statement.split()[:3])}: {time.perf_counter() - started:.0f} s")
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(sa.text("VACUUM ANALYZE"))


def median_ms(function, arguments):
    """Median milliseconds of ``function(argument)`` over ``arguments`` (after one warm-up call)."""
    function(arguments[0])
    times = []
    for argument in arguments:
        started = time.perf_counter()
        function(argument)
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def main():
    """Build the account (once) and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--contacts", type=int, default=1_000_000)
    parser.add_argument("--postgres-url", default=os.environ.get(
        "SEGMENTS_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"))
    args = parser.parse_args()
    url = ensure_database(args.postgres_url, "cs_bench_history")
    app = make_app(url)
    with app.app_context():
        state = app.extensions["segments"]
        migrate.upgrade(state.engine())
        started = time.perf_counter()
        populate(state.engine(), args.contacts, args.rows)
        print(f"cores: {os.cpu_count()}  setup: {time.perf_counter() - started:.0f} s")
        session = state.db.session
        counts = {table: session.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar()
                  for table in ("segments_membership_removal", "segments_membership", "segments_change",
                                "segments_change_segment")}
        print("history rows:", {name: f"{count:,}" for name, count in counts.items()},
              f"total {sum(counts.values()):,}")
        scope = state.scope(Actor.system(ACCOUNT))
        picked = random.Random(1).sample(range(1, args.contacts + 1), 50)
        history = median_ms(lambda contact_id: contact_history(scope, contact_id), picked)
        entries = len(contact_history(scope, picked[0]))
        print(f"a contact's history ({entries} entries): median {history:.1f} ms (target < 50 ms)")
        first = median_ms(lambda _: segment_activity(scope, 1), list(range(50)))
        deep = median_ms(lambda before: segment_activity(scope, 1, before_change_id=before),
                         [CHANGES // 2 + offset for offset in range(50)])
        busy = session.execute(sa.text(
            "SELECT count(*) FROM segments_change_segment WHERE segment_id = 1")).scalar()
        print(f"the busy segment's activity ({busy:,} changes): first page median {first:.1f} ms, "
              f"a page in the middle {deep:.1f} ms (target < 50 ms)")
        session.commit()


if __name__ == "__main__":
    main()
