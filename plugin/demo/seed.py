"""Sample data for the demo host: two dealerships, their users, contacts and segments."""

import random

from .. import segments
from ..actor import Actor
from ..models import Contact
from .models import Account, User, db

ACCOUNTS = [
    ("Downtown Motors", "US", ["Downtown Store", "North Region", "South Region", "SUV Owners",
                               "Service Plan Gold", "Service Plan Basic"]),
    ("Serra Veículos", "BR", ["Loja Centro", "Região Sul", "Plano de Revisão", "Clientes Picape"]),
]
FIRST_NAMES = ["Ana", "Bruno", "Carla", "Diego", "Elena", "Felipe", "Grace", "Hugo", "Isabel",
               "João", "Karen", "Lucas", "Maria", "Noah", "Olivia", "Pedro", "Rosa", "Sam"]
LAST_NAMES = ["Silva", "Santos", "Smith", "Johnson", "Oliveira", "Brown", "Souza", "Garcia",
              "Lima", "Miller", "Costa", "Davis"]


def _mobile(country, index):
    if country == "US":
        return f"+1415555{index:04d}"
    return f"+55119{index + 87000000:08d}"


def seed(state, contacts_per_account=120):
    """Create the sample accounts, users, contacts and segments unless accounts already exist."""
    if db.session.execute(db.select(Account)).first():
        return False
    rng = random.Random(7)
    for account_name, country, segment_names in ACCOUNTS:
        account = Account(name=account_name)
        db.session.add(account)
        db.session.flush()
        for role, person in (("consultant", "Casey Consultant"), ("manager", "Morgan Manager"),
                             ("admin", "Alex Admin")):
            db.session.add(User(account_id=account.id, name=f"{person} ({account_name})", role=role))
        for index in range(contacts_per_account):
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            db.session.add(Contact(
                account_id=account.id, country_code=country, first_name=first, last_name=last,
                mobile=_mobile(country, account.id * 1000 + index) if index % 7 else None,
                email=f"{first}.{last}.{index}@example.com".lower() if index % 5 else None,
            ))
        db.session.commit()
        scope = state.scope(Actor.system(account.id))
        contact_ids = [row.id for row in db.session.execute(
            db.select(Contact.id).where(Contact.account_id == account.id)
        )]
        for name in segment_names:
            members = rng.sample(contact_ids, k=rng.randint(10, len(contact_ids) // 2))
            segments.create(scope, name, contact_ids=members)
    return True
