"""Running an import: three idempotent steps that any worker may run, in any number, any time.

1. :func:`prepare` reads the stored file once (checking it: a refused file ends here; its rows
   are counted first unless the upload's check counted them), and cuts its rows into parts of
   ``SEGMENTS_IMPORT_PART_ROWS`` rows stored in the database. Resumes after the last stored part.
2. :func:`validate_part` validates one part (CPU-bound: phone numbers, emails) and stores the
   result. Several workers validate different parts at the same time.
3. :func:`drive` applies the validated parts in file order, one batch of
   ``SEGMENTS_IMPORT_BATCH_SIZE`` rows per transaction: contacts, memberships, member counts,
   row outcomes, the counters and the checkpoint commit together, so a worker killed at any moment
   loses at most an uncommitted batch, which the next :func:`drive` applies again. Only one worker
   drives an import at a time (:func:`~contact_segments.imports.locks.driver_lock`); the others
   just leave, and the driver picks their parts up. The batch that applies the last row finishes
   the import in the same transaction (:func:`.lifecycle.finish`), so an import finishes exactly
   once.

The import's status is :mod:`.lifecycle`'s: these steps ask it to start, refuse or finish the
import.

A dry run validates the same way, then applies every batch inside one transaction that is rolled
back at the end (so later rows see the contacts earlier rows would create, and the counts are
those of the real import), keeping only the row outcomes and the counters.

None of these functions catches errors it cannot handle: a failure propagates to the caller (the
RQ worker, which records it and retries; or the in-process runner).
"""

import gc
import math
import pickle
import tempfile
from functools import partial

import sqlalchemy as sa

from ..collector import collector_paused
from . import lifecycle
from .columns import check_replace
from .engine import RaceLost, SegmentIndex, apply_batch
from .errors import FileRefused
from .locks import driver_lock, lock_for_writing
from .models import (
    BATCH_COUNTERS, CREATED, Import, ImportPart, ImportRow, ImportUnknownSegment,
)
from .planner_statistics import refresh_after_import
from .reading import ImportLimits, open_rows
from .storage import (
    StoredFile, pack_source_rows, pack_validated_rows, unpack_source_rows, unpack_validated_records,
)
from .validation import validate_row

#: How many times a batch is run again after losing a race to create a contact.
RACE_RETRIES = 5
#: Rows per statement when a dry run's outcomes are written back.
WRITE_CHUNK = 2000


def limits_from(config):
    """Return the :class:`ImportLimits` configured by ``SEGMENTS_IMPORT_MAX_*``."""
    return ImportLimits(max_file_bytes=config["SEGMENTS_IMPORT_MAX_FILE_BYTES"],
                        max_rows=config["SEGMENTS_IMPORT_MAX_ROWS"])


def _load(session, import_id):
    """Return import ``import_id`` read afresh from the database."""
    session.expire_all()
    return session.get(Import, import_id)


def _progress(job_meta, imp_id, **values):
    """Mirror progress in the current RQ job's ``meta`` (the database stays the truth)."""
    if job_meta is not None:
        job_meta(imp_id, **values)


# ---------------------------------------------------------------- step 1: prepare


def prepare(state, import_id, on_part=None):
    """Check the stored file and store its rows in parts; return True when every part is stored.

    ``on_part(seq)`` is called after each new part is committed (the RQ job enqueues its
    validation there). A refused file marks the import ``refused``, notifies the user and
    returns False; so does an import that has already ended.
    """
    session = state.db.session
    imp = _load(session, import_id)
    if imp is None or imp.ended:
        return False
    stored, last_line = session.execute(
        sa.select(sa.func.count(), sa.func.max(ImportPart.last_line)).where(ImportPart.import_id == imp.id)
    ).one()
    if imp.parts_total is not None and stored == imp.parts_total:
        return True
    try:
        # A file checked when it was uploaded (or by an earlier run) is not counted again.
        result = open_rows(StoredFile(session, imp.id, imp.file_size), imp.filename,
                           limits_from(state.config), counted_rows=imp.rows_total)
    except FileRefused as refused:
        lifecycle.refuse(state, imp, refused)
        return False
    with result:
        try:
            check_replace(result.header, imp.replace)
        except FileRefused as refused:
            lifecycle.refuse(state, imp, refused)
            return False
        if imp.parts_total is None:
            part_rows = int(state.config["SEGMENTS_IMPORT_PART_ROWS"])
            imp.rows_total = result.total_rows
            imp.encoding, imp.delimiter = result.encoding, result.delimiter
            imp.part_rows = part_rows
            imp.batch_size = min(int(state.config["SEGMENTS_IMPORT_BATCH_SIZE"]), part_rows)
            imp.parts_total = math.ceil(result.total_rows / part_rows)
        lifecycle.start(session, imp.id)
        session.commit()
        seq, part_rows = stored, imp.part_rows
        header = result.header
        buffer = []
        with collector_paused():
            for row in result.iter_rows(start_after_line=last_line or 0):
                buffer.append(row)
                if len(buffer) == part_rows:
                    _store_part(session, imp.id, seq, seq * part_rows, header, buffer, on_part)
                    seq, buffer = seq + 1, []
                    _collect_young_garbage()
            if buffer:
                _store_part(session, imp.id, seq, seq * part_rows, header, buffer, on_part)
                seq += 1
    if seq != imp.parts_total:
        raise RuntimeError(f"import {imp.id}: the stored file gave {seq} parts, expected {imp.parts_total}")
    return True


