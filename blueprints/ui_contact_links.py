"""Links from a contact's name to the host's own page for that contact (its conversation).

``SEGMENTS_CONTACT_URL`` is a path with ``{id}`` where the contact's id goes, for example
``/contacts/{id}``; empty (the default), names are not links. Only a same-site path is used, so a
setting cannot turn every name into a link to another site.
"""

from flask import current_app


def contact_url(contact_id):
    """The host's page for contact ``contact_id``, or ``None`` when the host names none."""
    template = current_app.config.get("SEGMENTS_CONTACT_URL") or ""
    if "{id}" not in template or not template.startswith("/") or template.startswith("//"):
        return None
    return template.replace("{id}", str(int(contact_id)))


def register(blueprint):
    """Add the ``segments_contact_url`` template global (for every template of the app)."""
    blueprint.add_app_template_global(contact_url, "segments_contact_url")
