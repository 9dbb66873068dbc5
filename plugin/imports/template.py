"""The example import file users download ("Example" link): CSV and .xlsx versions."""

import csv
import io

from .columns import COLUMNS

#: The example row, in template column order.
EXAMPLE_ROW = ("US", "Jane", "Doe", "(415) 555-2671", "jane@example.com", "A-1001",
               "Acme Motors", "CRM-42", "Service Plan; Downtown Store")

#: The rules written on the "Instructions" sheet of the .xlsx template.
INSTRUCTIONS = (
    ("Column", "Required", "What to write"),
    ("Country Code", "Yes",
     "The contact's country as a two-letter ISO code: US, CA, BR, AU ... "
     "Not a calling code (+1, +55) and not a country name."),
    ("First Name", "Yes", "Up to 100 characters."),
    ("Last Name", "Yes", "Up to 100 characters."),
    ("Mobile Number", "Mobile or Email",
     "The number as it is dialled in the row's country, without the calling code, "
     "for example (415) 555-2671 or 11 98765-4321. Each row needs a Mobile Number or an "
     "Email (or both). Format the column as Text so Excel keeps every digit."),
    ("Email", "Mobile or Email", "For example jane@example.com."),
    ("Account Number", "No", "Up to 64 characters."),
    ("Organization", "No", "Up to 200 characters."),
    ("External ID", "No", "Your own id for the contact (for example from your CRM), up to 128 "
     "characters."),
    ("Segments", "No",
     "Segment names separated by a semicolon: Segment 1; Segment 2. The segments must already "
     "exist (create them first on the Contacts page): names that do not exist are reported and "
     "not created."),
    ("", "", ""),
    ("Existing contacts", "",
     "A contact already in your account (same mobile number, email or external id) is updated, "
     "never duplicated. Blank optional cells do not erase what is stored."),
    ("Replace existing segment data", "",
     "When ticked, each imported contact leaves all its segments and gets exactly the segments "
     "of its row. When not ticked, the row's segments are added to the ones it already has."),
    ("Sheets", "", "Only the first sheet is imported; this Instructions sheet is ignored."),
)


def template_header():
    """Return the template header cells, in order."""
    return [column.header for column in COLUMNS]


def template_csv():
    """Return the example CSV file: UTF-8 with BOM (so Excel reads accents right), CRLF,
    the header row and one example row."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(template_header())
    writer.writerow(EXAMPLE_ROW)
    return buffer.getvalue().encode("utf-8-sig")


def template_xlsx():
    """Return the example .xlsx workbook: first sheet "Contacts" with the header and an example
    row (its cells formatted as Text), second sheet "Instructions" with the rules."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Contacts"
    sheet.append(template_header())
    sheet.append(list(EXAMPLE_ROW))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for index, column in enumerate(COLUMNS, start=1):
        letter = sheet.cell(row=1, column=index).column_letter
        sheet.column_dimensions[letter].width = max(len(column.header) + 4, 16)
        sheet.cell(row=2, column=index).number_format = "@"
    sheet.freeze_panes = "A2"

    instructions = workbook.create_sheet("Instructions")
    for row in INSTRUCTIONS:
        instructions.append(list(row))
    for cell in instructions[1]:
        cell.font = Font(bold=True)
    instructions.column_dimensions["A"].width = 30
    instructions.column_dimensions["B"].width = 18
    instructions.column_dimensions["C"].width = 100

    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
