"""Which kind of file an upload is: its extension, and the magic bytes at its start that give
away an image, an archive or a program saved under a spreadsheet's name.
"""

from ..messages import phrase
from .errors import FileRefused

CSV_EXTENSIONS = frozenset({".csv", ".txt", ".tsv"})
XLSX_EXTENSIONS = frozenset({".xlsx", ".xlsm"})

#: Magic bytes at the start of a file, and the message code of what they say the file is.
_MAGIC = (
    (b"\x89PNG\r\n\x1a\n", "kind_png"),
    (b"\xff\xd8\xff", "kind_jpeg"),
    (b"GIF87a", "kind_gif"),
    (b"GIF89a", "kind_gif"),
    (b"%PDF-", "kind_pdf"),
    (b"PK\x03\x04", "kind_zip_workbook"),
    (b"PK\x05\x06", "kind_zip"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "kind_office"),
    (b"\x1f\x8b", "kind_gzip"),
    (b"Rar!", "kind_rar"),
    (b"7z\xbc\xaf\x27\x1c", "kind_7z"),
    (b"MZ", "kind_windows_program"),
    (b"\x7fELF", "kind_program"),
    (b"RIFF", "kind_media"),
)
_ZIP_KINDS = frozenset({"kind_zip_workbook", "kind_zip"})


def unsupported_type(extension):
    """The :class:`FileRefused` of a file whose ``extension`` is neither CSV nor .xlsx."""
    if extension == ".xls":
        kind = phrase("kind_xls")
    elif extension in (".ods", ".numbers"):
        kind = phrase("kind_spreadsheet", extension=extension)
    elif extension:
        kind = phrase("kind_extension", extension=extension)
    else:
        kind = phrase("kind_no_extension")
    return FileRefused("unsupported_file_type", {"kind": kind})


def magic_type(head):
    """The message code of what the magic bytes at the start ``head`` of a file say it is
    (``"kind_png"``: "a PNG image"), or ``None``."""
    for signature, kind in _MAGIC:
        if head.startswith(signature):
            return kind
    return None


def check_not_binary(head):
    """Refuse a file named .csv whose magic bytes say it is something else."""
    kind = magic_type(head)
    if kind:
        params = {"kind": phrase(kind)}
        if kind in _ZIP_KINDS:
            params["variant"] = "zip"
        raise FileRefused("not_a_spreadsheet", params)
