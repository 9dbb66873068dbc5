"""The contact import pages: "Create Contact" (with the import form at the bottom, as in the
help article), the example file, preview (dry run), the import's progress page, its per-row
report and the account's import history.
"""

from flask import Response, request

from contact_segments.imports.template import template_csv, template_xlsx

from .ui_common import current_scope, render
from .ui_contacts import permissions_of

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def create_contact():
    """``GET /contacts/new``: the "Create Contact" page; scroll down for the bulk import."""
    scope = current_scope()
    scope.require("view")
    return render("segments/create_contact.html", can=permissions_of(scope), replace=False, error=None)


def example_file(kind):
    """``GET /import/example.csv`` or ``.xlsx``: the template with its header and one example row."""
    current_scope().require("view")
    if kind == "xlsx":
        body, mimetype = template_xlsx(), XLSX_TYPE
    else:
        body, mimetype = template_csv(), "text/csv; charset=utf-8"
    return Response(body, mimetype=mimetype, headers={
        "Content-Disposition": f'attachment; filename="contacts-import-example.{kind}"'})


def register(blueprint):
    """Add the import pages to ``blueprint``."""
    blueprint.add_url_rule("/contacts/new", "create_contact", create_contact)
    blueprint.add_url_rule("/import/example.<any(csv, xlsx):kind>", "example_file", example_file)
