"""The import engine's row issues and file refusals in the reader's language.

The import engine reports each problem of a row as ``RowIssue(line, column, code, message)``
and a refused file as ``(code, message)``, with an English ``message`` that quotes the row's own
values. The pages show that richer message in English; in any other language they show the
catalogued sentence of the ``code`` (built from the line and the translated column name), and the
engine's message for a code this module does not know.
"""

from .ui_i18n import _, current_locale, label_of

#: Template column header -> its translated name (the pt_BR names are the header aliases that
#: the import accepts, see ``contact_segments.imports.columns``).
COLUMN_LABELS = {
    "Country Code": lambda: _("Country Code"),
    "First Name": lambda: _("First Name"),
    "Last Name": lambda: _("Last Name"),
    "Mobile Number": lambda: _("Mobile Number"),
    "Email": lambda: _("Email"),
    "Account Number": lambda: _("Account Number"),
    "Organization": lambda: _("Organization"),
    "External ID": lambda: _("External ID"),
    "Segments": lambda: _("Segments"),
}

#: Row issue code -> sentence template (``%(line)s``, ``%(column)s``, ``%(mobile)s``, ``%(email)s``).
ISSUE_TEXTS = {
    "too_many_cells": lambda: _(
        "Line %(line)s has more cells than the header: a cell that contains the delimiter must "
        "be put in double quotes."),
    "cell_too_long": lambda: _(
        "Line %(line)s: a cell is longer than the limit. Shorten it, or check for a stray double "
        "quote that runs into the following rows."),
    "unbalanced_quote": lambda: _(
        "Line %(line)s: a cell starts with a double quote that is not closed, so the following "
        "rows were read as one cell. Remove the stray quote or close it, then upload the file again."),
    "nul_removed": lambda: _("Line %(line)s: invisible NUL characters were removed from a cell."),
    "required": lambda: _("Line %(line)s: the %(column)s is required. Fill it in."),
    "invalid_country_code": lambda: _(
        "Line %(line)s: the %(column)s is not a two-letter ISO country code. Use a code such as "
        "US or BR, not a calling code (+1, +55) or a country name."),
    "country_defaulted": lambda: _(
        "Line %(line)s: the %(column)s is blank; the account's default country was used."),
    "invalid_mobile": lambda: _(
        "Line %(line)s: the %(column)s is not a valid number for the row's country. Write it as "
        "it is dialled in that country, or with + and the calling code in front; and check the "
        "Country Code."),
    "not_mobile": lambda: _(
        "Line %(line)s: the %(column)s looks like a landline or service number: text messages "
        "may not reach it."),
    "invalid_email": lambda: _("Line %(line)s: the %(column)s is not a valid email address."),
    "missing_contact_point": lambda: _(
        "Line %(line)s has neither a %(mobile)s nor an %(email)s: fill in at least one."),
    "too_long": lambda: _("Line %(line)s: the %(column)s is longer than the limit. Shorten it."),
    "contact_conflict": lambda: _(
        "Line %(line)s names two different contacts: its identifiers belong to different "
        "contacts. Correct the row so that all its identifiers belong to one contact, or leave "
        "the wrong one blank."),
    "external_id_mismatch": lambda: _(
        "Line %(line)s: the contact found by this row has another %(column)s. Check the "
        "%(column)s, or leave it blank to update that contact."),
    "duplicate_in_file": lambda: _(
        "Line %(line)s is the same contact as an earlier line: the rows were merged into one "
        "contact (later non-blank values win, segments are combined)."),
    "unknown_segment": lambda: _(
        "Line %(line)s: a segment of the row does not exist, so the contact was not added to it. "
        "Segments are not created by an import: create it on the Contacts page first, then "
        "import the file again."),
}

#: File refusal code -> sentence, for the codes the upload form does not already explain.
FILE_TEXTS = {
    "corrupt_xlsx": lambda: _(
        "This Excel file cannot be read. Open it in Excel, save it again as “Excel Workbook "
        "(.xlsx)” or “CSV UTF-8”, and upload the new file."),
    "xlsx_too_large": lambda: _(
        "This Excel file is too large to be imported. Save the sheet as CSV UTF-8, or split it "
        "into smaller files, and upload again."),
    "unreadable_csv": lambda: _(
        "The file cannot be read as CSV. Save your spreadsheet as “CSV UTF-8” and upload it again."),
    "unbalanced_quote": lambda: _(
        "A cell starts with a double quote that is not closed, so it runs to the end of the "
        "file. Remove the stray quote or close it, then upload the file again."),
    "missing_column": lambda: _(
        "A required column is missing: the first row must be the header of the template "
        "(Country Code, First Name, Last Name, Mobile Number or Email, …). Download the Example "
        "file and copy your data into it."),
    "duplicate_column": lambda: _(
        "The header names the same column more than once. Keep one column of each and delete or "
        "rename the others, then upload the file again."),
}


def in_english():
    """True when the page is shown in English (the engine's own messages are English)."""
    return current_locale().split("_", 1)[0] == "en"


def column_label(column):
    """The translated name of a template column (the name itself when unknown, "—" for none)."""
    if not column:
        return "—"
    return label_of(COLUMN_LABELS, column)


def issue_text(issue):
    """The sentence of a row issue (a ``RowIssue`` or a ``{line, column, code, message}`` dict):
    the engine's message in English or for an unknown code, else the catalogued sentence."""
    get = issue.get if isinstance(issue, dict) else lambda key: getattr(issue, key)
    template = ISSUE_TEXTS.get(get("code"))
    if template is None or in_english():
        return get("message")
    return template() % {"line": get("line"), "column": column_label(get("column")),
                         "mobile": column_label("Mobile Number"), "email": column_label("Email")}


def file_text(code, message):
    """The reason a file was refused (``code``, engine ``message``) for codes of
    :data:`FILE_TEXTS`: the engine's message in English or for another code."""
    template = FILE_TEXTS.get(code)
    if template is None or in_english():
        return message
    return template()
