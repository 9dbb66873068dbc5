"""The tables of bulk imports (all prefixed ``segments_import``, on the plugin's metadata).

* :class:`Import`: one upload and what became of it (options, status, progress, counts, the
  checkpoint of the last committed batch).
* :class:`ImportChunk`: the uploaded file itself, in chunks, so that a worker on another machine
  with only the database and Redis can run the import.
* :class:`ImportPart`: the file cut into parts of consecutive rows: the rows as read (``source``)
  and, once a worker has validated them, the validated rows (``validated``). Parts are validated
  in parallel by several workers and applied in file order.
* :class:`ImportRow`: the outcome of every data row. Its primary key (import, line) means a
  retried batch can never record a row twice.
* :class:`ImportUnknownSegment`: each segment name of the file that matches no segment, with the
  lines that used it.
"""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..model_base import Base, BigId, utcnow

#: Status of an import, in the order it goes through them.
UPLOADED, QUEUED, RUNNING, FINISHED, FAILED, REFUSED = (
    "uploaded", "queued", "running", "finished", "failed", "refused")
STATUSES = (UPLOADED, QUEUED, RUNNING, FINISHED, FAILED, REFUSED)
#: Statuses after which nothing more happens.
ENDED = (FINISHED, FAILED, REFUSED)

#: Outcome of one data row.
CREATED, UPDATED, UNCHANGED, ROW_FAILED = "created", "updated", "unchanged", "failed"
OUTCOMES = (CREATED, UPDATED, UNCHANGED, ROW_FAILED)

#: The counters of an import, as stored on :class:`Import` and listed in summaries.
COUNTERS = ("created", "updated", "unchanged", "failed", "warned",
            "memberships_added", "memberships_removed")
#: Counters of the rows' errors and warnings (a row may have several), stored on :class:`Import`
#: for its summary; ``NULL`` on imports applied by a version before they existed.
ISSUE_COUNTERS = ("errors_total", "warnings_total")
#: Every counter a batch adds to its import: the above and the contacts that lost at least one
#: segment membership (``NULL`` on imports applied by a version before it existed).
BATCH_COUNTERS = COUNTERS + ISSUE_COUNTERS + ("contacts_losing_memberships",)



def _import_fk():
    return sa.ForeignKey("segments_import.id", ondelete="CASCADE")


class Import(Base):
    """One bulk import of an account: the upload, its options and what became of it.

    ``rows_done`` is the checkpoint: the number of data rows whose batch has committed (their
    contacts, memberships, outcomes and the counters below in one transaction); ``checkpoint_line``
    is the line of the last of them. A retry resumes after it. ``lease_owner`` and
    ``lease_expires_at`` are the lease of the import's lead (:mod:`.lease`).
    """

    __tablename__ = "segments_import"
    __table_args__ = (
        sa.Index("ix_segments_import_account", "account_id", "id"),
        # The imports on their way, by when their lease lapses: what a worker's sweep reads.
        sa.Index("ix_segments_import_lease", "lease_expires_at",
                 postgresql_where=sa.text("status IN ('queued', 'running')"),
                 sqlite_where=sa.text("status IN ('queued', 'running')")),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    account_id: Mapped[int] = mapped_column(sa.BigInteger, nullable=False)
    user_id: Mapped[int | None] = mapped_column(sa.BigInteger)
    filename: Mapped[str] = mapped_column(sa.String(255), nullable=False)
    file_size: Mapped[int] = mapped_column(sa.BigInteger, nullable=False, default=0)
    replace: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=False)
    dry_run: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=False)
    status: Mapped[str] = mapped_column(sa.String(16), nullable=False, default=UPLOADED)
    # The file as read: its encoding and delimiter, its data rows, how it is cut up.
    encoding: Mapped[str | None] = mapped_column(sa.String(32))
    delimiter: Mapped[str | None] = mapped_column(sa.String(4))
    rows_total: Mapped[int | None] = mapped_column(sa.BigInteger)
    part_rows: Mapped[int | None] = mapped_column(sa.Integer)
    batch_size: Mapped[int | None] = mapped_column(sa.Integer)
    parts_total: Mapped[int | None] = mapped_column(sa.Integer)
    # Progress: rows validated (by any worker) and rows applied (the checkpoint).
    rows_validated: Mapped[int] = mapped_column(sa.BigInteger, nullable=False, default=0)
    rows_done: Mapped[int] = mapped_column(sa.BigInteger, nullable=False, default=0)
    checkpoint_line: Mapped[int] = mapped_column(sa.BigInteger, nullable=False, default=0)
    # Counts (rows by outcome, rows with warnings, memberships).
    created: Mapped[int] = mapped_column(sa.BigInteger, nullable=False, default=0)
    updated: Mapped[int] = mapped_column(sa.BigInteger, nullable=False, default=0)
    unchanged: Mapped[int] = mapped_column(sa.BigInteger, nullable=False, default=0)
    failed: Mapped[int] = mapped_column(sa.BigInteger, nullable=False, default=0)
    warned: Mapped[int] = mapped_column(sa.BigInteger, nullable=False, default=0)
    memberships_added: Mapped[int] = mapped_column(sa.BigInteger, nullable=False, default=0)
    memberships_removed: Mapped[int] = mapped_column(sa.BigInteger, nullable=False, default=0)
    # Errors and warnings of the rows (migration 0007_import_issue_counts; NULL before it).
    errors_total: Mapped[int | None] = mapped_column(sa.BigInteger, default=0)
    warnings_total: Mapped[int | None] = mapped_column(sa.BigInteger, default=0)
    # Contacts that lost a segment membership (migration 0012_contacts_losing_memberships).
    contacts_losing_memberships: Mapped[int | None] = mapped_column(sa.BigInteger, default=0)
    # Why the file was refused or the import failed.
    error_code: Mapped[str | None] = mapped_column(sa.String(40))
    error_message: Mapped[str | None] = mapped_column(sa.Text)
    # The values ``error_message`` speaks of, to word it in any language (migration
    # 0011_message_params; NULL before it: the English message is shown).
    error_params: Mapped[dict | None] = mapped_column(sa.JSON)
    job_id: Mapped[str | None] = mapped_column(sa.String(64))
    # The history change the import is (its memberships name it), and the undo of it when it
    # was undone (migration 0013_history; NULL on imports made before it: they cannot be undone).
    change_id: Mapped[int | None] = mapped_column(sa.BigInteger)
    undo_change_id: Mapped[int | None] = mapped_column(sa.BigInteger)
    # The lead carrying it (an RQ job id, or a process) and until when it is known to be alive
    # (migration 0008_import_lease; see contact_segments.imports.lease).
    lease_owner: Mapped[str | None] = mapped_column(sa.String(128))
    lease_expires_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(
        sa.DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )

    @property
    def ended(self):
        """True when the import is finished, failed or refused."""
        return self.status in ENDED

    def counts(self):
        """Return the counters as a dict (see :data:`COUNTERS`)."""
        return {name: getattr(self, name) for name in COUNTERS}


