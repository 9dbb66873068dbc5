"""Rebuild the small bad-file corpus in this folder: ``python tests/imports/corpus/build_corpus.py``.

Each file is a mistake users make; tests/imports/test_import_corpus.py says what the reader must
answer for each. Large cases (zip bomb, 10 MB cell, over-limit files) are built in the tests.
"""

import io
import os
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
HEADER = "Country Code,First Name,Last Name,Mobile Number,Email,Account Number,Organization,External ID,Segments"
ROW = "US,Jane,Doe,(415) 555-2671,jane@example.com,A-1,Acme,CRM-1,VIP"


def _xlsx_bytes():
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADER.split(","))
    for index in range(200):
        sheet.append(["US", f"Jane{index}", "Doe", "(415) 555-2671", f"j{index}@example.com",
                      "", "", "", ""])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def files():
    """Return {file name: bytes} of the corpus."""
    crlf = "\r\n"
    xlsx = _xlsx_bytes()
    return {
        "empty.csv": b"",
        "whitespace_only.csv": b"\r\n  \r\n\r\n",
        "header_only.csv": (HEADER + crlf).encode(),
        "header_and_blank_rows.csv": (HEADER + crlf + ",,,,,,,," + crlf + crlf).encode(),
        "png_renamed.csv": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10" + bytes(range(256)),
        "pdf_renamed.csv": b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n",
        "xlsx_renamed.csv": xlsx,
        "binary_noise.csv": bytes((i * 37 + 11) % 256 for i in range(4096)),
        "old_excel.xls": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512,
        "contacts.ods": b"PK\x03\x04 not really",
        "csv_renamed.xlsx": (HEADER + crlf + ROW + crlf).encode(),
        "truncated.xlsx": xlsx[: len(xlsx) // 2],
        "missing_columns.csv": ("Name,Phone,Email" + crlf + "Jane Doe,4155552671,j@x.com" + crlf).encode(),
        "duplicate_columns.csv": ("Country Code,First Name,Nome,Last Name,Email" + crlf
                                  + "US,Jane,Jane,Doe,j@x.com" + crlf).encode(),
        "too_many_cells.csv": (HEADER + crlf + ROW + crlf
                               + "US,John,Smith,(415) 555-2672,john@example.com,A-2,Acme, Inc,CRM-2,VIP"
                               + crlf).encode(),
        "nul_bytes.csv": (HEADER + crlf + ROW + crlf).encode().replace(b"Jane", b"Ja\x00ne"),
        "unbalanced_quote_at_end.csv": (HEADER + crlf + ROW + crlf
                                        + 'US,"Broken,Doe,(415) 555-2672,b@example.com,,,,' + crlf
                                        + "".join(f"US,Name{i},Doe,,n{i}@example.com,,,,{crlf}"
                                                  for i in range(30))).encode(),
        "unbalanced_quote_closed_later.csv": (
            HEADER + crlf + ROW + crlf
            + 'US,"Broken,Doe,(415) 555-2672,b@example.com,,,,' + crlf
            + "".join(f"US,Name{i},Doe,,n{i}@example.com,,,,{crlf}" for i in range(30))
            + 'US,Closer",Doe,,c@example.com,,,,' + crlf
            + "US,After,Doe,,after@example.com,,,," + crlf).encode(),
        "formula_cells.csv": (HEADER + crlf
                              + 'US,=HYPERLINK("http://x.test"),+Doe,(415) 555-2671,j@example.com,'
                              + "-A1,@SUM(1),=1+1,VIP" + crlf).encode(),
    }


def main():
    """Write the corpus files next to this script."""
    for name, data in files().items():
        with open(os.path.join(HERE, name), "wb") as fh:
            fh.write(data)
    print(f"wrote {len(files())} files to {HERE}")


if __name__ == "__main__":
    main()
