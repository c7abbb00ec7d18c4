"""Polling roots, polling fallbacks, and roots that go away and come back."""

from __future__ import annotations

import errno
import logging
import os
from pathlib import Path

import pytest
from watchdog.observers.inotify_c import InotifyFD
from watchdog.observers.polling import PollingObserver

from provenance.settings import WatchRootConfig
from provenance.store import Ledger
from provenance.watchers import Environment, WatchDaemon
from provenance.watchers.limits import Budget
from provenance.watchers.roots import Mount
from tests.support.files import sha256_of, unique_bytes
from tests.support.waiting import wait_for
from tests.watchers.daemons import (
    Running,
    event_types,
    fast_settings,
    present,
    running,
    write_files,
)


def test_forced_polling_sees_creates_moves_and_deletes(
    root: Path, ledger: Ledger, ledger_url: str
) -> None:
    with running(ledger, fast_settings(ledger_url), [root], modes="polling") as daemon:
        assert isinstance(daemon.daemon.supervisor.watchers()[0].observer, PollingObserver)
        made = root / "sub" / "a.bin"
        made.parent.mkdir()
        made.write_bytes(unique_bytes("a"))
        wait_for(lambda: present(ledger, root) == {str(made)}, message="the polled file")
        moved = root / "b.bin"
        made.rename(moved)
        wait_for(lambda: present(ledger, root) == {str(moved)}, message="the move")
        moved.unlink()
        wait_for(lambda: not present(ledger, root), message="the removal")
        daemon.settled()
    assert [e.type for e in ledger.events.list()] == ["detected", "moved", "removed"]


def test_network_mount_is_polled_with_the_network_settle(ledger: Ledger, root: Path) -> None:
    settings = fast_settings(ledger.url, watch_network_settle=0.7)
    nfs = Environment(mounts=lambda: [Mount("/", "nfs4")])
    with running(ledger, settings, [root], environment=nfs) as daemon:
        spec = daemon.daemon.supervisor.specs()[0]
        (root / "x.bin").write_bytes(unique_bytes("x"))
        wait_for(lambda: len(present(ledger, root)) == 1)
    assert (spec.mode, spec.settle, spec.network) == ("polling", 0.7, True)
    assert "nfs4" in spec.reason


def test_too_few_inotify_watches_fall_back_to_polling_and_say_so(
    root: Path, ledger: Ledger, ledger_url: str
) -> None:
    for n in range(12):
        (root / f"shot{n}").mkdir()
    tight = Environment(budget=lambda: Budget(8))
    with running(ledger, fast_settings(ledger_url), [root], environment=tight) as daemon:
        spec = daemon.daemon.supervisor.specs()[0]
        reasons = daemon.daemon.state.reasons()
        target = root / "shot3" / "f.bin"
        target.write_bytes(unique_bytes("f"))
        wait_for(lambda: present(ledger, root) == {str(target)})
    assert spec.mode == "polling" and "max_user_watches" in spec.reason
    assert any("fallback" in reason for reason in reasons)


def test_a_folder_the_kernel_cannot_watch_later_makes_the_root_polled_and_says_so(
    root: Path, ledger: Ledger, ledger_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The watches run out after the start: watchdog logs a warning and goes on
    # without the new folder, whose files no event would ever announce.
    real = InotifyFD.add_callback

    def add_callback(self: InotifyFD, path: bytes, *args: object) -> object:
        if os.fsdecode(path).endswith("/full"):
            raise OSError(errno.ENOSPC, "inotify watch limit reached")
        return real(self, path, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(InotifyFD, "add_callback", add_callback)
    local = Environment(mounts=lambda: [Mount("/", "ext4")])
    with running(ledger, fast_settings(ledger_url), [root], environment=local) as daemon:
        (root / "full").mkdir()
        wait_for(lambda: daemon.daemon.supervisor.specs()[0].mode == "polling", 20, "polled")
        later = write_files(root / "full", "late", 3)
        wait_for(lambda: later <= present(ledger, root), message="the unwatched folder's files")
        reasons = daemon.daemon.state.reasons()
    refused = "native watch refused below the root: inotify watch limit reached"
    assert any(refused in reason for reason in reasons), reasons


@pytest.mark.parametrize("mode", ["auto", "polling"], ids=["native", "polling"])
def test_root_gone_is_unavailable_then_caught_up_without_removals(
    root: Path, ledger: Ledger, ledger_url: str, mode: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, "provenance.watchers")
    frames = [root / f"f.{n:04d}.bin" for n in range(20)]
    for frame in frames:
        frame.write_bytes(unique_bytes(frame.name))
    away = root.with_name("watched.away")
    with running(ledger, fast_settings(ledger_url), [root], modes=mode) as daemon:
        wait_for(lambda: len(present(ledger, root)) == 20)
        root.rename(away)  # the share is unmounted / the server goes away
        wait_for(lambda: daemon.root_state(root) == "unavailable", message="unavailable")
        assert any(str(root) in reason for reason in daemon.daemon.state.reasons())
        (away / frames[0].name).unlink()  # changes on the server meanwhile
        (away / "new.bin").write_bytes(unique_bytes("new"))
        daemon.settled()
        assert "removed" not in {e.type for e in ledger.events.list()}, "no removal while away"
        away.rename(root)  # the share is back
        wait_for(lambda: daemon.root_state(root) == "watching", message="watched again")
        wanted = {str(f) for f in frames[1:]} | {str(root / "new.bin")}
        wait_for(lambda: present(ledger, root) == wanted, message="caught up")
        daemon.settled()
        assert not daemon.daemon.state.reasons()
    back = f"reconcile of {root} requested: root available again"
    assert back in caplog.messages, "the reconcile says why it runs"
    removed = [e.path for e in ledger.events.list() if e.type == "removed"]
    assert removed == [str(frames[0])], "only the file really deleted is removed"
    assert ledger.assets.at(str(root / "new.bin")).sha256 == sha256_of(root / "new.bin")  # type: ignore[union-attr]
    assert event_types(ledger, frames[5]) == ["detected"]


def test_a_root_that_is_a_symbolic_link_is_unavailable_and_says_why(
    tmp_path: Path, ledger: Ledger, ledger_url: str
) -> None:
    # /jobs -> /mnt/fs/jobs: walks follow no link, so the daemon recorded nothing below
    # it while provenance status said the root was watched and the daemon ok.
    real = tmp_path / "real"
    real.mkdir()
    link = tmp_path / "jobs"
    link.symlink_to(real)
    daemon = Running(WatchDaemon(ledger, fast_settings(ledger_url), [WatchRootConfig(str(link))]))
    daemon.thread.start()
    try:
        wait_for(lambda: daemon.root_state(link) == "unavailable", 20, "the link unavailable")
        reasons = daemon.daemon.state.reasons()
    finally:
        daemon.stop()
    assert any(f"a symbolic link to {real}, not followed" in reason for reason in reasons)
