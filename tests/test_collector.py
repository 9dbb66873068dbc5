"""The garbage-collector pause used by the bulk paths (streaming, import apply)."""

import gc
import threading

from contact_segments.collector import collector_paused


def test_collector_paused_turns_collection_off_and_back_on():
    assert gc.isenabled()
    with collector_paused():
        assert not gc.isenabled()
    assert gc.isenabled()


def test_collector_stays_off_until_the_last_of_overlapping_pauses_ends():
    first_in, second_done, first_may_leave = threading.Event(), threading.Event(), threading.Event()
    seen = {}

    def first():
        with collector_paused():
            first_in.set()
            first_may_leave.wait(5)
            seen["first, after the second left"] = gc.isenabled()

    def second():
        first_in.wait(5)
        with collector_paused():
            pass
        seen["second, after leaving"] = gc.isenabled()
        second_done.set()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    second_done.wait(5)
    first_may_leave.set()
    for thread in threads:
        thread.join(5)
    assert seen == {"second, after leaving": False, "first, after the second left": False}
    assert gc.isenabled()


def test_collector_left_off_when_it_was_off_before():
    gc.disable()
    try:
        with collector_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_collector_comes_back_after_an_error():
    try:
        with collector_paused():
            raise ValueError("boom")
    except ValueError:
        pass
    assert gc.isenabled()
