"""The plugin's tables. All of them carry the ``segments_`` prefix and live in their own
metadata (:data:`metadata`), which the plugin's Alembic environment manages apart from the host's.

Accounts and users belong to the host: ``account_id`` and ``user_id`` are plain integers with no
foreign key into the host's tables. ``segments_membership.contact_id`` has no foreign key either,
because the contact table may be the host's own (see :mod:`contact_segments.contacts`).
"""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from .history import models as history_models  # noqa: F401  (the history tables, on the same metadata)
from .imports import models as import_models  # noqa: F401  (the import tables, on the same metadata)
from .model_base import (  # noqa: F401  (re-exported: hosts and migrations read them here)
    NAMING_CONVENTION, TABLE_PREFIX, VERSION_TABLE, Base, BigId, as_utc, metadata, utcnow,
)


class Segment(Base):
    """A named group of an account's contacts."""

    __tablename__ = "segments_segment"
    __table_args__ = (
        sa.UniqueConstraint("account_id", "name_key"),
        sa.UniqueConstraint("account_id", "skeleton_key"),
        sa.UniqueConstraint("account_id", "caseless_skeleton_key"),
        sa.Index("ix_segments_segment_account_search", "account_id", "search_key"),
        # SQLite: ids are never reused, so a new segment never takes the id (and the memberships)
        # of a deleted one kept for restoring (migration 0013_history).
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    account_id: Mapped[int] = mapped_column(sa.BigInteger, nullable=False)
    name: Mapped[str] = mapped_column(sa.String(100), nullable=False)
    # name is stored cleaned (contact_segments.names.clean_segment_name).
    # segment_name_key(name): unique per account (case, spaces and Unicode form ignored).
    name_key: Mapped[str] = mapped_column(sa.String(400), nullable=False)
    # confusable_keys(name): unique per account, so that no two names look alike (migration
    # 0009_segment_confusable_keys).
    skeleton_key: Mapped[str] = mapped_column(sa.String(64), nullable=False)
    caseless_skeleton_key: Mapped[str] = mapped_column(sa.String(64), nullable=False)
    # search_key(name): case- and accent-folded, for search.
    search_key: Mapped[str] = mapped_column(sa.String(400), nullable=False)
    # Kept equal to the number of memberships by every service that adds or removes members
    # (in the same transaction), so listing 1,000 segments with counts needs no aggregate.
    member_count: Mapped[int] = mapped_column(sa.BigInteger, nullable=False, default=0)
    created_by: Mapped[int | None] = mapped_column(sa.BigInteger)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        sa.DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )


class Membership(Base):
    """One contact in one segment. The primary key forbids duplicate memberships.

    No foreign key to the segment (it cost a check per inserted row): every writer holds a lock
    on the segment row, and deleting a segment deletes its memberships in the same transaction
    (migration ``0003_membership_without_fk``).
    """

    __tablename__ = "segments_membership"
    __table_args__ = (sa.Index("ix_segments_membership_contact", "contact_id", "segment_id"),)

    segment_id: Mapped[int] = mapped_column(BigId, primary_key=True)
    contact_id: Mapped[int] = mapped_column(BigId, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(
        sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
    )
    # The change that made it (contact_segments.history; NULL on memberships made before
    # migration 0013_history).
    change_id: Mapped[int | None] = mapped_column(sa.BigInteger)


#: Percent of each page of ``segments_contact`` filled by inserts on PostgreSQL (the rest is
#: kept for updates that change no indexed column).
CONTACT_FILLFACTOR = 70


class Contact(Base):
    """The plugin's own contact table, used when the host brings no contact model.

    ``mobile`` is E.164, ``email`` is normalized (lower-case); each, and ``external_id``, is
    unique per account, so two imports can never create the same contact twice.
    """

    __tablename__ = "segments_contact"
    __table_args__ = (
        sa.Index(
            "uq_segments_contact_account_mobile", "account_id", "mobile", unique=True,
            postgresql_where=sa.text("mobile IS NOT NULL"), sqlite_where=sa.text("mobile IS NOT NULL"),
        ),
        sa.Index(
            "uq_segments_contact_account_email", "account_id", "email", unique=True,
            postgresql_where=sa.text("email IS NOT NULL"), sqlite_where=sa.text("email IS NOT NULL"),
        ),
        sa.Index(
            "uq_segments_contact_account_external_id", "account_id", "external_id", unique=True,
            postgresql_where=sa.text("external_id IS NOT NULL"),
            sqlite_where=sa.text("external_id IS NOT NULL"),
        ),
        sa.Index("ix_segments_contact_account_id", "account_id", "id"),
        # Free space in each page: an import's updates then rarely touch the indexes
        # (migration 0005_contact_fillfactor).
        {"postgresql_with": {"fillfactor": CONTACT_FILLFACTOR}},
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    account_id: Mapped[int] = mapped_column(sa.BigInteger, nullable=False)
    country_code: Mapped[str | None] = mapped_column(sa.String(2))
    first_name: Mapped[str] = mapped_column(sa.String(100), nullable=False, default="")
    last_name: Mapped[str] = mapped_column(sa.String(100), nullable=False, default="")
    mobile: Mapped[str | None] = mapped_column(sa.String(20))
    email: Mapped[str | None] = mapped_column(sa.String(254))
    account_number: Mapped[str | None] = mapped_column(sa.String(64))
    organization: Mapped[str | None] = mapped_column(sa.String(200))
    external_id: Mapped[str | None] = mapped_column(sa.String(128))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        sa.DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )


def _contact_search_indexes():
    """The search and name-order indexes of ``segments_contact`` (PostgreSQL only; migration
    ``0010_contact_search_index``): the expressions the queries of
    :mod:`contact_segments.contact_search` use."""
    from .contact_search import NAME_INDEX, SEARCH_INDEX, name_key, search_document
    from .contacts import ContactMapping

    mapping = ContactMapping.from_model(Contact)
    sa.Table(Contact.__tablename__, metadata, extend_existing=True, *(index.ddl_if(dialect="postgresql") for index in (
        sa.Index(NAME_INDEX, Contact.account_id, name_key(mapping), Contact.id),
        sa.Index(SEARCH_INDEX, search_document(mapping).label("search_document"), postgresql_using="gin",
                 postgresql_ops={"search_document": "gin_trgm_ops"}),
    )))


_contact_search_indexes()


class Notification(Base):
    """An in-app notification (the default target of the ``segments_notify`` hook).

    ``kind``, ``import_id`` and ``params`` word it in the reader's language (see
    :mod:`contact_segments.messages`); ``message`` is its English sentence, shown as it is when
    ``params`` is ``NULL`` (a notice built by a host, or stored by an earlier version).
    """

    __tablename__ = "segments_notification"
    __table_args__ = (sa.Index("ix_segments_notification_account_user", "account_id", "user_id", "id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    account_id: Mapped[int] = mapped_column(sa.BigInteger, nullable=False)
    user_id: Mapped[int | None] = mapped_column(sa.BigInteger)
    kind: Mapped[str] = mapped_column(sa.String(40), nullable=False)
    level: Mapped[str] = mapped_column(sa.String(10), nullable=False, default="info")
    message: Mapped[str] = mapped_column(sa.Text, nullable=False)
    link: Mapped[str | None] = mapped_column(sa.String(500))
    # The import it is about and the values its sentence speaks of (migration
    # 0011_message_params; NULL on notifications stored before it).
    import_id: Mapped[int | None] = mapped_column(sa.BigInteger)
    params: Mapped[dict | None] = mapped_column(sa.JSON)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))

