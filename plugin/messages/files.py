"""The sentences of a refused file (``FileRefused`` codes) and of the kinds of file an upload can
turn out to be.

A ``"<code>.stored_file"`` sentence names nothing of the file: it words, in another language
than English, a refusal stored by an earlier version (as an English sentence, without params).
"""

from .text import N_

FILE_MESSAGES = {
    "file_too_large": N_(
        "The file is larger than the limit of %(size)s. Split it into smaller files (keep the "
        "header row in each) and import them one after the other."),
    "empty_file": N_(
        "The file is empty. Fill in the example file (header row plus one row per contact) and "
        "upload it again."),
    "empty_file.no_header": N_(
        "The file has no header row and no contacts. Fill in the example file and upload it "
        "again."),
    "empty_file.stored_file": N_(
        "The file is empty: it needs the header row and at least one contact. Download the "
        "Example file to see the columns."),
    "no_rows": N_(
        "The file has a header row but no contacts below it. Add one row per contact under the "
        "header and upload it again."),
    "no_rows.stored_file": N_(
        "The file is empty: it needs the header row and at least one contact. Download the "
        "Example file to see the columns."),
    "too_many_rows": N_(
        "The file has more than %(rows)s rows, the most one import can take. Split it into "
        "smaller files (keep the header row in each) and import them one after the other."),
    "unsupported_file_type": N_(
        "This is not a CSV or Excel (.xlsx) file. It is %(kind)s; only CSV (.csv, .txt) and "
        "Excel (.xlsx) files can be imported. Open it in Excel and use File > Save As > "
        "\"CSV UTF-8\" or \"Excel Workbook (.xlsx)\"."),
    "unsupported_file_type.stored_file": N_(
        "This is not a CSV or Excel (.xlsx) file. Save your spreadsheet as “CSV UTF-8” or “Excel "
        "Workbook (.xlsx)” and upload it again."),
    "not_a_spreadsheet": N_(
        "This is not a CSV or Excel (.xlsx) file. It is %(kind)s, even though its name ends in "
        ".csv. Open it in Excel and use File > Save As > \"CSV UTF-8\" or \"Excel Workbook "
        "(.xlsx)\"."),
    "not_a_spreadsheet.zip": N_(
        "This file is %(kind)s, not a CSV file, even though its name ends in .csv. If it is an "
        "Excel workbook, rename it to .xlsx, or save it as CSV."),
    "not_a_spreadsheet.binary": N_(
        "This file does not contain text: it looks like a program, an image or another binary "
        "file saved with a .csv name. Open it in Excel and use File > Save As > \"CSV UTF-8\" or "
        "\"Excel Workbook (.xlsx)\"."),
    "not_a_spreadsheet.xlsx_name": N_(
        "This file is named .xlsx but it is %(kind)s, not an Excel workbook. If it is a CSV "
        "file, rename it to .csv; otherwise open it in Excel and use File > Save As > \"CSV "
        "UTF-8\" or \"Excel Workbook (.xlsx)\"."),
    "not_a_spreadsheet.stored_file": N_(
        "This is not a CSV or Excel (.xlsx) file. Save your spreadsheet as “CSV UTF-8” or “Excel "
        "Workbook (.xlsx)” and upload it again."),
    "unreadable_csv": N_(
        "The file cannot be read as CSV (%(error)s). Open it in Excel and use File > Save As > "
        "\"CSV UTF-8\" or \"Excel Workbook (.xlsx)\"."),
    "unreadable_csv.stored_file": N_(
        "The file cannot be read as CSV. Save your spreadsheet as “CSV UTF-8” and upload it again."),
    "corrupt_xlsx": N_(
        "This Excel file cannot be read: %(reason)s. Open it in Excel, save it again as \"Excel "
        "Workbook (.xlsx)\" or \"CSV UTF-8\", and upload the new file."),
    "corrupt_xlsx.stored_file": N_(
        "This Excel file cannot be read. Open it in Excel, save it again as “Excel Workbook "
        "(.xlsx)” or “CSV UTF-8”, and upload the new file."),
    "xlsx_too_large": N_(
        "This Excel file cannot be imported: %(reason)s. Save the sheet as CSV UTF-8, or split "
        "it into smaller files, and upload again."),
    "xlsx_too_large.stored_file": N_(
        "This Excel file is too large to be imported. Save the sheet as CSV UTF-8, or split it "
        "into smaller files, and upload again."),
    "unbalanced_quote.stored_file": N_(
        "A cell starts with a double quote that is not closed, so it runs to the end of the "
        "file. Remove the stray quote or close it, then upload the file again."),
    "cell_too_long.unreadable": N_(
        "Line %(line)s: a cell (%(cell)s) has more than %(length)s characters, far over the "
        "limit of %(limit)s, so the file cannot be read. Shorten the cell, or check for a stray "
        "double quote (\") that runs into the following rows, then upload the file again."),
    "row_too_long": N_(
        "Line %(line)s has more than %(limit)s characters (at least %(cells)s cells), more than "
        "a row can hold, so the file cannot be read. Remove the extra cells, or check for a "
        "stray double quote (\") that runs into the following rows, then upload the file again."),
    "missing_column": N_(
        "The file has no column %(columns)s. The first row must be the header of the template "
        "(Country Code, First Name, Last Name, Mobile Number or Email, ...); it reads "
        "%(found)s. Download the example file and copy your data into it."),
    "missing_column.nothing": N_(
        "The file has no column %(columns)s. The first row must be the header of the template "
        "(Country Code, First Name, Last Name, Mobile Number or Email, ...); it reads nothing. "
        "Download the example file and copy your data into it."),
    "missing_column.stored_file": N_(
        "A required column is missing: the first row must be the header of the template "
        "(Country Code, First Name, Last Name, Mobile Number or Email, …). Download the Example "
        "file and copy your data into it."),
    "replace_without_segments": N_(
        "The file has no Segments column, so “Replace existing segment data” would remove every "
        "segment of its contacts. Add a Segments column with each contact's segments (an empty "
        "cell removes that contact's segments), or untick “Replace existing segment data” (CLI: "
        "leave out --replace) to keep the segments they have."),
    "duplicate_column": N_(
        "The header names the same column more than once: %(columns)s. Keep one column of each "
        "and delete or rename the others, then upload the file again."),
    "duplicate_column.stored_file": N_(
        "The header names the same column more than once. Keep one column of each and delete or "
        "rename the others, then upload the file again."),
}

