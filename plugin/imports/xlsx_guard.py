"""The checks an .xlsx upload passes before any of it is unpacked: that it is a ZIP archive with a
workbook inside, and the zip-bomb guard (how many parts, how large unpacked, how compressed).
"""

import zipfile

from .errors import FileRefused
from .file_type import SAVE_AS, magic_type
from .limits import MIB, size_text


#: Most members an .xlsx zip may hold, and the highest compression ratio a large member may have.
MAX_XLSX_MEMBERS = 10_000
MAX_XLSX_RATIO = 100
XLSX_RATIO_MIN_BYTES = MIB


def check_xlsx_bytes(source, head, limits):
    """Refuse an .xlsx upload (``source``, starting with ``head``) that is no ZIP archive, holds
    no workbook, or would unpack beyond ``limits`` (a zip bomb), before any part is unpacked."""
    if not head.startswith(b"PK\x03\x04"):
        what = magic_type(head)
        if what is None:
            what = "a text file (perhaps a CSV file)"
        raise FileRefused(
            "not_a_spreadsheet",
            f"This file is named .xlsx but it is {what}, not an Excel workbook. "
            "If it is a CSV file, rename it to .csv; otherwise " + SAVE_AS[0].lower() + SAVE_AS[1:],
        )
    try:
        with source.open() as fh, zipfile.ZipFile(fh) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, ValueError):
        raise corrupt_xlsx("it is damaged or incomplete (was the upload or download cut short?)")
    if len(members) > MAX_XLSX_MEMBERS:
        raise _xlsx_bomb(f"it holds {len(members):,} parts (at most {MAX_XLSX_MEMBERS:,})")
    total = sum(member.file_size for member in members)
    if total > limits.max_xlsx_uncompressed_bytes:
        raise _xlsx_bomb(
            f"it unpacks to {size_text(total)}, over the limit of "
            f"{size_text(limits.max_xlsx_uncompressed_bytes)}"
        )
    for member in members:
        if (member.file_size > XLSX_RATIO_MIN_BYTES
                and member.file_size > MAX_XLSX_RATIO * max(member.compress_size, 1)):
            raise _xlsx_bomb(
                f"its part {member.filename!r} is compressed more than {MAX_XLSX_RATIO} times"
            )
    names = {member.filename for member in members}
    if "xl/workbook.xml" not in names:
        raise corrupt_xlsx("it is a ZIP archive without an Excel workbook inside")


def _xlsx_bomb(reason):
    return FileRefused(
        "xlsx_too_large",
        f"This Excel file cannot be imported: {reason}. Save the sheet as CSV UTF-8, or split it "
        "into smaller files, and upload again.",
    )


def corrupt_xlsx(reason):
    """The :class:`FileRefused` of a damaged workbook, saying ``reason``."""
    return FileRefused(
        "corrupt_xlsx",
        f"This Excel file cannot be read: {reason}. Open it in Excel, save it again as "
        "\"Excel Workbook (.xlsx)\" or \"CSV UTF-8\", and upload the new file.",
    )
