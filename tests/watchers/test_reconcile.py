"""Reconciling: catching up after downtime, periodic reconciles, and what never counts as gone."""

from __future__ import annotations

import os
import random
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from provenance.ingest.record import ingest
from provenance.ingest.scan import scan
from provenance.settings import WatchRootConfig
from provenance.store import Ledger
from provenance.watchers.backends import INOTIFY
from provenance.watchers.reconcile import RootUnavailable, plan_reconcile
from provenance.watchers.roots import resolve_root
from provenance.watchers.supervisor import Supervisor
from tests.support.files import unique_bytes
from tests.support.waiting import wait_for
from tests.watchers.daemons import fast_settings, present, running, write_files


def _old(path: Path) -> None:
    """Make a file look written long ago (so a reconcile takes it at once)."""
    past = time.time() - 3600
    os.utime(path, (past, past))


def test_restart_neither_misses_nor_replays(root: Path, ledger: Ledger, ledger_url: str) -> None:
    files = [root / f"f{n}.bin" for n in range(10)]
    for path in files:
        path.write_bytes(unique_bytes(path.name))
    settings = fast_settings(ledger_url)
    with running(ledger, settings, [root]):
        wait_for(lambda: len(present(ledger, root)) == 10)
    before = len(ledger.events.list())
    # While the daemon is down: one new, one changed, one renamed, one deleted.
    (root / "new.bin").write_bytes(unique_bytes("new"))
    files[0].write_bytes(unique_bytes("changed"))
    files[1].rename(root / "renamed.bin")
    files[2].unlink()
    with running(ledger, settings, [root]) as daemon:
        daemon.settled()
        counts = daemon.daemon.state.counts()
    added = Counter(e.type for e in ledger.events.list()[before:])
    assert added == {"detected": 2, "modified": 1, "moved": 1, "removed": 1}
    assert counts["ingested"] == 3, "unchanged files are not hashed again"
    checkpoint = ledger.daemons.checkpoints()[0]
    assert (checkpoint.root, checkpoint.mode) == (str(root), "native")
    assert checkpoint.details["files"] == 10
    report = ledger.state.verify()  # every location the daemon changed is what its events say
    assert report.ok, [d.text for d in report.differences]


def test_periodic_reconcile_finds_what_events_missed(
    root: Path, ledger: Ledger, ledger_url: str, deaf_handlers: threading.Event
) -> None:
    settings = fast_settings(ledger_url, watch_reconcile_interval=1.0)
    with running(ledger, settings, [root]) as daemon:
        deaf_handlers.clear()
        missed = write_files(root / "missed", "m", 5)
        wait_for(lambda: present(ledger, root) == missed, message="the periodic reconcile")
        wait_for(lambda: daemon.daemon.state.counts()["reconciles"] >= 2, message="counted")


def test_reconcile_jitter_is_within_a_quarter(ledger_url: str) -> None:
    supervisor = Supervisor(
        fast_settings(ledger_url, watch_reconcile_interval=100.0),
        None,  # type: ignore[arg-type]
        None,  # type: ignore[arg-type]
        None,  # type: ignore[arg-type]
    )
    supervisor._random = random.Random(7)
    delays = [supervisor._next(0.0) or 0.0 for _ in range(200)]
    assert 75.0 <= min(delays) < 80.0 and 120.0 < max(delays) <= 125.0


def test_plan_spares_folders_it_cannot_list(
    tmp_path: Path, ledger: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = fast_settings(ledger.url)
    (tmp_path / "locked").mkdir()
    kept = tmp_path / "locked" / "kept.bin"
    kept.write_bytes(unique_bytes("kept"))
    stable = tmp_path / "stable.bin"
    stable.write_bytes(unique_bytes("stable"))
    scan([tmp_path], ledger, settings)
    stable.unlink()
    fresh = tmp_path / "fresh.bin"
    fresh.write_bytes(unique_bytes("fresh"))
    old = tmp_path / "old.bin"
    old.write_bytes(unique_bytes("old"))
    _old(old)
    real = os.scandir

    def scandir(path: str) -> object:
        if str(path).endswith("locked"):
            raise PermissionError(13, "Permission denied", str(path))
        return real(path)

    monkeypatch.setattr("provenance.files.walk.os.scandir", scandir)
    spec = resolve_root(_config(tmp_path), settings, [], INOTIFY)
    plan = plan_reconcile(spec, ledger, settings)
    assert plan.vanished == [str(stable)]
    assert plan.stable == [old] and plan.recent == [fresh]


def test_a_file_the_share_will_not_show_is_not_gone(
    tmp_path: Path, ledger: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A listing that leaves a file out and a look at it that fails with an I/O error (a share
    in trouble) say nothing of a deletion: only "no such file" does (``may_exist``)."""
    settings = fast_settings(ledger.url)
    flaky, gone = _file(tmp_path / "flaky.bin"), _file(tmp_path / "gone.bin")
    scan([tmp_path], ledger, settings)
    gone.unlink()
    real_scandir, real_lstat = os.scandir, os.lstat

    def scandir(path: str) -> object:
        return _Without(real_scandir(path), flaky.name)

    def lstat(path: object, *args: object, **kwargs: object) -> os.stat_result:
        if os.fspath(path) == str(flaky):  # type: ignore[call-overload]
            raise OSError(5, "Input/output error", str(flaky))
        return real_lstat(path, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr("provenance.files.walk.os.scandir", scandir)
    monkeypatch.setattr(os, "lstat", lstat)
    spec = resolve_root(_config(tmp_path), settings, [], INOTIFY)
    assert plan_reconcile(spec, ledger, settings).vanished == [str(gone)]


class _Without:
    """A folder's listing with one name left out, as a share in trouble may give it."""

    def __init__(self, entries: Any, name: str) -> None:
        self._entries, self._name = entries, name

    def __enter__(self) -> Iterator[os.DirEntry[str]]:
        return (e for e in self._entries.__enter__() if e.name != self._name)

    def __exit__(self, *exc: object) -> None:
        self._entries.__exit__(*exc)

    def __iter__(self) -> Iterator[os.DirEntry[str]]:
        return (e for e in self._entries if e.name != self._name)

    def close(self) -> None:
        self._entries.close()


def test_plan_refuses_a_missing_root(tmp_path: Path, ledger: Ledger) -> None:
    ingest(_file(tmp_path / "gone" / "a.bin"), ledger, fast_settings(ledger.url))
    (tmp_path / "gone" / "a.bin").unlink()
    (tmp_path / "gone").rmdir()
    spec = resolve_root(_config(tmp_path / "gone"), fast_settings(ledger.url), [], INOTIFY)
    with pytest.raises(RootUnavailable, match="No such file"):
        plan_reconcile(spec, ledger, fast_settings(ledger.url))


def _file(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(unique_bytes(str(path)))
    return path


def _config(path: Path) -> WatchRootConfig:
    return WatchRootConfig(path=str(path))
