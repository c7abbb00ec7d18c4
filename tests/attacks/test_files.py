"""Attacks on the files (issue 15, items 6 and 7), each caught or refused, on both ledgers.

* **Unplug a share**, the watched root itself or one mounted below it, with
  native events and with polling: the root (or subtree) is *unavailable*, no
  file is recorded removed, ``status`` says so, and when the share is back
  nothing is recorded at all. A file really deleted under an available root
  is still recorded removed.
* **Swap a file for a symbolic link** between ``expire`` and ``purge``: the
  link is refused and reported, the bytes stay recorded where they are.
* **Run out of space** in a cross-device purge, two copies and room for one:
  one ``Error:`` line (not exit 1), the second copy untouched, no partial
  file, the ledger exact; ``purge`` again finishes, ``restore`` works.

Shares are real mounts (a tmpfs, bind-mounted so that it can be unplugged
and plugged back with its files); the tests skip where mounting is not
permitted.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from provenance.cli import cli
from provenance.settings import Settings, WatchRootConfig
from provenance.store import Ledger
from provenance.watchers import WatchDaemon
from provenance.watchers.status import root_rows, watch_status
from tests.support.files import png, sha256_of
from tests.support.generated import big_generated_png
from tests.support.lifecycle import a1111
from tests.support.mounts import is_mount_point, mount, resize, tmpfs, unmount
from tests.support.waiting import wait_for
from tests.watchers.daemons import Running, fast_settings, present, running, write_files

MODES = ("native", "polling")


class Plug:
    """A share (a folder on a tmpfs) that can be unplugged from its mount point and back."""

    def __init__(self, share: Path, point: Path) -> None:
        self.share, self.point = share, point
        point.mkdir(parents=True, exist_ok=True)

    def plug(self) -> None:
        mount("--bind", str(self.share), str(self.point))

    def unplug(self) -> None:
        unmount(self.point)
        assert not is_mount_point(self.point)

    def cleanup(self) -> None:
        for _ in range(3):  # a bind may be stacked on itself once a test failed midway
            if is_mount_point(self.point):
                unmount(self.point)


@pytest.fixture
def share(tmp_path: Path) -> Iterator[Path]:
    """A tmpfs holding a share's files (mounted out of the way, under ``store``)."""
    with tmpfs(tmp_path / "store", size="8m", source="share-a") as store:
        yield store


@pytest.fixture
def plug(share: Path) -> Iterator[Callable[[Path], Plug]]:
    """The share, ready to be plugged in at ``watched`` (or below it: the test says where)."""
    made: list[Plug] = []

    def make(point: Path) -> Plug:
        made.append(Plug(share, point))
        return made[-1]

    yield make
    for each in made:
        each.cleanup()


def no_events_since(ledger: Ledger, count: int) -> list[str]:
    """Types of the events recorded after the first ``count``."""
    return [e.type for e in ledger.events.list()[count:]]


def status_roots(ledger: Ledger, handle: Running) -> list[dict[str, object]]:
    """The roots as ``provenance status`` shows them, after a fresh heartbeat."""
    handle.daemon.beat()
    [daemon] = [d for d in watch_status(ledger).daemons if d.live]
    return [dict(r) for r in root_rows(daemon)]


def status_cli(ledger_url: str) -> tuple[Any, str]:
    """``provenance status --json`` and the table, as a person sees them."""
    as_json = CliRunner().invoke(cli, ["status", "--db", ledger_url, "--json"])
    table = CliRunner().invoke(cli, ["status", "--db", ledger_url], terminal_width=240)
    assert as_json.exit_code == 0 and table.exit_code == 0, as_json.output + table.output
    return json.loads(as_json.stdout), table.stdout


# -- unplugged shares ---------------------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
def test_an_unplugged_root_is_unavailable_not_emptied(
    mode: str,
    ledger: Ledger,
    ledger_url: str,
    share: Path,
    plug: Callable[[Path], Plug],
    tmp_path: Path,
) -> None:
    files = write_files(share / "sq010", "plate", 4)
    root = tmp_path / "watched"
    shared = plug(root)
    shared.plug()
    seen = {f.replace(str(share), str(root)) for f in files}
    with running(ledger, fast_settings(ledger_url), [root], modes=mode) as handle:
        wait_for(lambda: present(ledger, root) == seen, 20, "the share's files recorded")
        handle.settled()
        before = len(ledger.events.list())

        shared.unplug()
        wait_for(lambda: handle.root_state(root) == "unavailable", 20, "the root unavailable")
        handle.settled()
        assert present(ledger, root) == seen and no_events_since(ledger, before) == []
        [row] = status_roots(ledger, handle)
        assert row["state"] == "unavailable" and "nothing is mounted" in str(row["problem"])
        shown, table = status_cli(ledger_url)
        assert "unavailable" in table and "share-a" in table
        assert shown["daemons"][0]["health"] == "degraded"

        shared.plug()
        wait_for(lambda: handle.root_state(root) == "watching", 20, "the root watched again")
        wait_for(lambda: handle.daemon.state.counts()["reconciles"] >= 2, 20, "a reconcile")
        handle.settled()
        assert present(ledger, root) == seen and no_events_since(ledger, before) == []

        gone = sorted(seen)[0]
        Path(gone).unlink()  # really deleted, under an available root
        wait_for(lambda: gone not in present(ledger, root), 20, "the deletion recorded")
        assert no_events_since(ledger, before) == ["removed"]
        # counted once the removal is committed: just after the event is there to read
        wait_for(lambda: handle.daemon.state.counts()["removed"] == 1, 10, "the removal counted")