class ImportChunk(Base):
    """One piece (``seq`` from 0) of an uploaded file's bytes.

    ``codec`` says how ``data`` holds them: ``"zlib"`` (compressed), or ``None`` (as uploaded).
    """

    __tablename__ = "segments_import_chunk"

    import_id: Mapped[int] = mapped_column(BigId, _import_fk(), primary_key=True)
    seq: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=False)
    data: Mapped[bytes] = mapped_column(sa.LargeBinary, nullable=False)
    codec: Mapped[str | None] = mapped_column(sa.String(16))


class ImportPart(Base):
    """Consecutive data rows ``first_row`` .. ``first_row + row_count - 1`` (0-based ordinals).

    ``source``: the rows as read (compressed); ``validated``: the validated rows (compressed),
    ``NULL`` until a worker has validated the part.
    """

    __tablename__ = "segments_import_part"

    import_id: Mapped[int] = mapped_column(BigId, _import_fk(), primary_key=True)
    seq: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=False)
    first_row: Mapped[int] = mapped_column(sa.BigInteger, nullable=False)
    row_count: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    first_line: Mapped[int] = mapped_column(sa.BigInteger, nullable=False)
    last_line: Mapped[int] = mapped_column(sa.BigInteger, nullable=False)
    source: Mapped[bytes] = mapped_column(sa.LargeBinary, nullable=False)
    validated: Mapped[bytes | None] = mapped_column(sa.LargeBinary)


class ImportRow(Base):
    """The outcome of one data row (``line`` as a spreadsheet shows it, header = 1).

    ``codes``: the error and warning codes, space-separated; ``issues``: a JSON list of
    ``[level, column, code, params]`` (``level`` is ``"error"`` or ``"warning"``; ``params`` the
    values of the code's message, see :mod:`contact_segments.messages`, or the English sentence
    on rows written by an earlier version), ``NULL`` when there are none; ``contact_id``: the
    contact the row created or matched. ``changes``: the contact fields the row's batch changed
    (``{field: [before, after]}``), what an undo of the import puts back. No foreign key to the import (migration
    ``0004_import_row_without_fk``: a check per written row); the import's driver is the only
    writer.
    """

    __tablename__ = "segments_import_row"
    __table_args__ = (
        sa.Index("ix_segments_import_row_contact", "import_id", "contact_id"),
        # The rows with issues, in line order: an import's first errors without reading the rest.
        sa.Index("ix_segments_import_row_issues", "import_id", "line",
                 postgresql_where=sa.text("codes IS NOT NULL"), sqlite_where=sa.text("codes IS NOT NULL")),
    )

    import_id: Mapped[int] = mapped_column(BigId, primary_key=True)
    line: Mapped[int] = mapped_column(sa.BigInteger, primary_key=True, autoincrement=False)
    outcome: Mapped[str] = mapped_column(sa.String(10), nullable=False)
    contact_id: Mapped[int | None] = mapped_column(sa.BigInteger)
    codes: Mapped[str | None] = mapped_column(sa.String(400))
    issues: Mapped[list | None] = mapped_column(sa.JSON)
    # The contact fields the row's batch changed, {field: [before, after]} (on the first line of
    # the contact in the batch), what an undo puts back (migration 0013_history).
    changes: Mapped[dict | None] = mapped_column(sa.JSON(none_as_null=True))


class ImportUnknownSegment(Base):
    """A segment name used on ``line`` that matches none of the account's segments.

    ``suggestion`` is the closest existing segment name when one is close enough.
    """

    __tablename__ = "segments_import_unknown_segment"

    import_id: Mapped[int] = mapped_column(BigId, _import_fk(), primary_key=True)
    name_key: Mapped[str] = mapped_column(sa.String(400), primary_key=True)
    line: Mapped[int] = mapped_column(sa.BigInteger, primary_key=True, autoincrement=False)
    name: Mapped[str] = mapped_column(sa.String(400), nullable=False)
    suggestion: Mapped[str | None] = mapped_column(sa.String(100))
