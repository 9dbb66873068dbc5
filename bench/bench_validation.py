"""Throughput of the import front half (read + validate) on one core, against phonenumbers.

    python bench/bench_validation.py [ROWS=200000] [ROUNDS=3]

Generates ROWS realistic rows (bench/generate_import_file.py) in a temp dir, then measures, in
ROUNDS alternating rounds, in this one process (one core):

* the **baseline**: ``phonenumbers.parse`` + ``is_valid_number`` + ``format_number(E164)`` for
  every mobile of the file (the numbers held in a list, no file reading), expressed per file
  row too, since not every row has a mobile;
* **read + validate**: ``open_rows`` (sniff, pre-pass count) and ``validate_rows`` over the
  whole file, every row validated as the import does.

Times are the process's CPU time (``time.process_time``), best round of each: the machine is
shared, and CPU time is what one core spends whatever else runs. Wall-clock figures are
printed as well. Prints rows/s, the ratio read+validate / baseline (per file row; above 1.0
means validating a row costs less than phonenumbers alone on its number), and the peak RSS
after reading and validating (taken before the baseline's list is built).
"""

import os
import resource
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import phonenumbers  # noqa: E402
from generate_import_file import write_import_file  # noqa: E402

from contact_segments.imports.reading import open_rows  # noqa: E402
from contact_segments.imports.validation import validate_rows  # noqa: E402

_E164 = phonenumbers.PhoneNumberFormat.E164


def _timed(work):
    """Run ``work()``; return ``(result, cpu seconds, wall seconds)``."""
    cpu, wall = time.process_time(), time.perf_counter()
    result = work()
    return result, time.process_time() - cpu, time.perf_counter() - wall


def read_only(path):
    """Read every row of the file; return the row count."""
    with open_rows(path, "contacts.csv") as result:
        return sum(1 for _ in result.rows)


def read_and_validate(path):
    """Read and validate every row of the file; return the number of rows with errors."""
    failed = 0
    with open_rows(path, "contacts.csv") as result:
        for row in validate_rows(result.rows):
            failed += bool(row.errors)
    return failed


def mobile_pairs(path):
    """The ``(mobile, country)`` pairs of the file the baseline parses."""
    with open_rows(path, "contacts.csv") as result:
        pairs = [(row.cells["mobile"], row.cells["country_code"]) for row in result.rows]
    return [(mobile, country) for mobile, country in pairs if mobile and len(country) == 2]


def baseline(pairs):
    """phonenumbers parse + is_valid_number + E.164 on every pair; return the valid count."""
    valid = 0
    for mobile, country in pairs:
        try:
            number = phonenumbers.parse(mobile, country)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(number):
            phonenumbers.format_number(number, _E164)
            valid += 1
    return valid


def _rate(count, seconds):
    return f"{count / seconds:,.0f} rows/s"


def main(argv=None):
    """Run the benchmark and print the figures."""
    argv = sys.argv[1:] if argv is None else argv
    rows = int(argv[0]) if argv else 200_000
    rounds = int(argv[1]) if len(argv) > 1 else 3
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "contacts.csv")
        started = time.perf_counter()
        bad = write_import_file(path, rows)
        print(f"generated {rows:,} rows ({bad:,} bad), {os.path.getsize(path) / 2**20:.1f} MiB, "
              f"in {time.perf_counter() - started:.1f} s; {os.cpu_count()} cores, "
              f"load average {os.getloadavg()[0]:.2f}")

        count, cpu, wall = _timed(lambda: read_only(path))
        print(f"read only:        {_rate(count, cpu)} (CPU {cpu:.2f} s, wall {wall:.2f} s)")

        failed, validate_cpu, validate_wall = _timed(lambda: read_and_validate(path))
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        pairs = mobile_pairs(path)
        _, base_cpu, base_wall = _timed(lambda: baseline(pairs))
        for _ in range(rounds - 1):
            _, cpu, wall = _timed(lambda: read_and_validate(path))
            validate_cpu, validate_wall = min(validate_cpu, cpu), min(validate_wall, wall)
            _, cpu, wall = _timed(lambda: baseline(pairs))
            base_cpu, base_wall = min(base_cpu, cpu), min(base_wall, wall)

        print(f"baseline (phonenumbers parse + is_valid_number + E.164, {len(pairs):,} numbers): "
              f"{len(pairs) / base_cpu:,.0f} numbers/s = {_rate(rows, base_cpu)} per file row "
              f"(CPU {base_cpu:.2f} s, wall {base_wall:.2f} s)")
        print(f"read + validate:  {_rate(rows, validate_cpu)} (CPU {validate_cpu:.2f} s, "
              f"wall {validate_wall:.2f} s); {failed:,} rows with errors")
        print(f"ratio read+validate / baseline (rows/s, one core): {base_cpu / validate_cpu:.2f}x "
              f"(wall clock: {base_wall / validate_wall:.2f}x)")
        print(f"peak RSS after read + validate: {peak:.0f} MiB")


if __name__ == "__main__":
    main()
