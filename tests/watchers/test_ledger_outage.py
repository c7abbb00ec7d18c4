"""The ledger going away under a running daemon.

PostgreSQL away: keep watching, degraded, catch up, lose nothing. A SQLite
ledger file deleted or replaced: stop, rather than record into a lost file.
"""

from __future__ import annotations

import shutil
import sqlite3
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from provenance.errors import WatchFailed
from provenance.store import Ledger
from tests.support.files import unique_bytes
from tests.support.waiting import wait_for
from tests.watchers.daemons import fast_settings, present, running
from tests.watchers.proxy import TcpProxy


@pytest.fixture
def proxied(pg_schema_url: str) -> Iterator[tuple[str, TcpProxy]]:
    """A fresh PostgreSQL ledger, and its URL through a proxy the test can cut."""
    Ledger.init(pg_schema_url)[0].close()
    url = make_url(pg_schema_url)
    proxy = TcpProxy((url.host or "127.0.0.1", url.port or 5432))
    proxy.start()
    yield url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False), proxy
    proxy.stop()


@pytest.mark.postgres
def test_postgres_outage_is_ridden_out(
    root: Path, pg_schema_url: str, proxied: tuple[str, TcpProxy]
) -> None:
    url, proxy = proxied
    early = [root / f"early{n}.bin" for n in range(5)]
    for path in early:
        path.write_bytes(unique_bytes(path.name))
    with (
        Ledger(url, host="testhost") as through_proxy,
        Ledger(pg_schema_url, host="testhost") as direct,
        running(through_proxy, fast_settings(url), [root]) as daemon,
    ):
        wait_for(lambda: len(present(direct, root)) == 5)
        proxy.stop()  # the server restarts, the network is cut
        during = [root / f"during{n}.bin" for n in range(40)]
        for path in during:
            path.write_bytes(unique_bytes(path.name))
        early[0].unlink()
        wait_for(
            lambda: any("ledger unreachable" in r for r in daemon.daemon.state.reasons()),
            message="the daemon to say the ledger is unreachable",
        )
        assert daemon.thread.is_alive()
        proxy.start()  # the server is back
        wanted = {str(p) for p in early[1:] + during}
        wait_for(lambda: present(direct, root) == wanted, 90, "everything, once back")
        wait_for(lambda: not daemon.daemon.state.reasons(), 30, "no longer degraded")
    assert Counter(e.type for e in direct.events.list()) == {"detected": 45, "removed": 1}
    assert direct.events.verify().ok


@pytest.mark.parametrize("how", ["deleted", "replaced"])
def test_a_sqlite_ledger_file_deleted_or_replaced_stops_the_daemon(
    root: Path, tmp_path: Path, how: str
) -> None:
    # SQLite writes on into a file deleted or renamed away while open: the daemon
    # would log every file recorded while nothing reached the ledger at that path.
    path = tmp_path / "ledger.sqlite3"
    url = f"sqlite:///{path}"
    with (
        Ledger(url, host="testhost") as ledger,
        pytest.raises(WatchFailed, match="the ledger file was deleted or replaced while in use"),
        running(ledger, fast_settings(url), [root]) as daemon,
    ):
        if how == "deleted":
            path.unlink()
        else:  # a backup put back over it
            shutil.copyfile(path, tmp_path / "backup.sqlite3")
            (tmp_path / "backup.sqlite3").replace(path)
        (root / "after.bin").write_bytes(unique_bytes("after"))
        wait_for(lambda: not daemon.thread.is_alive(), message="the daemon to stop")
    assert daemon.daemon.state.phase == "failed"


def test_a_ledger_locked_by_another_program_does_not_hold_the_stop(
    root: Path, tmp_path: Path
) -> None:
    # Every write waits SQLite's busy timeout (a minute) behind the lock: a stop that
    # waited for each stuck thread, then for a last heartbeat, outlasted the service
    # manager's patience (TimeoutStopSec=90), which then kills the daemon.
    path = tmp_path / "ledger.sqlite3"
    url = f"sqlite:///{path}"
    with Ledger(url, host="testhost") as ledger:
        holder = sqlite3.connect(path, isolation_level=None)
        try:
            with running(ledger, fast_settings(url), [root]) as daemon:
                holder.execute("BEGIN EXCLUSIVE")
                (root / "during.bin").write_bytes(unique_bytes("during"))
                wait_for(
                    lambda: daemon.daemon.pipeline.depth()["examining"] > 0,
                    message="the file waiting to be recorded behind the lock",
                )
                began = time.monotonic()
                daemon.daemon.request_stop()
                daemon.thread.join(90)
                took = time.monotonic() - began
        finally:
            holder.execute("ROLLBACK")
            holder.close()
    assert took < 30, f"stopping took {took:.0f} s"
