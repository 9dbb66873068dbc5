"""Phone numbers as people read them: ``+14155551001`` is shown ``+1 415-555-1001``, and
``+5511987654321`` ``+55 11 98765-4321`` (phonenumbers' international format). Only the pages
show them so; the database, exports and the API keep E.164.
"""

import functools

import phonenumbers


@functools.lru_cache(maxsize=4096)
def readable_phone(number):
    """``number`` (E.164) in the international format of its country; as stored when phonenumbers
    cannot read it, and empty for no number."""
    if not number:
        return ""
    try:
        parsed = phonenumbers.parse(number, None)
    except phonenumbers.NumberParseException:
        return number
    if not phonenumbers.is_possible_number(parsed):
        return number
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def register(blueprint):
    """Add the ``segments_phone`` template filter (for every template of the app, so a host's
    overriding template can use it too)."""
    blueprint.add_app_template_filter(readable_phone, "segments_phone")
