"""Reading and validation run below the driver's CPU priority (contact_segments.imports.priority)."""

import contextvars
import os
import sys
import threading

import pytest

from contact_segments.imports.priority import MAX_NICE, call_below_priority

linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="nice values per thread: Linux")
_request = contextvars.ContextVar("request")


def _own_nice_value():
    return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())


def _where_and_how():
    return threading.get_native_id(), _own_nice_value()


@linux_only
def test_the_call_runs_at_a_higher_nice_value_and_the_caller_keeps_its_own():
    before = _own_nice_value()
    thread_id, nice_value = call_below_priority(5, _where_and_how)
    assert thread_id != threading.get_native_id()
    assert nice_value == min(MAX_NICE, before + 5)
    assert _own_nice_value() == before


@linux_only
def test_the_nice_value_stops_at_the_lowest_priority():
    assert call_below_priority(100, _own_nice_value) == MAX_NICE


def test_niceness_zero_is_a_plain_call_in_the_calling_thread():
    assert call_below_priority(0, _where_and_how) == (threading.get_native_id(), _own_nice_value())


def test_the_callers_context_goes_with_the_call():
    _request.set("import 7")
    assert call_below_priority(3, _request.get) == "import 7"


def test_an_exception_of_the_call_is_raised_to_the_caller():
    def refuse(reason):
        raise ValueError(reason)

    with pytest.raises(ValueError, match="no header row"):
        call_below_priority(3, refuse, "no header row")


def test_arguments_and_result_pass_through():
    assert call_below_priority(3, divmod, 17, 5) == (3, 2)