#: What a file turned out to be, and why a workbook cannot be opened (phrases of the sentences above).
FILE_PHRASES = {
    "kind_png": N_("a PNG image"),
    "kind_jpeg": N_("a JPEG image"),
    "kind_gif": N_("a GIF image"),
    "kind_pdf": N_("a PDF document"),
    "kind_zip_workbook": N_("a ZIP archive (an Excel .xlsx workbook is one)"),
    "kind_zip": N_("a ZIP archive"),
    "kind_office": N_("an old Excel 97-2003 (.xls) or other Office file"),
    "kind_gzip": N_("a gzip archive"),
    "kind_rar": N_("a RAR archive"),
    "kind_7z": N_("a 7-Zip archive"),
    "kind_windows_program": N_("a Windows program"),
    "kind_program": N_("a program"),
    "kind_media": N_("a media file"),
    "kind_text": N_("a text file (perhaps a CSV file)"),
    "kind_xls": N_("an old Excel 97-2003 workbook (.xls)"),
    "kind_spreadsheet": N_("a %(extension)s spreadsheet"),
    "kind_extension": N_("a %(extension)s file"),
    "kind_no_extension": N_("a file without an extension"),
    "xlsx_damaged": N_("it is damaged or incomplete (was the upload or download cut short?)"),
    "xlsx_without_workbook": N_("it is a ZIP archive without an Excel workbook inside"),
    "xlsx_structure_damaged": N_("its workbook structure is damaged (%(error)s)"),
    "xlsx_without_sheet": N_("it has no worksheet"),
    "xlsx_sheet_damaged": N_("its first sheet is damaged (%(error)s)"),
    "xlsx_too_many_parts": N_("it holds %(parts)s parts (at most %(limit)s)"),
    "xlsx_unpacks_too_large": N_("it unpacks to %(size)s, over the limit of %(limit)s"),
    "xlsx_part_too_compressed": N_("its part %(part)s is compressed more than %(ratio)s times"),
    "column_spellings": N_("%(column)s (%(spellings)s)"),
}
