"""The example import file users download ("Example"): CSV and .xlsx, in the reader's language.

The example speaks the language of the page it comes from, so that it opens right in that
language's Excel and imports back as it is:

* its headers are the language's own names of the columns (the first name of each column in
  :data:`~.columns.HEADER_ALIASES`, which the import reads back);
* the CSV separates its cells the way that language's Excel separates a list: "," in English,
  ";" where the decimal separator is a comma (Brazilian Portuguese, French, German, Spanish,
  Italian, Polish), or Excel opens the whole row in one column;
* its sample row is a contact of that language's country;
* its Segments cell names segments of the account when it has some (a name that does not exist
  is reported when the example is imported), else sample names.

The words of the .xlsx "Instructions" sheet are translated by the caller's ``translate``
function, so this module needs no request; the strings it marks with :func:`N_` are in the
plugin's catalog.
"""

import csv
import io
from dataclasses import dataclass

from contact_segments.csv_safety import FORMULA_PREFIXES

from .columns import COLUMNS, HEADER_ALIASES


def N_(message):  # noqa: N802 - the usual name of a gettext no-op marker
    """Mark ``message`` for the catalog; the caller's ``translate`` translates it."""
    return message


@dataclass(frozen=True)
class Sample:
    """The sample contact of one language's example, in template column order (``segments``:
    the sample segment names used when the account has none)."""

    country_code: str
    first_name: str
    last_name: str
    mobile: str
    email: str
    account_number: str
    organization: str
    external_id: str
    segments: tuple

    def row(self, segment_names):
        """The sample row, its Segments cell naming ``segment_names``."""
        return (self.country_code, self.first_name, self.last_name, self.mobile, self.email,
                self.account_number, self.organization, self.external_id, "; ".join(segment_names))


#: The sample contact of each language, from that language's country.
SAMPLES = {
    "en": Sample("US", "Jane", "Doe", "(415) 555-2671", "jane@example.com", "A-1001", "Acme Motors",
                 "CRM-42", ("Service Plan", "Downtown Store")),
    "pt_BR": Sample("BR", "Maria", "Silva", "(11) 98765-4321", "maria.silva@example.com", "A-1001",
                    "Serra Veículos", "CRM-42", ("Plano de Revisão", "Loja Centro")),
    "fr": Sample("FR", "Camille", "Martin", "06 12 34 56 78", "camille.martin@example.com", "A-1001",
                 "Garage du Centre", "CRM-42", ("Contrat d’entretien", "Magasin Centre-ville")),
    "de": Sample("DE", "Anna", "Müller", "0151 23456789", "anna.mueller@example.com", "A-1001",
                 "Autohaus Mitte", "CRM-42", ("Wartungsvertrag", "Filiale Innenstadt")),
    "es": Sample("ES", "Lucía", "García", "612 34 56 78", "lucia.garcia@example.com", "A-1001",
                 "Concesionario Centro", "CRM-42", ("Plan de mantenimiento", "Tienda Centro")),
    "it": Sample("IT", "Giulia", "Rossi", "312 345 6789", "giulia.rossi@example.com", "A-1001",
                 "Autosalone Centro", "CRM-42", ("Piano di assistenza", "Negozio Centro")),
    "pl": Sample("PL", "Anna", "Kowalska", "512 345 678", "anna.kowalska@example.com", "A-1001",
                 "Salon Centrum", "CRM-42", ("Plan serwisowy", "Salon Śródmieście")),
}

#: The example row of the English template, in template column order.
EXAMPLE_ROW = SAMPLES["en"].row(SAMPLES["en"].segments)

#: How Excel separates a list in each language (its "list separator"): ";" where the decimal
#: separator is a comma.
LIST_SEPARATORS = {"en": ",", "pt_BR": ";", "fr": ";", "de": ";", "es": ";", "it": ";", "pl": ";"}

#: How many of the account's segment names the sample row lists.
SAMPLE_SEGMENTS = 2

YES, NO, MOBILE_OR_EMAIL = N_("Yes"), N_("No"), N_("Mobile or Email")

