"""The sentences of the problems found in one row of an import file (``RowIssue`` codes), and
the phrases they are built from (a cell's place, a contact's description).

``line`` and ``column`` (the template column the issue is about, named in the reader's
language) are params of every row issue. A ``"<code>.stored_row"`` sentence names only those
two: it words, in another language than English, an issue stored by an earlier version (as an
English sentence, without params). A ``"<code>.preview"`` (or ``"<code>.<variant>.preview"``)
sentence says in the conditional what a sentence in the past tense says of an import, for the
rows of a preview, which changes nothing.
"""

from .text import N_, ngettext

#: The template's column headers: a ``column()`` value is translated when it is one of these.
COLUMN_NAMES = frozenset({
    N_("Country Code"), N_("First Name"), N_("Last Name"), N_("Mobile Number"), N_("Email"),
    N_("Account Number"), N_("Organization"), N_("External ID"), N_("Segments"),
    N_("Mobile Number or Email"),
})

#: A row issue whose sentence does not name its line, where the line is not shown beside it.
ROW_AT_LINE = N_("Line %(line)s: %(problem)s")

ROW_MESSAGES = {
    # Reading the file
    "too_many_cells": N_(
        "Line %(line)s has %(cells)s cells but the header has %(width)s: check for an unquoted "
        "delimiter."),
    "too_many_cells.quote": N_(
        "Line %(line)s has %(cells)s cells but the header has %(width)s: check for an unquoted "
        "delimiter (a cell that contains \"%(delimiter)s\" must be put in double quotes)."),
    "too_many_cells.segments": N_(
        "Line %(line)s has %(cells)s cells but the header has %(width)s: check for an unquoted "
        "delimiter (a cell that contains \"%(delimiter)s\" must be put in double quotes, for "
        "example \"Segment 1; Segment 2\")."),
    "too_many_cells.stored_row": N_(
        "Line %(line)s has more cells than the header: a cell that contains the delimiter must "
        "be put in double quotes."),
    "cell_too_long": N_(
        "Line %(line)s: a cell (%(cell)s) has %(length)s characters, more than the limit of "
        "%(limit)s. Shorten it, or check for a stray double quote that runs into the following "
        "rows."),
    "cell_too_long.stored_row": N_(
        "Line %(line)s: a cell is longer than the limit. Shorten it, or check for a stray double "
        "quote that runs into the following rows."),
    "nul_removed": N_("Line %(line)s: invisible NUL characters were removed from a cell (%(cell)s)."),
    "nul_removed.stored_row": N_("Line %(line)s: invisible NUL characters were removed from a cell."),
    "nul_removed.preview": N_(
        "Line %(line)s: invisible NUL characters would be removed from a cell (%(cell)s)."),
    "nul_removed.stored_row.preview": N_(
        "Line %(line)s: invisible NUL characters would be removed from a cell."),
    "unbalanced_quote": ngettext(
        "Line %(line)s: a cell starts with a double quote (\") that is not closed, so it runs "
        "over %(lines)s line of the file and the rows in it were read as one cell. Remove the "
        "stray quote or close it (a quote inside a quoted cell is written twice: \"\"), then "
        "upload the file again.",
        "Line %(line)s: a cell starts with a double quote (\") that is not closed, so it runs "
        "over %(lines)s lines of the file and the rows in it were read as one cell. Remove the "
        "stray quote or close it (a quote inside a quoted cell is written twice: \"\"), then "
        "upload the file again.", "lines"),
    "unbalanced_quote.preview": ngettext(
        "Line %(line)s: a cell starts with a double quote (\") that is not closed, so it runs "
        "over %(lines)s line of the file and the rows in it would be read as one cell. Remove the "
        "stray quote or close it (a quote inside a quoted cell is written twice: \"\"), then "
        "upload the file again.",
        "Line %(line)s: a cell starts with a double quote (\") that is not closed, so it runs "
        "over %(lines)s lines of the file and the rows in it would be read as one cell. Remove the "
        "stray quote or close it (a quote inside a quoted cell is written twice: \"\"), then "
        "upload the file again.", "lines"),
    "unbalanced_quote.at_end": N_(
        "Line %(line)s: a cell starts with a double quote (\") that is not closed, so it runs to "
        "the end of the file and the rows in it were read as one cell. Remove the stray quote or "
        "close it (a quote inside a quoted cell is written twice: \"\"), then upload the file "
        "again."),
    "unbalanced_quote.at_end.preview": N_(
        "Line %(line)s: a cell starts with a double quote (\") that is not closed, so it runs to "
        "the end of the file and the rows in it would be read as one cell. Remove the stray quote "
        "or close it (a quote inside a quoted cell is written twice: \"\"), then upload the file "
        "again."),
    "unbalanced_quote.stored_row": N_(
        "Line %(line)s: a cell starts with a double quote that is not closed, so the following "
        "rows were read as one cell. Remove the stray quote or close it, then upload the file again."),
    "unbalanced_quote.stored_row.preview": N_(
        "Line %(line)s: a cell starts with a double quote that is not closed, so the following "
        "rows would be read as one cell. Remove the stray quote or close it, then upload the file "
        "again."),
    # Validating the row
    "required": N_("%(column)s is required: fill it in on line %(line)s."),
    "required.stored_row": N_("Line %(line)s: the %(column)s is required. Fill it in."),
    "too_long": N_("%(column)s has %(length)s characters; the limit is %(limit)s."),
    "too_long.stored_row": N_("Line %(line)s: the %(column)s is longer than the limit. Shorten it."),
    "invalid_country_code": N_(
        "%(column)s \"%(value)s\" is not a two-letter ISO country code: use a code such as US or "
        "BR, not a calling code (+1, +55) or a country name."),
    "invalid_country_code.hint": N_(
        "%(column)s \"%(value)s\" is not a two-letter ISO country code: use a code such as US or "
        "BR, not a calling code (+1, +55) or a country name (here probably %(hint)s)."),
    "invalid_country_code.us_or_ca": N_(
        "%(column)s \"%(value)s\" is not a two-letter ISO country code: use a code such as US or "
        "BR, not a calling code (+1, +55) or a country name (here probably US or CA)."),
    "invalid_country_code.stored_row": N_(
        "Line %(line)s: the %(column)s is not a two-letter ISO country code. Use a code such as "
        "US or BR, not a calling code (+1, +55) or a country name."),
    "country_defaulted": N_("%(column)s is blank; %(country)s was used."),
    "country_defaulted.stored_row": N_(
        "Line %(line)s: the %(column)s is blank; the account's default country was used."),
    "country_defaulted.preview": N_("%(column)s is blank; %(country)s would be used."),
    "country_defaulted.stored_row.preview": N_(
        "Line %(line)s: the %(column)s is blank; the account's default country would be used."),
    "invalid_mobile": N_(
        "%(column)s \"%(value)s\" is not a valid phone number with its calling code. Check the "
        "digits."),
    "invalid_mobile.in_country": N_(
        "%(column)s \"%(value)s\" is not a valid phone number in %(country)s. Write it as it is "
        "dialled in %(country)s, without the calling code +%(calling_code)s, or with "
        "\"+%(calling_code)s\" in front; and check the Country Code."),
    "invalid_mobile.scientific": N_(
        "%(column)s \"%(value)s\" is not a valid phone number with its calling code. Excel "
        "turned it into a number in scientific notation: format the column as Text, type the "
        "numbers again and save."),
    "invalid_mobile.in_country_scientific": N_(
        "%(column)s \"%(value)s\" is not a valid phone number in %(country)s. Excel turned it "
        "into a number in scientific notation: format the column as Text, type the numbers "
        "again and save."),
    "invalid_mobile.stored_row": N_(
        "Line %(line)s: the %(column)s is not a valid number for the row's country. Write it as "
        "it is dialled in that country, or with + and the calling code in front; and check the "
        "Country Code."),
    "not_mobile": N_(
        "%(column)s \"%(value)s\" looks like a landline or service number: text messages may "
        "not reach it."),
    "not_mobile.stored_row": N_(
        "Line %(line)s: the %(column)s looks like a landline or service number: text messages "
        "may not reach it."),
    "invalid_email": N_("%(column)s \"%(value)s\" is not a valid address: %(reason)s"),
    "invalid_email.stored_row": N_("Line %(line)s: the %(column)s is not a valid email address."),
    "missing_contact_point": N_(
        "Line %(line)s has neither a %(mobile)s nor an %(email)s: fill in at least one."),
    "missing_contact_point.stored_row": N_(
        "Line %(line)s has neither a %(mobile)s nor an %(email)s: fill in at least one."),
    # Matching the row with the account's contacts and segments
    "contact_conflict": N_(
        "Line %(line)s names two different contacts: %(found_by)s \"%(value)s\" belongs to "
        "%(contact)s and %(other_found_by)s \"%(other_value)s\" belongs to %(other_contact)s. "
        "Correct the row so that all its identifiers belong to one contact, or leave the wrong "
        "one blank."),
    "contact_conflict.stored_row": N_(
        "Line %(line)s names two different contacts: its identifiers belong to different "
        "contacts. Correct the row so that all its identifiers belong to one contact, or leave "
        "the wrong one blank."),
    "external_id_mismatch": N_(
        "Line %(line)s: %(found_by)s \"%(value)s\" belongs to %(contact)s, whose External ID is "
        "\"%(stored)s\", not \"%(external_id)s\". Check the External ID, or leave it blank to "
        "update that contact."),
    "external_id_mismatch.stored_row": N_(
        "Line %(line)s: the contact found by this row has another %(column)s. Check the "
        "%(column)s, or leave it blank to update that contact."),
    "duplicate_in_file": ngettext(
        "Line %(line)s is the same contact as line %(lines)s: the rows were merged into one "
        "contact (later non-blank values win, segments are combined).",
        "Line %(line)s is the same contact as lines %(lines)s: the rows were merged into one "
        "contact (later non-blank values win, segments are combined).", "earlier"),
    "duplicate_in_file.preview": ngettext(
        "Line %(line)s is the same contact as line %(lines)s: the rows would be merged into one "
        "contact (later non-blank values win, segments are combined).",
        "Line %(line)s is the same contact as lines %(lines)s: the rows would be merged into one "
        "contact (later non-blank values win, segments are combined).", "earlier"),
    "duplicate_in_file.more": N_(
        "Line %(line)s is the same contact as lines %(lines)s and %(more)s more: the rows were "
        "merged into one contact (later non-blank values win, segments are combined)."),
    "duplicate_in_file.more.preview": N_(
        "Line %(line)s is the same contact as lines %(lines)s and %(more)s more: the rows would "
        "be merged into one contact (later non-blank values win, segments are combined)."),
    "duplicate_in_file.stored_row": N_(
        "Line %(line)s is the same contact as an earlier line: the rows were merged into one "
        "contact (later non-blank values win, segments are combined)."),
    "duplicate_in_file.stored_row.preview": N_(
        "Line %(line)s is the same contact as an earlier line: the rows would be merged into one "
        "contact (later non-blank values win, segments are combined)."),
    "unknown_segment": N_(
        "Segment \"%(name)s\" does not exist, so the contact was not added to it. Segments are "
        "not created by an import: create it on the Contacts page first, then import the file "
        "again."),
    "unknown_segment.preview": N_(
        "Segment \"%(name)s\" does not exist, so the contact would not be added to it. Segments "
        "are not created by an import: create it on the Contacts page before importing the file."),
    "unknown_segment.suggestion": N_(
        "Segment \"%(name)s\" does not exist, so the contact was not added to it (did you mean "
        "\"%(suggestion)s\"?). Segments are not created by an import: create it on the Contacts "
        "page first, then import the file again."),
    "unknown_segment.suggestion.preview": N_(
        "Segment \"%(name)s\" does not exist, so the contact would not be added to it (did you "
        "mean \"%(suggestion)s\"?). Segments are not created by an import: create it on the "
        "Contacts page before importing the file."),
    "unknown_segment.stored_row": N_(
        "Line %(line)s: a segment of the row does not exist, so the contact was not added to it. "
        "Segments are not created by an import: create it on the Contacts page first, then "
        "import the file again."),
    "unknown_segment.stored_row.preview": N_(
        "Line %(line)s: a segment of the row does not exist, so the contact would not be added to "
        "it. Segments are not created by an import: create it on the Contacts page before "
        "importing the file."),
}

#: Phrases inside row sentences: where a cell is, which contact a row matched.
ROW_PHRASES = {
    "cell_in_column": N_("column \"%(name)s\""),
    "cell_at_position": N_("column %(position)s"),
    "contact_named": N_("%(name)s (contact %(id)s)"),
    "contact_unnamed": N_("a contact (contact %(id)s)"),
    "contact_new_of_line": N_("the new contact of line %(line)s"),
    "contact_new": N_("a new contact"),
}
