"""End-to-end import throughput on PostgreSQL with RQ workers, against the phonenumbers baseline.

    python bench/bench_import.py [--rows 200000] [--workers 2]
        [--postgres postgresql+psycopg://postgres@127.0.0.1:5432/postgres]
        [--redis redis://127.0.0.1:6379/0]

(defaults: ``SEGMENTS_TEST_POSTGRES_URL`` / ``SEGMENTS_TEST_REDIS_URL``; ``--workers`` defaults to
the number of CPUs). It creates a fresh database, generates a realistic file
(bench/generate_import_file.py: US, CA, BR, AU numbers as people type them, emails, 0-3
segments, 2% bad rows), starts ``--workers`` ``flask segments worker`` processes and measures:

1. the baseline: phonenumbers parse + is_valid_number + E.164 format of the file's numbers on
   one core, in numbers per second, before and again after import (2), once the machine is idle
   (a virtual machine's speed drifts; the ratio uses their mean);
2. an import of ROWS rows into an empty account, end to end (upload stored in the database,
   checked, cut into parts, validated by the workers, applied): rows/s and its ratio to the
   baseline (target >= 1.5);
3. an import of ROWS rows into that account, now holding about ROWS contacts, that updates half of
   them and creates the other half: rows/s and how much slower it is than (2) (target <= 1.2x);
4. the undo of import (3) on the workers (its memberships removed and put back, its updated
   contacts given their earlier values, its new contacts deleted): rows/s and its time against
   the import's (target: no slower than the import);
5. the peak RSS of every process (the workers, their work horses, this process; target < 300 MB).
"""

import argparse
import csv
import multiprocessing
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
import uuid

import sqlalchemy as sa

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from bench_validation import baseline  # noqa: E402
from generate_import_file import DEFAULT_SEGMENTS, write_import_file  # noqa: E402

from contact_segments import Actor, segments  # noqa: E402
from contact_segments.demo import create_app  # noqa: E402
from contact_segments.demo.models import Account, db  # noqa: E402
from contact_segments.history import undo  # noqa: E402
from contact_segments.imports import service  # noqa: E402
from contact_segments.imports.models import ENDED  # noqa: E402

MIB = 1024 * 1024


