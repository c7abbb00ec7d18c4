"""The daemon's loops: a failing step is survived, and its repeats do not flood the log."""

from __future__ import annotations

import logging
import threading

import pytest

from provenance.errors import ProvenanceError
from provenance.util.guard import WorkerStartFailed
from provenance.watchers import threads
from provenance.watchers.threads import ErrorLog, Loop
from tests.support.clocks import Clock


def start_failed() -> WorkerStartFailed:
    return WorkerStartFailed("a worker process could not start", where="pid 7", fix="retry")


def messages(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == threads.__name__]


def test_a_persistent_error_is_logged_once_then_summed_up(
    caplog: pytest.LogCaptureFixture,
) -> None:
    clock = Clock()
    errors = ErrorLog("provenance-worker-0", clock)
    with caplog.at_level(logging.INFO, logger=threads.__name__):
        for _ in range(30):
            errors.failed(start_failed())
            clock.now += 1.0
        clock.now += threads.REPEAT_SECONDS
        errors.failed(start_failed())
        for _ in range(4):
            errors.failed(start_failed())
        errors.worked()
    assert messages(caplog) == [
        "error in provenance-worker-0; continuing: a worker process could not start: pid 7. retry",
        "error in provenance-worker-0 repeated 30 more times: WorkerStartFailed:"
        " a worker process could not start: pid 7. retry",
        "error in provenance-worker-0 repeated 4 more times: WorkerStartFailed:"
        " a worker process could not start: pid 7. retry",
        "provenance-worker-0 works again",
    ]
    assert all(r.exc_info is None for r in caplog.records)  # an error for people: no traceback


def test_a_bug_keeps_its_traceback_and_a_new_error_ends_the_count(
    caplog: pytest.LogCaptureFixture,
) -> None:
    errors = ErrorLog("recorder", Clock())
    with caplog.at_level(logging.INFO, logger=threads.__name__):
        errors.failed(KeyError("seq"))
        errors.failed(KeyError("seq"))
        errors.failed(ProvenanceError("the ledger is unavailable"))
    assert messages(caplog) == [
        "error in recorder; continuing",
        "error in recorder repeated 1 more times: KeyError: 'seq'",
        "error in recorder; continuing: the ledger is unavailable",
    ]
    assert caplog.records[0].exc_info is not None


def test_a_loop_survives_its_step_failing_and_goes_on(caplog: pytest.LogCaptureFixture) -> None:
    calls: list[int] = []
    errors: list[int] = []
    done = threading.Event()

    def step(stopping: threading.Event) -> None:
        calls.append(1)
        if len(calls) <= 5:
            raise start_failed()
        done.set()
        stopping.wait(0.01)

    loop = Loop("provenance-worker-1", step, lambda: errors.append(1), pause=0.0)
    with caplog.at_level(logging.INFO, logger=threads.__name__):
        loop.start()
        assert done.wait(10)
        loop.stop()
        loop.join(10)
    assert not loop.is_alive() and len(errors) == 5
    assert len([m for m in messages(caplog) if "continuing" in m]) == 1
    assert "provenance-worker-1 works again" in messages(caplog)
