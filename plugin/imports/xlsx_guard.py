"""The checks an .xlsx upload passes before any of it is unpacked: that it is a ZIP archive with a
workbook inside, and the zip-bomb guard (how many parts, how large unpacked, how compressed).
"""

import zipfile

from ..messages import count, phrase, size
from .errors import FileRefused
from .file_type import magic_type
from .limits import MIB


#: Most members an .xlsx zip may hold, and the highest compression ratio a large member may have.
MAX_XLSX_MEMBERS = 10_000
MAX_XLSX_RATIO = 100
XLSX_RATIO_MIN_BYTES = MIB


def check_xlsx_bytes(source, head, limits):
    """Refuse an .xlsx upload (``source``, starting with ``head``) that is no ZIP archive, holds
    no workbook, or would unpack beyond ``limits`` (a zip bomb), before any part is unpacked."""
    if not head.startswith(b"PK\x03\x04"):
        kind = magic_type(head) or "kind_text"
        raise FileRefused("not_a_spreadsheet", {"variant": "xlsx_name", "kind": phrase(kind)})
    try:
        with source.open() as fh, zipfile.ZipFile(fh) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, ValueError):
        raise corrupt_xlsx(phrase("xlsx_damaged"))
    if len(members) > MAX_XLSX_MEMBERS:
        raise _xlsx_bomb(phrase("xlsx_too_many_parts", parts=count(len(members)),
                                limit=count(MAX_XLSX_MEMBERS)))
    total = sum(member.file_size for member in members)
    if total > limits.max_xlsx_uncompressed_bytes:
        raise _xlsx_bomb(phrase("xlsx_unpacks_too_large", size=size(total),
                                limit=size(limits.max_xlsx_uncompressed_bytes)))
    for member in members:
        if (member.file_size > XLSX_RATIO_MIN_BYTES
                and member.file_size > MAX_XLSX_RATIO * max(member.compress_size, 1)):
            raise _xlsx_bomb(phrase("xlsx_part_too_compressed", part=repr(member.filename),
                                    ratio=MAX_XLSX_RATIO))
    names = {member.filename for member in members}
    if "xl/workbook.xml" not in names:
        raise corrupt_xlsx(phrase("xlsx_without_workbook"))


def _xlsx_bomb(reason):
    return FileRefused("xlsx_too_large", {"reason": reason})


def corrupt_xlsx(reason):
    """The :class:`FileRefused` of a damaged workbook, saying ``reason`` (a message value, see
    :func:`contact_segments.messages.phrase`)."""
    return FileRefused("corrupt_xlsx", {"reason": reason})
