"""The ledger's heartbeats and checkpoints (both backends), and `provenance status`."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from provenance.cli import cli
from provenance.store import Ledger
from provenance.watchers.status import watch_status
from tests.support.files import unique_bytes
from tests.support.waiting import wait_for
from tests.watchers.daemons import fast_settings, running

STATE = {"phase": "running", "heartbeat_interval": 10.0, "roots": [], "degraded": []}


def test_heartbeats_register_beat_and_list(ledger: Ledger) -> None:
    started = datetime.now(UTC) - timedelta(seconds=5)
    daemon_id = ledger.daemons.register(4242, started, STATE)
    ledger.daemons.beat(daemon_id, {**STATE, "counts": {"ingested": 3}})
    (record,) = ledger.daemons.list()
    assert (record.id, record.host, record.pid, record.started) == (
        daemon_id,
        "testhost",
        4242,
        started,
    )
    assert record.last_beat > started and record.state["counts"] == {"ingested": 3}


def test_old_heartbeats_of_this_host_are_forgotten(ledger: Ledger) -> None:
    long_ago = datetime.now(UTC) - timedelta(days=30)
    ledger.daemons.register(1, long_ago, STATE)
    ledger.daemons.register(2, datetime.now(UTC), STATE)
    assert [d.pid for d in ledger.daemons.list()] == [2]


def test_checkpoints_upsert_per_host_and_root(ledger: Ledger) -> None:
    first = datetime(2026, 1, 1, tzinfo=UTC)
    ledger.daemons.save_checkpoint("/jobs", "native", first, {"files": 1})
    ledger.daemons.save_checkpoint("/jobs", "polling", first + timedelta(hours=1), {"files": 2})
    ledger.daemons.save_checkpoint("/mnt/show", "polling", first, {})
    assert [(c.root, c.mode) for c in ledger.daemons.checkpoints("testhost")] == [
        ("/jobs", "polling"),
        ("/mnt/show", "polling"),
    ]
    assert ledger.daemons.checkpoints("testhost")[0].last_reconcile == first + timedelta(hours=1)
    assert ledger.daemons.checkpoints("elsewhere") == []


def test_status_shows_live_stale_and_stopped_daemons(ledger: Ledger) -> None:
    now = datetime.now(UTC)
    with Ledger(ledger.url, host="render01") as other:
        other.daemons.register(7, now - timedelta(minutes=5), STATE)  # silent since: stale
    ledger.daemons.register(8, now - timedelta(hours=2), {**STATE, "phase": "stopped"})
    report = watch_status(ledger)
    health = {d.record.host: d.health for d in report.daemons}
    assert health == {"render01": "stale", "testhost": "stopped"}
    live = ledger.daemons.register(9, now, {**STATE, "degraded": ["/mnt/show: unavailable"]})
    shown = [(d.record.id, d.health) for d in watch_status(ledger).daemons]
    assert (live, "degraded") in shown and len(shown) == 2
    assert len(watch_status(ledger, show_all=True).daemons) == 3


def test_status_command_reports_a_running_daemon(
    root: Path, ledger: Ledger, ledger_url: str
) -> None:
    with running(ledger, fast_settings(ledger_url), [root]) as daemon:
        (root / "a.bin").write_bytes(unique_bytes("a"))
        wait_for(lambda: daemon.daemon.state.counts()["ingested"] == 1)
        daemon.daemon.beat()
        result = CliRunner().invoke(cli, ["status", "--db", ledger_url, "--json"])
        table = CliRunner().invoke(cli, ["status", "--db", ledger_url], terminal_width=200)
    assert result.exit_code == 0, result.output
    (shown,) = json.loads(result.stdout)["daemons"]
    assert (shown["health"], shown["phase"], shown["stale"]) == ("ok", "running", False)
    assert shown["roots"][0]["path"] == str(root) and shown["roots"][0]["mode"] == "native"
    assert shown["roots"][0]["last_reconcile"] and shown["counts"]["ingested"] == 1
    assert set(shown["queue"]) == {
        "hints",
        "settling",
        "examining",
        "deletes",
        "fingerprint_retries",
    }
    assert "testhost" in table.stdout and "watched" in table.stdout and " ok " in table.stdout


def _last_beat(ledger: Ledger, key: str) -> Any:
    """What the one daemon's last heartbeat says under ``key`` (None before it registers)."""
    records = ledger.daemons.list()
    return records[0].state[key] if records else None


@pytest.fixture
def hourly_beats(tmp_path: Path, ledger: Ledger, ledger_url: str) -> Iterator[Path]:
    """A watched share whose daemon beats hourly: what it publishes sooner is news."""
    root = tmp_path / "share"
    root.mkdir()
    with running(ledger, fast_settings(ledger_url, watch_heartbeat=3600.0), [root]):
        yield root


def test_a_root_watched_or_unavailable_is_published_before_the_next_beat(
    hourly_beats: Path, ledger: Ledger
) -> None:
    def published() -> list[tuple[str, bool]]:
        roots = _last_beat(ledger, "roots") or []
        return [(str(r["state"]), bool(r["last_reconcile"])) for r in roots]

    wait_for(lambda: published() == [("watching", True)], 10, "the watched root published")
    hourly_beats.rename(hourly_beats.with_name("share.away"))  # the share is unmounted
    wait_for(lambda: published()[0][0] == "unavailable", 10, "the lost root published")


def test_files_counted_are_published_before_the_next_beat(
    hourly_beats: Path, ledger: Ledger
) -> None:
    """A file copied in shows in `provenance status` within seconds, not at the hourly beat."""
    wait_for(lambda: _last_beat(ledger, "counts") is not None, 10, "the daemon registered")
    (hourly_beats / "notes.txt").write_bytes(unique_bytes("counted"))
    wait_for(
        lambda: _last_beat(ledger, "counts")["ingested"] == 1,
        15,
        "the new file counted in the heartbeat",
    )


def test_status_with_no_daemon_says_so(ledger_url: str) -> None:
    result = CliRunner().invoke(cli, ["status", "--db", ledger_url])
    assert result.exit_code == 0 and "No watch daemon" in result.stdout
