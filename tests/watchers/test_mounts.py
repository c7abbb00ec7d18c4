"""Mount identity: the mount table read, shares told apart, and the guard's verdicts.

These use a mount table written by the test and real folders, so they run
anywhere; the real unmounts are in ``tests/attacks/test_files.py``.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from provenance.store import Ledger
from provenance.watchers.daemon import Environment
from provenance.watchers.mounts import (
    MountEntry,
    MountGuard,
    MountIdentity,
    _parse,
    identity_of,
    points_below,
    read_mount_entries,
)
from tests.support.waiting import wait_for
from tests.watchers.daemons import fast_settings, present, running, write_files

TABLE = """\
27 1 254:0 / / rw,relatime - ext4 /dev/vda rw
40 27 0:50 / /mnt/show rw,relatime shared:1 - nfs4 nas:/show rw,vers=4.2
41 40 0:51 /exports/cache /mnt/show/cache rw - ext4 /dev/sdb1 rw
42 27 0:52 / /mnt/my\\040share rw - cifs //nas/share rw
bad line without separator
"""


def test_mountinfo_entries_carry_id_source_and_mounted_folder(tmp_path: Path) -> None:
    path = tmp_path / "mountinfo"
    path.write_text(TABLE)
    entries = read_mount_entries(path)
    assert MountEntry(41, "/mnt/show/cache", "ext4", "/dev/sdb1", "/exports/cache") in entries
    assert MountEntry(42, "/mnt/my share", "cifs", "//nas/share", "/") in entries
    assert len(entries) == 4
    assert points_below("/mnt/show", entries) == ["/mnt/show/cache"]
    assert read_mount_entries(tmp_path / "missing") == []


@given(st.text(max_size=200))
def test_any_line_parses_or_is_skipped(line: str) -> None:
    entry = _parse(line)
    assert entry is None or isinstance(entry.mount_id, int)


def share(point: str, source: str, mount_id: int = 50) -> MountEntry:
    return MountEntry(mount_id, point, "tmpfs", source, "/")


class Table:
    """A mount table a test changes as it goes, with the real root below it."""

    def __init__(self, base: Sequence[MountEntry]) -> None:
        self.entries = list(base)

    def __call__(self) -> list[MountEntry]:
        return list(self.entries)


@pytest.fixture
def table() -> Table:
    return Table([MountEntry(1, "/", "ext4", "/dev/vda", "/")])


def test_a_root_whose_share_is_unplugged_is_blocked_until_it_is_back(
    tmp_path: Path, table: Table
) -> None:
    root = str(tmp_path)
    table.entries.append(share(root, "share-a"))
    guard = MountGuard(table)
    assert guard.check(root).root_problem is None  # learnt
    table.entries.pop()
    check = guard.check(root)
    assert check.root_problem is not None and "nothing is mounted there" in check.root_problem
    assert check.blocks(f"{root}/a.exr") == check.root_problem
    table.entries.append(share(root, "share-a", mount_id=77))  # the same share, mounted again
    assert guard.check(root).root_problem is None
    table.entries[-1] = share(root, "share-b", mount_id=78)  # another share in its place
    assert "is not the share watched" in (guard.check(root).root_problem or "")


def test_a_share_below_a_root_is_a_subtree_of_its_own(tmp_path: Path, table: Table) -> None:
    root, below = str(tmp_path), tmp_path / "plates"
    below.mkdir()
    table.entries.append(share(str(below), "plates"))
    guard = MountGuard(table)
    assert guard.check(root).below == {}
    table.entries.pop()
    check = guard.check(root)
    assert check.root_problem is None and list(check.below) == [str(below)]
    assert check.blocks(f"{below}/x.exr") is not None and check.blocks(f"{root}/y.exr") is None
    assert check.spared() == (f"{below}/",)
    table.entries.append(share(str(below), "plates", mount_id=90))
    assert guard.check(root).below == {}


def test_a_share_mounted_after_the_start_is_learnt(tmp_path: Path, table: Table) -> None:
    root = str(tmp_path)
    guard = MountGuard(table)
    assert guard.check(root).root_problem is None  # the bare folder, nothing mounted yet
    table.entries.append(share(root, "late"))
    assert guard.check(root).root_problem is None  # plugged in: expected from now on
    table.entries.pop()
    assert guard.check(root).root_problem is not None


def test_expectations_kept_in_a_checkpoint_survive_a_restart(tmp_path: Path, table: Table) -> None:
    root = str(tmp_path)
    table.entries.append(share(root, "share-a"))
    kept = [i.to_dict() for i in (identity_of(root, table()),)]
    table.entries.pop()  # unplugged while no daemon ran
    guard = MountGuard(table)
    restored = [MountIdentity.from_dict(d) for d in kept]
    guard.expect(root, [i for i in restored if i is not None])
    assert "share-a" in (guard.check(root).root_problem or "")
    assert MountIdentity.from_dict({"nonsense": 1}) is None


def test_without_a_mount_table_the_device_and_mount_point_decide(tmp_path: Path) -> None:
    here = identity_of(str(tmp_path), [])
    assert here.source is None and not here.is_mount_point
    assert here.same_share(identity_of(str(tmp_path), []))
    moved = MountIdentity(here.path, here.device + 1)
    assert not here.same_share(moved) and "device" in moved.describe()


def test_recent_checks_are_reused_briefly_and_a_missing_root_is_blocked(
    tmp_path: Path, table: Table
) -> None:
    guard = MountGuard(table)
    assert guard.recent(str(tmp_path)).root_problem is None
    assert guard.recent(str(tmp_path / "missing")).root_problem is not None


# -- the daemon, with a mount table the test controls (no privileges needed) -------------------


@pytest.mark.parametrize("mode", ["native", "polling"])
def test_the_daemon_records_nothing_removed_while_the_share_is_away(
    mode: str,
    ledger: Ledger,
    ledger_url: str,
    root: Path,
    table: Table,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, logger="provenance.watchers")
    table.entries.append(share(str(root), "share-c"))
    environment = Environment(mount_entries=table)
    files = write_files(root / "sq050", "plate", 3)
    settings = fast_settings(ledger_url)
    with running(ledger, settings, [root], modes=mode, environment=environment) as handle:
        wait_for(lambda: present(ledger, root) == files, 20, "the files recorded")
        handle.settled()
        before = len(ledger.events.list())
        table.entries.pop()  # the share is unplugged: the folder below shows through...
        for path in files:
            Path(path).unlink()  # ...and it is empty
        wait_for(lambda: handle.root_state(root) == "unavailable", 20, "the root unavailable")
        handle.settled()
        assert present(ledger, root) == files and len(ledger.events.list()) == before
        status = handle.daemon.state.root(str(root))
        assert status is not None and "share-c" in (status.problem or "")
        wait_for(lambda: handle.daemon.supervisor.blocked(f"{root}/x") is not None, 5, "blocked")
        said = [r for r in caplog.records if f"{root} is unavailable" in r.getMessage()]
        assert len(said) == 1  # logged once, however often it is probed

        table.entries.append(share(str(root), "share-c", mount_id=99))  # back, without them
        wait_for(lambda: not present(ledger, root), 20, "the missing files recorded removed")
        assert [e.type for e in ledger.events.list()[before:]] == ["removed"] * len(files)
