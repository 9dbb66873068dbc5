"""Benchmark of segment operations and audience resolution on PostgreSQL (issue 2's targets).

    python bench/bench_segments.py [--contacts 1000000] [--postgres-url URL]

Builds (once; reused when present) an account with N contacts and three segments of ~40% of
them each, then prints: recipients streamed per second for include-two-exclude-one on sms (the
median of five runs after a warm-up, in a process of its own) and that process's peak memory, the count's time, select-all add of 100,000 contacts, delete of
a 400,000-member segment (and the purge of the deleted segments), the list of 1,000 segments with counts, and the audience picker's
figures: its count endpoint (both channels) for include-two-exclude-one and its segment search
among 1,000 segments. Needs a PostgreSQL server
(``.ci/services.sh`` starts one).
"""

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time

import sqlalchemy as sa
from flask import Flask

from contact_segments import Actor, ContactFilter, Segments, memberships, migrate, segments
from contact_segments.history import deleted
from contact_segments.models import Segment

ACCOUNT = 1


def make_app(url):
    """A bare host app with the plugin on ``url``."""
    app = Flask("bench")
    app.config.update(SECRET_KEY="bench", SEGMENTS_DATABASE_URL=url)
    Segments(app, register_blueprint=False)
    return app


def ensure_database(admin_url, name):
    """Create database ``name`` if missing; return its URL."""
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        if not connection.execute(sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).first():
            connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return sa.engine.make_url(admin_url).set(database=name).render_as_string(hide_password=False)


def populate(state, contacts):
    """Insert ``contacts`` contacts and segments Big A/B/C (~40% each) unless already there."""
    engine = state.engine()
    with engine.begin() as connection:
        have = connection.execute(sa.text(
            "SELECT count(*) FROM segments_contact WHERE account_id = :a"), {"a": ACCOUNT}).scalar()
        if have == contacts:
            return
        connection.execute(sa.text("TRUNCATE segments_membership, segments_segment, segments_contact RESTART IDENTITY"))
        connection.execute(sa.text("""
            INSERT INTO segments_contact (account_id, country_code, first_name, last_name, mobile, email,
                                          created_at, updated_at)
            SELECT :a, 'US', 'First' || g, 'Last' || g,
                   CASE WHEN g % 10 <> 0 THEN '+1' || (2000000000 + g)::text END,
                   CASE WHEN g % 5 <> 0 THEN 'person' || g || '@example.com' END, now(), now()
            FROM generate_series(1, :n) AS g"""), {"a": ACCOUNT, "n": contacts})
    scope = state.scope(Actor.system(ACCOUNT))
    for index, name in enumerate(("Big A", "Big B", "Big C")):
        segment = segments.create(scope, name)
        with engine.begin() as connection:
            added = connection.execute(sa.text("""
                INSERT INTO segments_membership (segment_id, contact_id)
                SELECT :s, id FROM segments_contact
                WHERE account_id = :a AND (hashint4(id::int + :salt) & 1023) < 410"""),
                {"s": segment.id, "a": ACCOUNT, "salt": index * 7919}).rowcount
            connection.execute(sa.text("UPDATE segments_segment SET member_count = :c WHERE id = :s"),
                               {"c": added, "s": segment.id})
    with engine.begin() as connection:
        connection.execute(sa.text("ANALYZE"))


STREAM_RUNS = 5


def stream_child(url):
    """Child process: stream include-two-exclude-one for sms once to warm up, then STREAM_RUNS
    times; print the count, each run's seconds and the peak RSS in MB."""
    app = make_app(url)
    with app.app_context():
        state = app.extensions["segments"]
        ids = {s.name: s.id for s in segments.all_segments(state.db.session, ACCOUNT)}
        runs = []
        for _ in range(1 + STREAM_RUNS):
            started = time.perf_counter()
            total = 0
            for batch in state.pm.hook.segments_iter_recipients(
                    account_id=ACCOUNT, include=[ids["Big A"], ids["Big B"]], exclude=[ids["Big C"]],
                    channel="sms", batch_size=5000):
                total += len(batch)
            runs.append(time.perf_counter() - started)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(total, peak_mb, *runs[1:])


class BenchActor:
    """The acting user of the picker's requests: a manager of the benchmark's account."""

    from contact_segments.hooks.markers import hookimpl

    @hookimpl
    def segments_current_actor(self):
        """A manager of the benchmark's account."""
        return Actor(account_id=ACCOUNT, user_id=1, role="manager")


def picker_figures(url, include, exclude):
    """Time the audience picker: its count endpoint over HTTP (Flask test client, both channels)
    and its segment search (the rows the picker macro shows for a search) among the segments."""
    from contact_segments.blueprints.ui_audience import picker_state

    app = Flask("bench-picker")
    app.config.update(SECRET_KEY="bench", SEGMENTS_DATABASE_URL=url)
    Segments(app)
    app.extensions["segments"].pm.register(BenchActor(), name="bench-actor")
    client = app.test_client()
    query = "&".join([f"include={value}" for value in include] + [f"exclude={value}" for value in exclude])
    answer, seconds = timed(lambda: client.get(f"/segments/audience/count.json?{query}").get_json(), 3)
    print(f"picker count endpoint include 2 exclude 1 (sms {answer['counts']['sms']:,}, email "
          f"{answer['counts']['email']:,}): {seconds * 1000:.0f} ms (target < 1000 ms)")
    with app.test_request_context("/"):
        state, seconds = timed(lambda: picker_state(search="store 09"), 5)
        print(f"picker segment search among {state.total:,}: {len(state.rows)} rows in {seconds * 1000:.1f} ms "
              f"(target < 50 ms)")


