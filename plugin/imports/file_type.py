"""Which kind of file an upload is: its extension, and the magic bytes at its start that give
away an image, an archive or a program saved under a spreadsheet's name.
"""

from .errors import FileRefused

CSV_EXTENSIONS = frozenset({".csv", ".txt", ".tsv"})
XLSX_EXTENSIONS = frozenset({".xlsx", ".xlsm"})

#: Magic bytes at the start of a file, and what they say the file is.
_MAGIC = (
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"%PDF-", "a PDF document"),
    (b"PK\x03\x04", "a ZIP archive (an Excel .xlsx workbook is one)"),
    (b"PK\x05\x06", "a ZIP archive"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old Excel 97-2003 (.xls) or other Office file"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"Rar!", "a RAR archive"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"MZ", "a Windows program"),
    (b"\x7fELF", "a program"),
    (b"RIFF", "a media file"),
)

#: The advice that ends most refusals: how to save a file the importer reads.
SAVE_AS = "Open it in Excel and use File > Save As > \"CSV UTF-8\" or \"Excel Workbook (.xlsx)\"."


def unsupported_type(extension):
    """The :class:`FileRefused` of a file whose ``extension`` is neither CSV nor .xlsx."""
    if extension == ".xls":
        what = "an old Excel 97-2003 workbook (.xls)"
    elif extension in (".ods", ".numbers"):
        what = f"a {extension} spreadsheet"
    elif extension:
        what = f"a {extension} file"
    else:
        what = "a file without an extension"
    return FileRefused(
        "unsupported_file_type",
        f"This is {what}; only CSV (.csv, .txt) and Excel (.xlsx) files can be imported. "
        + SAVE_AS,
    )


def magic_type(head):
    """What the magic bytes at the start ``head`` of a file say it is ("a PNG image"), or ``None``."""
    for signature, what in _MAGIC:
        if head.startswith(signature):
            return what
    return None


def check_not_binary(head):
    """Refuse a file named .csv whose magic bytes say it is something else."""
    what = magic_type(head)
    if what:
        hint = (" If it is an Excel workbook, rename it to .xlsx, or save it as CSV."
                if what.startswith("a ZIP") else f" {SAVE_AS}")
        raise FileRefused(
            "not_a_spreadsheet",
            f"This file is {what}, not a CSV file, even though its name ends in .csv.{hint}",
        )
