"""How long an import's stored data is kept.

An import stores three things besides its record: the uploaded file (``segments_import_chunk``),
its rows as read (``ImportPart.source``: the per-row report is built from them) and its rows as
validated (``ImportPart.validated``: only applying the rows needs them).

* :func:`release_finished`: once an import has finished, its validated rows are dropped at once
  (nothing reads them again).
* :func:`clean_up`: ``flask segments imports-cleanup --older-than DAYS`` deletes the uploaded
  file and any validated rows of the imports that ended more than DAYS ago, and the files of
  uploads that were never started (a previewed file that was not imported) and are that old; those
  uploads end as ``failed`` (``upload_expired``). The import record, its counts, its per-row
  outcomes, its unknown segment names and its per-row report stay.

A failed import whose file was cleaned up can no longer be resumed (the service says so).
"""

from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa

from ..errors import Conflict
from ..models import utcnow
from . import lifecycle
from .models import ENDED, FINISHED, UPLOADED, Import, ImportChunk, ImportPart

EXPIRED_CODE = "upload_expired"


def release_finished(session, import_id):
    """Drop the validated rows of import ``import_id`` if it has finished (else do nothing)."""
    session.execute(
        sa.update(ImportPart)
        .where(ImportPart.import_id == import_id, ImportPart.validated.is_not(None),
               ImportPart.import_id.in_(sa.select(Import.id).where(Import.id == import_id,
                                                                   Import.status == FINISHED)))
        .values(validated=None).execution_options(synchronize_session=False))
    session.commit()


def file_is_kept(session, imp):
    """True when ``imp`` can still be read: its uploaded file, or every one of its parts, is stored."""
    has_chunks = session.execute(
        sa.select(sa.literal(1)).where(ImportChunk.import_id == imp.id).limit(1)).first() is not None
    if has_chunks:
        return True
    parts = session.execute(
        sa.select(sa.func.count()).where(ImportPart.import_id == imp.id)).scalar_one()
    return imp.parts_total is not None and parts == imp.parts_total


def ensure_file_kept(session, imp):
    """Raise :class:`Conflict` (``file_removed``) when the file of ``imp`` was cleaned up, so it
    cannot be run again."""
    if not file_is_kept(session, imp):
        raise Conflict(f"The file of import {imp.id} was removed by the clean-up of old imports, "
                       "so it cannot be resumed. Upload the file again: rows already imported "
                       "are matched, not duplicated.", code="file_removed")


@dataclass(frozen=True)
class CleanUp:
    """What :func:`clean_up` removed: the imports touched and the bytes freed."""

    imports: int
    bytes_freed: int


def _stored_bytes(session, import_ids):
    chunk_bytes = session.execute(
        sa.select(sa.func.coalesce(sa.func.sum(sa.func.length(ImportChunk.data)), 0))
        .where(ImportChunk.import_id.in_(import_ids))).scalar_one()
    validated_bytes = session.execute(
        sa.select(sa.func.coalesce(sa.func.sum(sa.func.length(ImportPart.validated)), 0))
        .where(ImportPart.import_id.in_(import_ids))).scalar_one()
    return int(chunk_bytes) + int(validated_bytes)


def clean_up(session, older_than_days, *, account_id=None, dry_run=False, now=None):
    """Delete the stored files of imports that ended (or were uploaded and never started) more
    than ``older_than_days`` days ago; return a :class:`CleanUp`.

    Only the uploaded file and the validated rows go; records, counts, outcomes and reports stay.
    ``account_id`` limits it to one account; ``dry_run`` only counts.
    """
    if older_than_days < 0:
        raise ValueError("older_than_days must be 0 or more")
    cutoff = (now or utcnow()) - timedelta(days=older_than_days)
    in_account = [Import.account_id == account_id] if account_id is not None else []
    has_data = sa.or_(
        sa.exists().where(ImportChunk.import_id == Import.id),
        sa.exists().where(ImportPart.import_id == Import.id, ImportPart.validated.is_not(None)))
    ended = list(session.execute(sa.select(Import.id).where(
        *in_account, Import.status.in_(ENDED), Import.finished_at < cutoff, has_data)).scalars())
    unstarted = list(session.execute(sa.select(Import.id).where(
        *in_account, Import.status == UPLOADED, Import.created_at < cutoff)).scalars())
    touched = ended + unstarted
    freed = _stored_bytes(session, touched) if touched else 0
    if dry_run or not touched:
        session.rollback()
        return CleanUp(len(touched), freed)
    for start in range(0, len(touched), 500):
        chunk = touched[start:start + 500]
        session.execute(sa.delete(ImportChunk).where(ImportChunk.import_id.in_(chunk))
                        .execution_options(synchronize_session=False))
        session.execute(sa.update(ImportPart).where(ImportPart.import_id.in_(chunk))
                        .values(validated=None).execution_options(synchronize_session=False))
    for start in range(0, len(unstarted), 500):
        lifecycle.expire_uploads(session, unstarted[start:start + 500], EXPIRED_CODE,
                                 {"days": older_than_days})
    session.commit()
    return CleanUp(len(touched), freed)