@pytest.mark.parametrize("mode", MODES)
def test_files_missing_from_the_same_share_once_back_are_really_removed(
    mode: str, ledger: Ledger, ledger_url: str, tmp_path: Path
) -> None:
    root = tmp_path / "watched"
    with tmpfs(root, size="4m", source="share-b"):
        seen = write_files(root / "sq040", "plate", 3)
        with running(ledger, fast_settings(ledger_url), [root], modes=mode) as handle:
            wait_for(lambda: present(ledger, root) == seen, 20, "the share's files recorded")
            handle.settled()
            before = len(ledger.events.list())
            unmount(root)  # a tmpfs at the root itself: its files go with it
            wait_for(lambda: handle.root_state(root) == "unavailable", 20, "root unavailable")
            handle.settled()
            assert present(ledger, root) == seen and no_events_since(ledger, before) == []
            mount("-t", "tmpfs", "-o", "size=4m", "share-b", str(root))  # the same share, empty
            wait_for(lambda: not present(ledger, root), 20, "the missing files recorded removed")
            assert no_events_since(ledger, before) == ["removed"] * len(seen)


@pytest.mark.parametrize("mode", MODES)
def test_a_share_unplugged_below_a_root_is_an_unavailable_subtree(
    mode: str,
    ledger: Ledger,
    ledger_url: str,
    share: Path,
    plug: Callable[[Path], Plug],
    tmp_path: Path,
) -> None:
    files = write_files(share / "sq020", "plate", 4)
    root = tmp_path / "watched"
    local = write_files(root / "local", "local", 2)
    below = root / "plates"
    shared = plug(below)
    shared.plug()
    seen = {f.replace(str(share), str(below)) for f in files} | local
    with running(ledger, fast_settings(ledger_url), [root], modes=mode) as handle:
        wait_for(lambda: present(ledger, root) == seen, 20, "every file recorded")
        handle.settled()
        before = len(ledger.events.list())
        status = handle.daemon.state.root(str(root))
        assert status is not None

        shared.unplug()
        wait_for(lambda: str(below) in status.below, 20, "the subtree unavailable")
        reconciles = handle.daemon.state.counts()["reconciles"]
        handle.daemon.supervisor.loss(str(root), "the test asks for a reconcile")
        wait_for(lambda: handle.daemon.state.counts()["reconciles"] > reconciles, 20, "reconcile")
        handle.settled()
        assert present(ledger, root) == seen and no_events_since(ledger, before) == []
        [row] = status_roots(ledger, handle)
        assert row["state"] == "watching"
        assert [r["path"] for r in row["unavailable_below"]] == [str(below)]  # type: ignore[attr-defined]
        _, table = status_cli(ledger_url)
        assert f"{below}  unavailable" in table

        gone = sorted(local)[0]
        Path(gone).unlink()  # the rest of the root is watched as before
        wait_for(lambda: gone not in present(ledger, root), 20, "the deletion recorded")

        shared.plug()
        wait_for(lambda: not status.below, 20, "the subtree available again")
        handle.settled()
        assert present(ledger, root) == seen - {gone}
        assert no_events_since(ledger, before) == ["removed"]


def test_a_daemon_started_while_the_share_is_unplugged_removes_nothing(
    ledger: Ledger, ledger_url: str, share: Path, plug: Callable[[Path], Plug], tmp_path: Path
) -> None:
    files = write_files(share / "sq030", "plate", 3)
    root = tmp_path / "watched"
    shared = plug(root)
    shared.plug()
    seen = {f.replace(str(share), str(root)) for f in files}
    settings = fast_settings(ledger_url)
    with running(ledger, settings, [root], modes="polling"):
        wait_for(lambda: present(ledger, root) == seen, 20, "the share's files recorded")
    before = len(ledger.events.list())
    shared.unplug()
    with running_unavailable(ledger, settings, root) as handle:
        handle.settled()
        assert present(ledger, root) == seen and no_events_since(ledger, before) == []
        shared.plug()
        wait_for(lambda: handle.root_state(root) == "watching", 20, "the root watched")
        handle.settled()
    assert present(ledger, root) == seen and no_events_since(ledger, before) == []


