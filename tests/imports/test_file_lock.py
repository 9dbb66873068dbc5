"""The file lock that picks one driver per import on SQLite: exclusive across processes and
within one, never blocking, released when its holder ends or dies."""

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time

import pytest

from contact_segments.imports.file_lock import try_lock_file

#: A process that takes the lock, says so, and holds it until its stdin closes.
HOLDER = textwrap.dedent("""
    import sys
    from contact_segments.imports.file_lock import try_lock_file
    with try_lock_file(sys.argv[1]) as acquired:
        print("held" if acquired else "busy", flush=True)
        sys.stdin.read()
""")


def _holder(path):
    process = subprocess.Popen([sys.executable, "-c", HOLDER, str(path)], stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, text=True)
    return process, process.stdout.readline().strip()


def _acquired_within(path, seconds=20):
    """Poll the lock until it is free (then True) or the deadline passes (False)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with try_lock_file(path) as acquired:
            if acquired:
                return True
        time.sleep(0.02)
    return False


@pytest.fixture
def lock_path(tmp_path):
    return tmp_path / "import-1.lock"


def test_a_second_process_is_refused_while_the_first_holds_it_then_gets_it(lock_path):
    process, said = _holder(lock_path)
    try:
        assert said == "held"
        with try_lock_file(lock_path) as acquired:
            assert acquired is False
        second, second_said = _holder(lock_path)
        second.communicate("")
        assert second_said == "busy"
    finally:
        process.communicate("")
    assert process.returncode == 0
    assert _acquired_within(lock_path)


def test_a_killed_holder_leaves_no_lock_behind(lock_path):
    process, said = _holder(lock_path)
    assert said == "held"
    os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=20)
    process.stdin.close()
    process.stdout.close()
    assert _acquired_within(lock_path)


def test_two_threads_of_one_process_exclude_each_other(lock_path):
    inside, leave = threading.Event(), threading.Event()

    def hold():
        with try_lock_file(lock_path) as acquired:
            assert acquired
            inside.set()
            leave.wait(20)

    thread = threading.Thread(target=hold)
    thread.start()
    try:
        assert inside.wait(20)
        with try_lock_file(lock_path) as acquired:
            assert acquired is False
    finally:
        leave.set()
        thread.join(20)
    with try_lock_file(lock_path) as acquired:
        assert acquired is True


def test_the_lock_is_free_again_when_the_block_ends_even_by_an_error(lock_path):
    with pytest.raises(RuntimeError):
        with try_lock_file(lock_path) as acquired:
            assert acquired
            raise RuntimeError("the driver failed")
    with try_lock_file(lock_path) as acquired:
        assert acquired