#: The rules of the "Instructions" sheet: per column (by field key) whether it is required and
#: what to write in it.
COLUMN_RULES = (
    ("country_code", YES, N_(
        "The contact's country as a two-letter ISO code: US, CA, BR, AU ... "
        "Not a calling code (+1, +55) and not a country name.")),
    ("first_name", YES, N_("Up to 100 characters.")),
    ("last_name", YES, N_("Up to 100 characters.")),
    ("mobile", MOBILE_OR_EMAIL, N_(
        "The number as it is dialled in the row's country, without the calling code, "
        "for example (415) 555-2671 or 11 98765-4321. Each row needs a Mobile Number or an "
        "Email (or both). Format the column as Text so Excel keeps every digit.")),
    ("email", MOBILE_OR_EMAIL, N_("For example jane@example.com.")),
    ("account_number", NO, N_("Up to 64 characters.")),
    ("organization", NO, N_("Up to 200 characters.")),
    ("external_id", NO, N_(
        "Your own id for the contact (for example from your CRM), up to 128 characters.")),
    ("segments", NO, N_(
        "Segment names separated by a semicolon: Segment 1; Segment 2. The segments must already "
        "exist (create them first on the Contacts page): names that do not exist are reported and "
        "not created.")),
)

#: The general rules after the columns: (topic, rule).
GENERAL_RULES = (
    (N_("Existing contacts"), N_(
        "A contact already in your account (same mobile number, email or external id) is updated, "
        "never duplicated. Blank optional cells do not erase what is stored.")),
    (N_("Replace existing segment data"), N_(
        "When ticked, each imported contact leaves all its segments and gets exactly the segments "
        "of its row. When not ticked, the row's segments are added to the ones it already has.")),
    (N_("Sheets"), N_("Only the first sheet is imported; this Instructions sheet is ignored.")),
)


def _untranslated(message):
    return message


def example_language(locale):
    """The example's language for a page locale ("pt_BR", "pt", "de_AT" ...): one of
    :data:`SAMPLES`, English when the locale's language has none."""
    text = str(locale or "en").replace("-", "_")
    if text in SAMPLES:
        return text
    language = text.split("_", 1)[0].lower()
    return next((name for name in SAMPLES if name.split("_", 1)[0] == language), "en")


def template_header(language="en"):
    """Return the template header cells in ``language``, in order."""
    aliases = HEADER_ALIASES.get(language, {})
    return [aliases[column.key][0] if column.key in aliases else column.header for column in COLUMNS]


def sample_segment_names(names):
    """The first :data:`SAMPLE_SEGMENTS` of ``names`` that a Segments cell can hold as they are
    (no ";", which separates names, and no start a spreadsheet takes for a formula)."""
    usable = [name for name in names if ";" not in name and not name.startswith(FORMULA_PREFIXES)]
    return usable[:SAMPLE_SEGMENTS]


def example_row(language="en", segment_names=()):
    """The sample row of ``language``, naming ``segment_names`` (the account's segments) when
    any can be used, else the sample segment names."""
    sample = SAMPLES[language]
    return sample.row(sample_segment_names(segment_names) or sample.segments)


def template_csv(language="en", segment_names=()):
    """Return the example CSV file in ``language``: UTF-8 with BOM (so Excel reads accents
    right), CRLF, cells separated by that language's list separator, the header row and one
    sample row."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=LIST_SEPARATORS[language], lineterminator="\r\n")
    writer.writerow(template_header(language))
    writer.writerow(example_row(language, segment_names))
    return buffer.getvalue().encode("utf-8-sig")


def instructions(language="en", translate=_untranslated):
    """The rows of the "Instructions" sheet: a header, a row per column, the general rules."""
    headers = dict(zip((column.key for column in COLUMNS), template_header(language)))
    rows = [(translate(N_("Column")), translate(N_("Required")), translate(N_("What to write")))]
    rows += [(headers[key], translate(required), translate(rule)) for key, required, rule in COLUMN_RULES]
    rows.append(("", "", ""))
    rows += [(translate(topic), "", translate(rule)) for topic, rule in GENERAL_RULES]
    return rows


def template_xlsx(language="en", segment_names=(), translate=_untranslated):
    """Return the example .xlsx workbook in ``language``: a first sheet ("Contacts") with the
    header and a sample row (its cells formatted as Text), a second ("Instructions") with the
    rules, words translated by ``translate``."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    header = template_header(language)
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = translate(N_("Contacts"))
    sheet.append(header)
    sheet.append(list(example_row(language, segment_names)))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for index, text in enumerate(header, start=1):
        letter = sheet.cell(row=1, column=index).column_letter
        sheet.column_dimensions[letter].width = max(len(text) + 4, 16)
        sheet.cell(row=2, column=index).number_format = "@"
    sheet.freeze_panes = "A2"

    rules = workbook.create_sheet(translate(N_("Instructions")))
    for row in instructions(language, translate):
        rules.append(list(row))
    for cell in rules[1]:
        cell.font = Font(bold=True)
    rules.column_dimensions["A"].width = 30
    rules.column_dimensions["B"].width = 18
    rules.column_dimensions["C"].width = 100

    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
