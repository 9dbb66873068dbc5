"""Throughput of the import front half (read + validate) on one core.

    python bench/bench_validation.py [ROWS=200000]

Generates ROWS realistic rows (bench/generate_import_file.py) in a temp dir and prints:
the phonenumbers baseline (parse + is_valid_number + E.164 for every mobile in the file),
read-only rows/s, read+validate rows/s, and the process's peak RSS after reading and
validating (measured before the baseline, which holds its numbers in a list).
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


def _rate(count, seconds):
    return f"{count / seconds:,.0f} rows/s ({count:,} rows in {seconds:.2f} s)"


def main(argv=None):
    """Run the benchmark and print the figures."""
    argv = sys.argv[1:] if argv is None else argv
    rows = int(argv[0]) if argv else 200_000
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "contacts.csv")
        started = time.perf_counter()
        bad = write_import_file(path, rows)
        print(f"generated {rows:,} rows ({bad:,} bad), {os.path.getsize(path) / 2**20:.1f} MiB, "
              f"in {time.perf_counter() - started:.1f} s")

        started = time.perf_counter()
        with open_rows(path, "contacts.csv") as result:
            opened = time.perf_counter() - started
            total = result.total_rows
            count = sum(1 for _ in result.rows)
        seconds = time.perf_counter() - started
        print(f"open (sniff + pre-pass count): {opened:.2f} s; read only: {_rate(count, seconds)}")

        started = time.perf_counter()
        failed = 0
        with open_rows(path, "contacts.csv") as result:
            for row in validate_rows(result.rows):
                failed += bool(row.errors)
        seconds = time.perf_counter() - started
        print(f"read + validate: {_rate(total, seconds)}; {failed:,} rows with errors")
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        print(f"peak RSS after read + validate: {peak / 1024:.0f} MiB")

        with open_rows(path, "contacts.csv") as result:
            pairs = [(row.cells["mobile"], row.cells["country_code"]) for row in result.rows]
        pairs = [(m, c) for m, c in pairs if m and len(c) == 2]
        started = time.perf_counter()
        for mobile, country in pairs:
            try:
                number = phonenumbers.parse(mobile, country)
            except phonenumbers.NumberParseException:
                continue
            if phonenumbers.is_valid_number(number):
                phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
        seconds = time.perf_counter() - started
        print(f"phonenumbers baseline (parse+valid+E.164): {_rate(len(pairs), seconds)}; "
              f"that is {rows / seconds:,.0f} file rows/s at this file's share of mobiles")



if __name__ == "__main__":
    main()
