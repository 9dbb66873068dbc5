"""The records of an .xlsx upload's first sheet, read with openpyxl in read-only mode, each cell
as the text a person sees.
"""

import zipfile
from datetime import date, datetime, time

from ..messages import phrase
from .xlsx_guard import corrupt_xlsx


def xlsx_records(source):
    """Yield ``(line, cells, 1)`` for every row of the first sheet of the workbook ``source``;
    a damaged workbook raises the :class:`FileRefused` ``corrupt_xlsx``."""
    import openpyxl

    with source.open() as binary:
        try:
            workbook = openpyxl.load_workbook(binary, read_only=True, data_only=True,
                                              keep_links=False)
        except _XLSX_ERRORS as error:
            raise corrupt_xlsx(phrase("xlsx_structure_damaged", error=type(error).__name__))
        try:
            if not workbook.worksheets:
                raise corrupt_xlsx(phrase("xlsx_without_sheet"))
            sheet = workbook.worksheets[0]
            sheet.reset_dimensions()
            rows = enumerate(sheet.iter_rows(values_only=True), start=1)
            while True:
                try:
                    line, values = next(rows)
                except StopIteration:
                    return
                except _XLSX_ERRORS as error:
                    raise corrupt_xlsx(phrase("xlsx_sheet_damaged", error=type(error).__name__))
                yield line, [_cell_text(value) for value in values], 1
        finally:
            workbook.close()


def _xlsx_error_types():
    import xml.etree.ElementTree as ElementTree
    import zlib

    from openpyxl.utils.exceptions import InvalidFileException

    return (zipfile.BadZipFile, zlib.error, ElementTree.ParseError, InvalidFileException,
            KeyError, ValueError, TypeError, IndexError, AttributeError, EOFError, OSError)


#: What openpyxl raises on a damaged workbook (turned into FileRefused "corrupt_xlsx").
_XLSX_ERRORS = _xlsx_error_types()


def _cell_text(value):
    """Return an Excel cell value as the text a person sees (no ".0" on whole numbers)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e17:
            return str(int(value))
        return repr(value)
    if isinstance(value, datetime):
        if value.time() == time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, (date, time)):
        return value.isoformat()
    return str(value)