def timed(function, repeat=1):
    """Run ``function`` ``repeat`` times; return (last result, median seconds)."""
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - started)
    return result, statistics.median(times)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, default=1_000_000)
    parser.add_argument("--postgres-url", default=os.environ.get(
        "SEGMENTS_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"))
    parser.add_argument("--stream-child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.stream_child:
        return stream_child(args.stream_child)

    url = ensure_database(args.postgres_url, "cs_bench_segments")
    app = make_app(url)
    print(f"cores: {os.cpu_count()}  contacts: {args.contacts:,}")
    with app.app_context():
        state = app.extensions["segments"]
        migrate.upgrade(state.engine())
        started = time.perf_counter()
        populate(state, args.contacts)
        print(f"setup: {time.perf_counter() - started:.1f} s")
        session = state.db.session
        scope = state.scope(Actor.system(ACCOUNT))
        ids = {s.name: s.id for s in segments.all_segments(session, ACCOUNT)}
        print("segments:", {name: count for name, count in session.execute(
            sa.select(Segment.name, Segment.member_count).where(Segment.name.like("Big %")))})

        out = subprocess.run([sys.executable, __file__, "--stream-child", url],
                             capture_output=True, text=True, check=True).stdout.split()
        streamed, peak, runs = int(out[0]), float(out[1]), [float(value) for value in out[2:]]
        rates = sorted(streamed / seconds for seconds in runs)
        print(f"stream include 2 exclude 1 (sms): {streamed:,} recipients, median of {len(runs)} runs after a "
              f"warm-up: {statistics.median(rates):,.0f} recipients/s (target >= 500,000; runs "
              f"{', '.join(f'{rate / 1000:,.0f}k' for rate in rates)}); peak RSS {peak:.0f} MB (target < 150)")

        count, seconds = timed(lambda: state.pm.hook.segments_count_recipients(
            account_id=ACCOUNT, include=[ids["Big A"], ids["Big B"]], exclude=[ids["Big C"]], channel="sms"), 3)
        assert count == streamed, (count, streamed)
        print(f"count: {count:,} in {seconds * 1000:.0f} ms (target < 1000 ms)")

        # select-all add of 100,000 contacts: every contact whose search matches "First1" prefix range
        seed = segments.create(scope, f"Seed {time.time_ns()}")
        with state.engine().begin() as connection:
            connection.execute(sa.text(
                "INSERT INTO segments_membership (segment_id, contact_id) SELECT :s, id FROM segments_contact "
                "WHERE account_id = :a ORDER BY id LIMIT 100000"), {"s": seed.id, "a": ACCOUNT})
        target = segments.create(scope, f"Select-all {time.time_ns()}")
        added, seconds = timed(lambda: memberships.add_contacts(
            scope, target.id, contact_filter=ContactFilter(segment_ids=(seed.id,))))
        print(f"select-all add: {added:,} contacts in {seconds * 1000:.0f} ms (target < 2000 ms)")
        segments.delete(scope, seed.id)
        segments.delete(scope, target.id)

        # delete a segment of ~400,000 members (a copy of Big C, so the data set stays reusable)
        copy = segments.create(scope, f"Copy {time.time_ns()}",
                               contact_filter=ContactFilter(segment_ids=(ids["Big C"],)))
        removed, seconds = timed(lambda: segments.delete(scope, copy.id))
        print(f"delete segment: {removed:,} members in {seconds * 1000:.0f} ms (target < 2000 ms)")
        # The deleted segments are kept for restoring: purge them now (as the retention window's
        # end would), so that the data set stays as it was for the next run.
        purged, seconds = timed(lambda: deleted.purge(session, {**state.config, "SEGMENTS_DELETED_SEGMENT_DAYS": 0}))
        print(f"purge of the deleted segments: {purged.memberships:,} memberships in {seconds:.1f} s")

        # 1,000 segments with counts
        have = segments.list_segments(scope, per_page=1).total
        if have < 1000:
            with state.engine().begin() as connection:
                connection.execute(sa.insert(Segment), [
                    {"account_id": ACCOUNT, "member_count": 0, **segments.name_columns(f"Store {index:04d}")}
                    for index in range(have, 1000)])
        page, seconds = timed(lambda: segments.list_segments(scope, page=1, per_page=1000), 5)
        print(f"list {page.total:,} segments with counts: {seconds * 1000:.1f} ms (target < 100 ms)")
        _, seconds = timed(lambda: segments.list_segments(scope, search="store 09", per_page=50), 5)
        print(f"search segments among {page.total:,}: {seconds * 1000:.1f} ms")
    picker_figures(url, [ids["Big A"], ids["Big B"]], [ids["Big C"]])


if __name__ == "__main__":
    main()
