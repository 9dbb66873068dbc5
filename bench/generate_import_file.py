"""Write realistic contact import files for benchmarks and load tests.

    python bench/generate_import_file.py out.csv 100000 [--delimiter ";"] [--encoding cp1252]

or from Python: ``write_import_file(path, rows, seed=1, bad_fraction=0.02, segments=[...])``.
Rows mix US, CA, BR and AU contacts with mobile numbers in the formats people type, emails,
account numbers, organizations, external ids and 0-3 segments; ``bad_fraction`` of the rows
carry one mistake (calling code as country, bad number, bad email, missing name, no contact
point) so validation's error path is exercised too.
"""

import argparse
import csv
import random

HEADER = ["Country Code", "First Name", "Last Name", "Mobile Number", "Email",
          "Account Number", "Organization", "External ID", "Segments"]

DEFAULT_SEGMENTS = ["Downtown Store", "Service Plan", "VIP", "North Region", "Loja Centro",
                    "Plano de Serviço", "Used Cars", "Newsletter"]

FIRST_NAMES = ["Jane", "John", "Maria", "José", "Ana", "Lucas", "Olivia", "Liam", "Chloé",
               "Noah", "Mia", "Zoë", "Pedro", "Beatriz", "Jack", "Charlotte"]
LAST_NAMES = ["Doe", "Smith", "Silva", "Santos", "Oliveira", "Brown", "Tremblay", "Roy",
              "Wilson", "Nguyen", "Conceição", "O'Brien", "Müller", "Taylor"]
ORGANIZATIONS = ["", "", "Acme Motors", "Auto Center Ltda", "Maple Leaf Autos", "Sydney Cars"]
DOMAINS = ["example.com", "gmail.com", "outlook.com", "uol.com.br", "yahoo.com.au", "rogers.ca"]

# Valid area codes / prefixes per country, and how people type the national number.
_US_AREAS = ["415", "212", "646", "305", "312", "512", "617", "206"]
_CA_AREAS = ["416", "604", "514", "403", "613", "905"]
_BR_AREAS = ["11", "21", "31", "41", "51", "61", "71", "81"]


def _mobile(rng, country):
    if country in ("US", "CA"):
        area = rng.choice(_US_AREAS if country == "US" else _CA_AREAS)
        exchange = f"{rng.randint(2, 9)}{rng.randint(0, 9)}{rng.randint(2, 9)}"
        line = f"{rng.randint(0, 9999):04d}"
        return rng.choice([
            f"({area}) {exchange}-{line}", f"{area}.{exchange}.{line}", f"{area}-{exchange}-{line}",
            f"{area}{exchange}{line}", f"+1 {area} {exchange} {line}",
        ])
    if country == "BR":
        area = rng.choice(_BR_AREAS)
        first, last = f"9{rng.randint(6000, 9999)}", f"{rng.randint(0, 9999):04d}"
        return rng.choice([
            f"{area} {first}-{last}", f"({area}) {first}-{last}", f"{area}{first}{last}",
            f"+55 {area} {first}-{last}", f"0{area} {first}{last}",
        ])
    number = f"4{rng.choice('0123')}{rng.randint(0, 9)} {rng.randint(0, 999):03d} {rng.randint(0, 999):03d}"
    return rng.choice([f"0{number}", f"+61 {number}", f"0{number.replace(' ', '')}"])


def _segments(rng, segments):
    count = rng.choice([0, 1, 1, 2, 2, 3])
    return "; ".join(rng.sample(segments, min(count, len(segments))))


def make_row(rng, index, segments=DEFAULT_SEGMENTS, bad=False):
    """Return one row (list of 9 cells); ``bad`` puts one typical mistake in it."""
    country = rng.choice(["US", "US", "BR", "BR", "CA", "AU"])
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    mobile = _mobile(rng, country) if rng.random() < 0.9 else ""
    ascii_first = first.encode("ascii", "ignore").decode().lower() or "user"
    email = f"{ascii_first}.{index}@{rng.choice(DOMAINS)}" if (not mobile or rng.random() < 0.7) else ""
    row = [country, first, last, mobile, email,
           f"A-{index:07d}" if rng.random() < 0.5 else "", rng.choice(ORGANIZATIONS),
           f"CRM-{index}" if rng.random() < 0.6 else "", _segments(rng, segments)]
    if bad:
        mistake = rng.randrange(5)
        if mistake == 0:
            row[0] = {"US": "+1", "CA": "+1", "BR": "55", "AU": "61"}[country]
        elif mistake == 1:
            row[3] = "12345"
        elif mistake == 2:
            row[4] = f"{ascii_first}@@{rng.choice(DOMAINS)}"
        elif mistake == 3:
            row[1] = ""
        else:
            row[3] = row[4] = ""
    return row


def write_import_file(path, rows, seed=1, bad_fraction=0.02, segments=DEFAULT_SEGMENTS,
                      delimiter=",", encoding="utf-8"):
    """Write a CSV import file of ``rows`` contacts (plus the header) to ``path``.

    Deterministic for a given ``seed``. Returns the number of rows written with a mistake.
    """
    rng = random.Random(seed)
    bad_count = 0
    with open(path, "w", newline="", encoding=encoding, errors="replace") as fh:
        writer = csv.writer(fh, delimiter=delimiter)
        writer.writerow(HEADER)
        for index in range(rows):
            bad = rng.random() < bad_fraction
            bad_count += bad
            writer.writerow(make_row(rng, index, segments, bad))
    return bad_count


def main(argv=None):
    """Command line: write a file (see the module docstring)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path")
    parser.add_argument("rows", type=int)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--bad-fraction", type=float, default=0.02)
    parser.add_argument("--delimiter", default=",")
    parser.add_argument("--encoding", default="utf-8")
    args = parser.parse_args(argv)
    bad = write_import_file(args.path, args.rows, seed=args.seed, bad_fraction=args.bad_fraction,
                            delimiter=args.delimiter, encoding=args.encoding)
    print(f"wrote {args.rows} rows ({bad} with a mistake) to {args.path}")


if __name__ == "__main__":
    main()
