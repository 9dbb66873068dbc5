"""A non-blocking exclusive lock on a file, on POSIX and Windows, standard library only.

The operating system holds the lock for one open file and releases it when the file is closed,
including when the process holding it dies: a crashed worker never leaves a lock behind. Two
opens of the same path conflict even within one process (two threads each get their own).
POSIX uses ``flock``; Windows locks the file's first byte with ``msvcrt.locking``. Each
platform's module is imported only when a lock is taken, so the package imports everywhere.
"""

import contextlib
import os


@contextlib.contextmanager
def try_lock_file(path):
    """Try to lock the file at ``path`` (created if missing); yield ``True`` if this caller holds
    the lock, ``False`` if another holder has it. Never blocks; released when the block ends."""
    with open(path, "a+b") as handle:
        if not _lock(handle):
            yield False
            return
        try:
            yield True
        finally:
            _unlock(handle)


def _lock(handle):
    if os.name == "nt":
        import msvcrt

        handle.seek(0)
        try:
            msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True
    import fcntl

    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _unlock(handle):
    if os.name == "nt":
        import msvcrt

        handle.seek(0)
        msvcrt.locking(handle.fileno(), msvcrt.LK_UNLCK, 1)
        return
    import fcntl

    fcntl.flock(handle, fcntl.LOCK_UN)