def _mobile_pairs(path):
    """The ``(mobile, country)`` pairs the baseline parses (as bench_validation's, read with the
    csv module: a million-row file is over the import's default size limit)."""
    with open(path, newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        mobile, country = header.index("Mobile Number"), header.index("Country Code")
        pairs = [(record[mobile].strip(), record[country].strip()) for record in reader]
    return [(number, region) for number, region in pairs if number and len(region) == 2]


def _baseline(path):
    """Numbers per second of phonenumbers parse + validate + E.164 on one core (the same
    measure as bench/bench_validation.py)."""
    pairs = _mobile_pairs(path)
    started = time.perf_counter()
    baseline(pairs)
    return len(pairs) / (time.perf_counter() - started), len(pairs)


def _busy_share(seconds=1.0):
    """The share of this machine's CPU time that was busy over the next ``seconds``."""
    def times():
        with open("/proc/stat") as handle:
            values = [int(value) for value in handle.readline().split()[1:]]
        return values[3] + values[4], sum(values)  # idle + iowait, total

    idle1, total1 = times()
    time.sleep(seconds)
    idle2, total2 = times()
    return 1 - (idle2 - idle1) / max(1, total2 - total1)


def _wait_until_idle(limit=60, busy=0.1):
    """Wait (up to ``limit`` seconds) until the machine is idle: PostgreSQL's autovacuum works
    for a while after a large import, and a baseline measured meanwhile would be too low."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline and os.path.exists("/proc/stat"):
        if _busy_share() < busy:
            return


def _split_files(tmp, rows):
    """Write file 1 (rows 0..N) and file 2 (rows N/2..N changed, then N new rows' worth)."""
    source = os.path.join(tmp, "all.csv")
    write_import_file(source, rows + rows // 2, seed=1)
    first, second = os.path.join(tmp, "first.csv"), os.path.join(tmp, "second.csv")
    with open(source, newline="", encoding="utf-8") as handle, \
            open(first, "w", newline="", encoding="utf-8") as out1, \
            open(second, "w", newline="", encoding="utf-8") as out2:
        reader = csv.reader(handle)
        writer1, writer2 = csv.writer(out1), csv.writer(out2)
        header = next(reader)
        writer1.writerow(header)
        writer2.writerow(header)
        for index, record in enumerate(reader):
            if index < rows:
                writer1.writerow(record)
            if rows // 2 <= index < rows:
                record[6] = "Updated Org"  # Organization: the existing contact is updated
                writer2.writerow(record)
            elif index >= rows:
                writer2.writerow(record)
    os.remove(source)
    return first, second


class PeakMemory:
    """Polls the VmHWM (peak RSS) of a set of processes and all their descendants."""

    def __init__(self, pids):
        self.roots = set(pids)
        self.peaks = {}  # pid -> (name, peak bytes)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _descendants(self):
        parents = {}
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    with open(f"/proc/{entry}/stat") as handle:
                        parents[int(entry)] = int(handle.read().rsplit(")", 1)[1].split()[1])
                except OSError:
                    continue
        found, frontier = set(self.roots), set(self.roots)
        while frontier:
            frontier = {pid for pid, parent in parents.items() if parent in frontier} - found
            found |= frontier
        return found

    def _sample(self):
        for pid in self._descendants():
            try:
                with open(f"/proc/{pid}/status") as handle:
                    fields = dict(line.split(":", 1) for line in handle if ":" in line)
            except OSError:
                continue
            peak = int(fields.get("VmHWM", "0 kB").split()[0]) * 1024
            role = "worker" if pid in self.roots else "work horse"
            if peak > self.peaks.get(pid, ("", 0))[1]:
                self.peaks[pid] = (role, peak)

    def _run(self):
        while not self._stop.is_set():
            self._sample()
            time.sleep(0.05)

    def start(self):
        self._thread.start()
        return self

    def stop(self):
        self._stop.set()
        self._thread.join()
        self._sample()


def _import(app, account_id, path, label):
    """Run one import on the workers; return (seconds, the finished Import)."""
    state = app.extensions["segments"]
    scope = state.scope(Actor.system(account_id))
    started = time.perf_counter()
    with open(path, "rb") as handle:
        imp = service.create_import(scope, handle, os.path.basename(path), check=False)
    service.start(scope, imp.id)
    while True:
        time.sleep(0.2)
        if time.perf_counter() - started > 3600:
            raise SystemExit(f"{label}: import {imp.id} did not end within an hour")
        state.db.session.expire_all()
        imp = service.get_import(scope, imp.id)
        state.db.session.commit()
        if imp.status in ENDED:
            break
    seconds = time.perf_counter() - started
    if imp.status != "finished":
        raise SystemExit(f"{label}: import {imp.status}: {imp.error_message}")
    return seconds, imp


def _undo(app, account_id, imp):
    """Undo import ``imp`` on the workers; return (seconds, its summary)."""
    state = app.extensions["segments"]
    scope = state.scope(Actor.system(account_id))
    started = time.perf_counter()
    change = undo.request(scope, imp.id)
    undo.launch(state, change.id)
    while True:
        time.sleep(0.2)
        state.db.session.expire_all()
        result = undo.status(scope, imp.id)
        state.db.session.commit()
        if result["status"] in ("finished", "failed"):
            break
        if time.perf_counter() - started > 3600:
            raise SystemExit(f"the undo of import {imp.id} did not end within an hour")
    if result["status"] != "finished":
        raise SystemExit(f"the undo of import {imp.id} failed")
    return time.perf_counter() - started, result["summary"]


def main(argv=None):
    """Run the benchmark and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--postgres", default=os.environ.get(
        "SEGMENTS_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"))
    parser.add_argument("--redis", default=os.environ.get("SEGMENTS_TEST_REDIS_URL", "redis://127.0.0.1:6379/0"))
    args = parser.parse_args(argv)
    sys.stdout.reconfigure(line_buffering=True)

    name = f"bench_import_{os.getpid()}"
    admin = sa.create_engine(args.postgres, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = sa.engine.make_url(args.postgres).set(database=name).render_as_string(hide_password=False)
    queue = f"segments-bench-{uuid.uuid4().hex[:8]}"
    workers, pool = [], None
    try:
        with tempfile.TemporaryDirectory() as tmp:
            started = time.perf_counter()
            first, second = _split_files(tmp, args.rows)
            print(f"files: {args.rows:,} rows each ({os.path.getsize(first) / MIB:.1f} MiB), "
                  f"generated in {time.perf_counter() - started:.1f} s")
            # Forked now, before the app and its connections exist; its memory is not ours.
            pool = multiprocessing.get_context("fork").Pool(1)
            base_before, numbers = pool.apply(_baseline, (first,))
            print(f"baseline, phonenumbers parse+valid+E.164 on one core: {base_before:,.0f} numbers/s "
                  f"({numbers:,} numbers)")

            # A million rows are over the default 50 MB upload limit: allow twice the file.
            max_bytes = max(50 * MIB, 2 * os.path.getsize(second), 2 * os.path.getsize(first))
            app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SEGMENTS_REDIS_URL": args.redis,
                              "SEGMENTS_QUEUE_NAME": queue, "DEMO_SEED": False,
                              "SEGMENTS_IMPORT_MAX_FILE_BYTES": max_bytes})
            with app.app_context():
                # The workers build the demo app too, which seeds sample data into a database
                # without accounts (and two workers seeding at once make one of them crash).
                db.session.add(Account(name="Benchmark"))
                db.session.commit()
            env = {**os.environ, "DATABASE_URL": url, "REDIS_URL": args.redis,
                   "SEGMENTS_IMPORT_MAX_FILE_BYTES": str(max_bytes)}
            log = open(os.path.join(tmp, "workers.log"), "w")
            workers = [subprocess.Popen(
                [sys.executable, "-m", "flask", "--app", "contact_segments.demo", "segments", "worker",
                 "--queue", queue], env=env, stdout=log, stderr=subprocess.STDOUT)
                for _ in range(args.workers)]
            memory = PeakMemory([w.pid for w in workers]).start()
            with app.app_context():
                account_id = db.session.execute(sa.select(Account.id)).scalar_one()
                scope = app.extensions["segments"].scope(Actor.system(account_id))
                for segment_name in DEFAULT_SEGMENTS:
                    segments.create(scope, segment_name)
                time.sleep(2)  # let the workers start
                seconds1, imp1 = _import(app, account_id, first, "empty account")
                rate1 = args.rows / seconds1
                print(f"\n{args.workers} workers, empty account: {rate1:,.0f} rows/s "
                      f"({args.rows:,} rows in {seconds1:.1f} s; {imp1.created:,} created, "
                      f"{imp1.failed:,} failed)")
                # A virtual machine's speed drifts within minutes: the baseline is measured again
                # once the machine is idle after the import, and the ratio uses the mean of the two.
                _wait_until_idle()
                base_after, _ = pool.apply(_baseline, (first,))
                pool.close()
                base_rate = (base_before + base_after) / 2
                print(f"  baseline again after the import: {base_after:,.0f} numbers/s; mean "
                      f"{base_rate:,.0f} (the two differ by {abs(base_after - base_before) / base_rate:.0%})")
                print(f"  ratio to the baseline: {rate1 / base_rate:.2f}x (target >= 1.5x)")
                seconds2, imp2 = _import(app, account_id, second, "half updates")
                rate2 = args.rows / seconds2
                print(f"{args.workers} workers, account holding {imp1.created:,} contacts, file "
                      f"updates half: {rate2:,.0f} rows/s ({seconds2:.1f} s; {imp2.created:,} "
                      f"created, {imp2.updated:,} updated, {imp2.unchanged:,} unchanged, "
                      f"{imp2.failed:,} failed)")
                print(f"  {seconds2 / seconds1:.2f}x the time of the empty-account import "
                      "(target <= 1.2x)")
                seconds3, summary = _undo(app, account_id, imp2)
                print(f"undo of that import on the workers: {args.rows / seconds3:,.0f} rows/s ({seconds3:.1f} s; "
                      f"{seconds3 / seconds2:.2f}x the import's time, target <= 1x): {summary}")
            memory.stop()
            print("\npeak RSS per process (target < 300 MB):")
            horses = [peak for role, peak in memory.peaks.values() if role == "work horse"]
            for pid, (role, peak) in sorted(memory.peaks.items()):
                if role == "worker":
                    print(f"  worker {pid}: {peak / MIB:.0f} MiB")
            if horses:
                print(f"  work horses ({len(horses)} jobs): max {max(horses) / MIB:.0f} MiB")
            own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
            print(f"  this process (upload, polling): {own / MIB:.0f} MiB")
    finally:
        if pool is not None:
            pool.terminate()
        for worker in workers:
            worker.terminate()
        for worker in workers:
            worker.wait(timeout=30)
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


if __name__ == "__main__":
    main()
