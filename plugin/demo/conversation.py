"""The demo host's conversation view: a contact's message thread (a short sample exchange plus
every message the outbox recorded for the contact) beside a contact panel with the plugin's
segment chips, and the one-line hint of what each role may do."""

from .models import OutboxMessage, db

#: What each demo role may do with segments (the plugin's default policy), for the top bar.
ROLE_HINTS = {
    "consultant": "Consultant: views contacts, creates segments, adds and imports contacts; "
                  "cannot rename or delete segments.",
    "manager": "Manager: everything, including renaming and deleting segments.",
    "admin": "Admin: everything, including renaming and deleting segments.",
}

#: The demo's page languages: the plugin's locales, each named in its own language.
LANGUAGES = (("en", "English"), ("pt_BR", "Português (Brasil)"), ("fr", "Français"), ("de", "Deutsch"),
             ("es", "Español"), ("it", "Italiano"), ("pl", "Polski"))


class Message:
    """One message of a thread: who wrote it (``"customer"`` or ``"us"``), its text, a label."""

    def __init__(self, side, text, label):
        self.side, self.text, self.label = side, text, label


def sample_exchange(contact):
    """A short exchange with the customer, the same for a contact every time it is shown."""
    first = contact.first_name or "there"
    return [
        Message("customer", "Hi, is the service plan still on offer? My car is due for its check-up.", "Customer"),
        Message("us", f"Hi {first}! Yes, until the end of the month. Shall I book the check-up for you?", "Consultant"),
        Message("customer", "Yes please, Saturday morning if possible.", "Customer"),
    ]


def thread(account_id, contact):
    """The contact's thread: the sample exchange, then what the outbox holds for it, oldest first."""
    sent = db.session.execute(
        db.select(OutboxMessage).where(OutboxMessage.account_id == account_id,
                                       OutboxMessage.contact_id == contact.id)
        .order_by(OutboxMessage.id).limit(50)).scalars().all()
    channel_names = {"sms": "SMS", "email": "Email"}
    return sample_exchange(contact) + [
        Message("us", message.body, f"Sent by {channel_names.get(message.channel, message.channel)}")
        for message in sent]
