"""Many writers at once never fork or break the chain.

Four processes append 150 events each, at the same time, to one ledger (a
SQLite file, or a PostgreSQL schema). The result must be exactly 600 events,
a chain that verifies, and no error surfaced in any writer. Each event is a
transaction of its own that takes the chain's lock, so the writers contend on
every one of them: a few hundred are as many interleavings as thousands, at a
fraction of the commits (2,000 took a minute of a test worker on PostgreSQL).
"""

from __future__ import annotations

import multiprocessing as mp

import pytest

from provenance.store import Ledger
from tests.support.factories import observation

WRITERS = 4
EVENTS_EACH = 150


def _writer(url: str, writer: int, start: mp.synchronize.Event) -> None:
    with Ledger(url, actor=f"w{writer}", host=f"host{writer}") as ledger:
        start.wait(30)
        for i in range(EVENTS_EACH):
            ledger.record(
                [observation(f"w{writer}-{i}", f"/show/w{writer}/{i}.exr", host=f"host{writer}")]
            )


@pytest.mark.slow
def test_four_processes_append_600_events(ledger_url: str) -> None:
    ctx = mp.get_context("spawn")
    start = ctx.Event()
    procs = [ctx.Process(target=_writer, args=(ledger_url, w, start)) for w in range(WRITERS)]
    for proc in procs:
        proc.start()
    start.set()
    for proc in procs:
        proc.join(timeout=240)
    assert [p.exitcode for p in procs] == [0] * WRITERS
    with Ledger(ledger_url) as ledger:
        report = ledger.events.verify()
        assert report.ok, report.problem
        assert report.events == WRITERS * EVENTS_EACH
        assert ledger.assets.totals()["unknown"] == WRITERS * EVENTS_EACH