@contextmanager
def running_unavailable(ledger: Ledger, settings: Settings, root: Path) -> Iterator[Running]:
    """A daemon on ``root`` that must find it unavailable at once (its checkpoint knows better)."""
    config = WatchRootConfig(path=str(root), mode="polling")
    handle = Running(WatchDaemon(ledger, settings, [config]))
    handle.thread.start()
    try:
        wait_for(lambda: handle.root_state(root) == "unavailable", 20, "the root unavailable")
        yield handle
    finally:
        handle.stop()


# -- quarantine: links and full disks, through the CLI --------------------------------------------


class Cli:
    """Runs ``provenance ...`` on one ledger and settings file."""

    def __init__(self, url: str, config: Path) -> None:
        self.options = ["--db", url, "--config", str(config)]

    def __call__(self, *args: str, code: int = 0) -> Result:
        result = CliRunner().invoke(cli, [*args, *self.options])
        assert result.exit_code == code, result.output + result.stderr
        return result

    def json(self, *args: str) -> Any:
        return json.loads(self(*args, "--json").stdout)


def cli_for(ledger_url: str, tmp_path: Path, quarantine: Path) -> Cli:
    config = tmp_path / "provenance.toml"
    config.write_text(f'quarantine_dir = "{quarantine}"\nworkers = 1\n')
    return Cli(ledger_url, config)


def expired(run: Cli, *paths: Path) -> None:
    """Scan ``paths`` and pull their expiry into the past."""
    run("scan", *map(str, paths))
    for path in paths:
        run("set-expiry", str(path), "--until", "2000-01-01", "--reason", "attack test", "--force")
    run("expire")


def test_a_symlink_swapped_in_before_purge_is_refused(ledger_url: str, tmp_path: Path) -> None:
    run = cli_for(ledger_url, tmp_path, tmp_path / "q")
    generated = png(tmp_path / "shots" / "gen.png", 1, a1111("a castle"))
    sha = sha256_of(generated)
    expired(run, generated)
    hidden = tmp_path / "stash" / "gen.png"
    hidden.parent.mkdir()
    generated.replace(hidden)
    generated.symlink_to(hidden)  # the attacker's swap, between expire and purge

    result = run.json("purge", "--expired")
    assert result["moved"] == []
    [failed] = result["failed"]
    assert failed["path"] == str(generated) and "symbolic link" in failed["reason"]
    assert sha256_of(hidden) == sha and generated.is_symlink()
    with Ledger(ledger_url) as ledger:
        assert [loc.path for loc in ledger.locations.present(sha)] == [str(generated)]
        assert ledger.quarantine.list() == [] and ledger.events.verify().ok
    text = run("purge", "--expired").stdout
    assert "Moved 0" in text and "symbolic link" in text


def test_a_full_quarantine_disk_leaves_all_as_it_was_and_purge_resumes(
    ledger_url: str, tmp_path: Path
) -> None:
    first = big_generated_png(tmp_path / "shots" / "big.png")
    second = tmp_path / "other" / "big.png"
    second.parent.mkdir()
    shutil.copy2(first, second)
    sha = sha256_of(first)
    with tmpfs(tmp_path / "q", size="448k", source="small-quarantine") as room:
        run = cli_for(ledger_url, tmp_path, room)
        expired(run, first, second)

        failed = run("purge", "--expired", code=2)
        lines = failed.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("Error: no room left"), failed.stderr
        assert "Traceback" not in failed.output
        with Ledger(ledger_url) as ledger:
            [held] = ledger.quarantine.list()
            [left] = [p for p in (first, second) if str(p) != held.original_path]
            assert [loc.path for loc in ledger.locations.present(sha)] == [str(left)]
            assert ledger.events.verify().ok
        assert sha256_of(left) == sha and sha256_of(Path(held.quarantine_path)) == sha
        copies = [p for p in room.rglob("*.png")]
        assert copies == [Path(held.quarantine_path)]  # no partial second copy

        resize(room, "2m")
        again = run.json("purge", "--expired")
        assert [m["original_path"] for m in again["moved"]] == [str(left)]
        restored = run.json("restore", sha[:12])
        assert len(restored["restored"]) == 2
        assert sha256_of(first) == sha == sha256_of(second)
