"""The pipelined apply (PostgreSQL: batch N+1 is decided while batch N is written, from batch N's
decisions) gives exactly the data, outcomes and counts of the plain batch-after-batch apply.

Files are built from a small pool of people so that nearly every batch names contacts that the
batch before created or changed: identifiers added and changed, the same person on many lines,
rows whose identifiers point at two people, External IDs that do not match, unknown segments,
in merge and in replace mode. Batches of 3 rows in parts of 9: the next batch is often in the
next part.
"""

import io
import random
import threading
import time

import pytest
import sqlalchemy as sa
from importdb_helpers import contacts_of, csv_bytes, member_counts_are_exact, outcomes_of, row

from contact_segments import segments
from contact_segments.demo.models import db
from contact_segments.imports import engine, service
from contact_segments.imports.locks import HeldAccount
from contact_segments.models import Contact, Membership, Segment

pytestmark = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)

PEOPLE = [(f"EXT-{i}", f"415 555 {2600 + i}", f"person{i}@example.com") for i in range(6)]
SEGMENT_NAMES = ["Downtown", "VIP", "Service Plan"]


@pytest.fixture
def app_config():
    return {"SEGMENTS_IMPORT_BATCH_SIZE": 3, "SEGMENTS_IMPORT_PART_ROWS": 9}


def tangled_rows(seed, count=90):
    """Rows about the people of :data:`PEOPLE`, tangled on purpose (see the module's text)."""
    rng = random.Random(seed)
    rows = []
    for _ in range(count):
        external_id, mobile, email = rng.choice(PEOPLE)
        other = rng.choice(PEOPLE)
        if rng.random() < 0.1:
            mobile = other[1]  # another person's number: a conflict or a move
        if rng.random() < 0.1:
            mobile = f"212 555 0{100 + rng.randrange(100)}"  # a new number for this person
        rows.append(row(
            first=rng.choice(["Ana", "Bo", "Cy"]), last=rng.choice(["Lima", "Diaz", "Diaz", "Diaz", ""]),
            external_id=external_id if rng.random() < 0.5 else "",
            mobile=mobile if rng.random() < 0.6 else "",
            email=email if rng.random() < 0.6 else "",
            organization=rng.choice(["", "", "Acme", "Initech"]),
            segments="; ".join(rng.sample(SEGMENT_NAMES + ["Ghost"], rng.randrange(3))),
        ))
    return rows


def memberships(account_id):
    """The account's memberships as sorted (segment name, contact's field values)."""
    db.session.expire_all()
    fields = [Contact.external_id, Contact.mobile, Contact.email, Contact.first_name]
    return sorted(
        (name, *(value or "" for value in values)) for name, *values in db.session.execute(
            sa.select(Segment.name, *fields).join(Membership, Membership.segment_id == Segment.id)
            .join(Contact, Contact.id == Membership.contact_id).where(Segment.account_id == account_id)))


def import_twice(state, scope, account_id, pipelined):
    """Seed three stored contacts, import a tangled file (merge) then another (replace); return
    everything the account ends with and what each import reported."""
    state.config["SEGMENTS_IMPORT_PIPELINE"] = pipelined
    segment_ids = {name: segments.create(scope, name).id for name in SEGMENT_NAMES}
    for (external_id, mobile, email), stored_external_id in zip(PEOPLE[:3], ["EXT-0", None, "CRM-9"]):
        contact = Contact(account_id=account_id, first_name="Stored", last_name="Person",
                          country_code="US", email=email, external_id=stored_external_id)
        db.session.add(contact)
        db.session.flush()
        db.session.add(Membership(segment_id=segment_ids["VIP"], contact_id=contact.id))
        db.session.execute(sa.update(Segment).where(Segment.id == segment_ids["VIP"])
                           .values(member_count=Segment.member_count + 1))
    db.session.commit()
    reports = []
    for seed, replace in ((1, False), (2, True)):
        imp = service.create_import(scope, io.BytesIO(csv_bytes(tangled_rows(seed))),
                                    "tangled.csv", replace=replace)
        service.start(scope, imp.id, wait=True)
        db.session.expire_all()
        summary = service.import_summary(scope, imp.id)
        assert summary["status"] == "finished"
        reports.append(({key: summary[key] for key in ("created", "updated", "unchanged", "failed", "warned",
                                                       "memberships_added", "memberships_removed")},
                        outcomes_of(imp.id)))
    assert member_counts_are_exact(account_id)
    return contacts_of(account_id), memberships(account_id), reports


def test_pipelined_apply_matches_the_plain_apply(state, make_account, scope_for, monkeypatch):
    continued = []
    carry_over = engine.BatchPlan.carry_over

    def counting_carry_over(plan, previous):
        carry_over(plan, previous)
        continued.append(plan.continued)

    monkeypatch.setattr(engine.BatchPlan, "carry_over", counting_carry_over)
    first, first_users = make_account("Pipelined Motors")
    second, second_users = make_account("Plain Motors")
    pipelined = import_twice(state, scope_for("admin", first, first_users["admin"]), first, True)
    assert len(continued) > 20 and sum(continued) > 15  # the pipeline ran, carrying contacts over
    carried = len(continued)
    plain = import_twice(state, scope_for("admin", second, second_users["admin"]), second, False)
    assert len(continued) == carried  # ... and the plain apply did not
    assert pipelined == plain
    contacts, _, reports = plain
    assert len(contacts) >= 6 and reports[0][0]["failed"] > 0 and reports[1][0]["memberships_removed"] > 0


def test_the_account_lock_is_handed_over_to_a_waiting_import(state):
    """A driver holding an account across batches lets another import's batch in when it waits."""
    engine_ = state.db.engine
    with engine_.connect() as holder_connection, engine_.connect() as other:
        holder = HeldAccount(holder_connection, 42)
        holder.acquire()
        assert not holder.wanted() and not holder.take_turns()
        other.execute(sa.text("SET lock_timeout = '50ms'"))
        with pytest.raises(sa.exc.OperationalError):  # another import's batch must wait...
            other.execute(sa.select(sa.func.pg_advisory_xact_lock(0x5E6A, 42)))
        other.rollback()
        other.execute(sa.text("SET lock_timeout = 0"))
        other.commit()
        got = threading.Event()

        def other_batch():
            other.execute(sa.select(sa.func.pg_advisory_xact_lock(0x5E6A, 42)))
            got.set()
            other.commit()

        waiter = threading.Thread(target=other_batch)
        waiter.start()
        deadline = time.monotonic() + 10
        while not holder.wanted():
            assert time.monotonic() < deadline
        assert holder.take_turns()  # ...and gets the lock as soon as the holder sees it waiting
        waiter.join(10)
        assert got.is_set() and holder.held
        holder.release()