def _store_part(session, import_id, seq, first_row, header, rows, on_part):
    session.add(ImportPart(
        import_id=import_id, seq=seq, first_row=first_row, row_count=len(rows),
        first_line=rows[0].line, last_line=rows[-1].line,
        source=pack_source_rows(header, rows),
    ))
    session.commit()
    if on_part is not None:
        on_part(seq)


# ---------------------------------------------------------------- step 2: validate


def validate_part(state, import_id, seq):
    """Validate part ``seq`` of an import and store the result (nothing to do if already done)."""
    session = state.db.session
    source = session.execute(
        sa.select(ImportPart.source).where(
            ImportPart.import_id == import_id, ImportPart.seq == seq, ImportPart.validated.is_(None))
    ).scalar_one_or_none()
    session.commit()  # do not hold a transaction open while validating
    if source is None:
        return
    with collector_paused():
        rows = [validate_row(row) for row in unpack_source_rows(source)]
        validated = pack_validated_rows(rows)
    stored = session.execute(
        sa.update(ImportPart)
        .where(ImportPart.import_id == import_id, ImportPart.seq == seq, ImportPart.validated.is_(None))
        .values(validated=validated)
        .execution_options(synchronize_session=False)
    ).rowcount
    if stored:
        session.execute(
            sa.update(Import).where(Import.id == import_id)
            .values(rows_validated=Import.rows_validated + len(rows))
            .execution_options(synchronize_session=False)
        )
    session.commit()


def unvalidated_parts(session, import_id):
    """Return the seqs of the stored parts of an import that are not validated yet."""
    return list(session.execute(
        sa.select(ImportPart.seq).where(ImportPart.import_id == import_id, ImportPart.validated.is_(None))
        .order_by(ImportPart.seq)
    ).scalars())


# ---------------------------------------------------------------- step 3: apply


def drive(state, import_id, job_meta=None):
    """Apply the import's validated parts in order, if no other worker is doing it.

    Returns when the import has ended, when the next part is not validated yet (its validator
    will drive on), or at once when another worker is the driver.
    """
    engine = state.db.engine
    while True:
        with driver_lock(engine, import_id) as acquired:
            if not acquired:
                return
            with collector_paused():
                waiting = _drive_locked(state, import_id, job_meta)
        # A part validated while we were releasing the lock has nobody to drive it but us.
        if not waiting or not _next_part_ready(state.db.session, import_id):
            return


def _next_part_ready(session, import_id):
    imp = _load(session, import_id)
    ready = False
    if imp is not None and not imp.ended and imp.parts_total is not None:
        if imp.dry_run:
            ready = not unvalidated_parts(session, import_id) and _stored_parts(session, imp.id) == imp.parts_total
        else:
            ready = _validated_blob(session, imp.id, imp.rows_done // imp.part_rows) is not None
    session.commit()
    return ready


def _stored_parts(session, import_id):
    return session.execute(
        sa.select(sa.func.count()).where(ImportPart.import_id == import_id)).scalar_one()


def _validated_blob(session, import_id, seq):
    return session.execute(
        sa.select(ImportPart.validated).where(ImportPart.import_id == import_id, ImportPart.seq == seq)
    ).scalar_one_or_none()


def _collect_young_garbage():
    """Collect reference cycles among the objects made since the last call (cheap)."""
    gc.collect(1)


def _drive_locked(state, import_id, job_meta):
    """Apply batches while their parts are validated. Returns True when waiting for a part."""
    session = state.db.session
    imp = _load(session, import_id)
    session.commit()
    if imp is None or imp.ended or imp.parts_total is None:
        return imp is not None and not imp.ended
    if imp.dry_run:
        return _dry_run(state, imp, job_meta)
    cache = {}
    races = 0
    while True:
        lock_for_writing(session, imp.id, imp.account_id)
        rows_done = session.execute(sa.select(Import.rows_done).where(Import.id == imp.id)).scalar_one()
        if rows_done >= imp.rows_total:
            session.rollback()
            return False
        seq = rows_done // imp.part_rows
        if seq not in cache:
            blob = _validated_blob(session, imp.id, seq)
            if blob is None:
                session.rollback()
                return True
            cache = {seq: unpack_validated_records(blob)}
        start = rows_done - seq * imp.part_rows
        batch = cache[seq][start:start + imp.batch_size]
        try:
            outcome = apply_batch(session, state.contacts, imp.account_id, imp.id, imp.replace, batch,
                                  SegmentIndex.load(session, imp.account_id), imp.change_id)
        except RaceLost:
            session.rollback()
            races += 1
            if races > RACE_RETRIES:
                raise
            continue
        races = 0
        done = rows_done + len(batch)
        finished = done >= imp.rows_total
        values = {name: getattr(Import, name) + outcome.counts[name] for name in BATCH_COUNTERS}
        values.update(rows_done=done, checkpoint_line=batch[-1].line)
        if finished:
            lifecycle.finish(state, imp.id, values, before_commit=partial(_refresh_statistics, state))
        else:
            session.execute(sa.update(Import).where(Import.id == imp.id).values(**values)
                            .execution_options(synchronize_session=False))
            session.commit()
        _collect_young_garbage()
        _progress(job_meta, imp.id, rows_done=done, rows_total=imp.rows_total)
        if finished:
            return False


def _refresh_statistics(state, imp):
    """Fresh planner statistics for the tables finished import ``imp`` wrote, before it shows as
    finished (:mod:`.planner_statistics`)."""
    refresh_after_import(state.db.session, state.contacts, imp,
                         int(state.config["SEGMENTS_IMPORT_ANALYZE_AFTER"]))


def _dry_run(state, imp, job_meta):
    """Apply every batch in one transaction, keep the outcomes, roll the rest back."""
    session = state.db.session
    if unvalidated_parts(session, imp.id) or _stored_parts(session, imp.id) != imp.parts_total:
        session.commit()
        return True
    session.commit()
    for attempt in range(RACE_RETRIES + 1):
        lock_for_writing(session, imp.id, imp.account_id)
        segments = SegmentIndex.load(session, imp.account_id)
        totals = dict.fromkeys(BATCH_COUNTERS, 0)
        done, last_line = 0, 0
        try:
            for seq in range(imp.parts_total):
                rows = unpack_validated_records(_validated_blob(session, imp.id, seq))
                for start in range(0, len(rows), imp.batch_size):
                    batch = rows[start:start + imp.batch_size]
                    outcome = apply_batch(session, state.contacts, imp.account_id, imp.id,
                                          imp.replace, batch, segments)
                    for name in totals:
                        totals[name] += outcome.counts[name]
                    done, last_line = done + len(batch), batch[-1].line
                    _collect_young_garbage()
                    _progress(job_meta, imp.id, rows_done=done, rows_total=imp.rows_total)
        except RaceLost:
            session.rollback()
            if attempt == RACE_RETRIES:
                raise
            continue
        break
    with tempfile.TemporaryFile() as spool:
        _copy_out(session, imp.id, spool)
        session.rollback()  # the dry run's contacts and memberships vanish here
        spool.seek(0)
        _write_back(session, imp.id, spool)
    lifecycle.finish(state, imp.id, dict(totals, rows_done=done, checkpoint_line=last_line))
    return False


_OUTCOME_COLUMNS = ("line", "outcome", "contact_id", "codes", "issues")
_UNKNOWN_COLUMNS = ("name_key", "line", "name", "suggestion")


def _copy_out(session, import_id, spool):
    """Write the import's outcome and unknown-segment rows (of this transaction) to ``spool``."""
    for model, names in ((ImportRow, _OUTCOME_COLUMNS), (ImportUnknownSegment, _UNKNOWN_COLUMNS)):
        result = session.execute(
            sa.select(*(getattr(model, name) for name in names)).where(model.import_id == import_id)
            .execution_options(yield_per=WRITE_CHUNK)
        )
        for chunk in result.partitions():
            pickle.dump((model.__tablename__, [tuple(row) for row in chunk]), spool)
        pickle.dump((model.__tablename__, None), spool)


def _write_back(session, import_id, spool):
    """Insert the rows :func:`_copy_out` saved (a created contact's id is dropped: it never was)."""
    for model, names in ((ImportRow, _OUTCOME_COLUMNS), (ImportUnknownSegment, _UNKNOWN_COLUMNS)):
        session.execute(sa.delete(model).where(model.import_id == import_id)
                        .execution_options(synchronize_session=False))
        while True:
            table_name, rows = pickle.load(spool)
            assert table_name == model.__tablename__
            if rows is None:
                break
            values = [dict(zip(names, row), import_id=import_id) for row in rows]
            if model is ImportRow:
                for value in values:
                    if value["outcome"] == CREATED:
                        value["contact_id"] = None
            session.execute(sa.insert(model), values)
