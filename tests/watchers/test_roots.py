"""Roots: the mount table, mode choice, inotify budgets, ignore patterns, and root configs."""

from __future__ import annotations

from pathlib import Path

import pytest

from provenance.errors import ConfigError
from provenance.settings import Settings, WatchRootConfig, load_settings
from provenance.watchers.backends import INOTIFY
from provenance.watchers.limits import Budget, count_folders, fit_to_budget, read_budget
from provenance.watchers.roots import Mount, mount_of, read_mounts, resolve_root, roots_for

MOUNTINFO = """\
22 27 0:21 / /proc rw,relatime - proc proc rw
27 1 254:0 / / rw,relatime - ext4 /dev/vda rw
40 27 0:50 / /mnt/show rw,relatime shared:1 - nfs4 nas:/show rw,vers=4.2
41 40 0:51 / /mnt/show/local rw - ext4 /dev/sdb1 rw
42 27 0:52 / /mnt/my\\040share rw - cifs //nas/share rw
43 27 0:53 / /home/artist/remote rw - fuse.sshfs artist@farm: rw
bad line without separator
"""


@pytest.fixture
def mounts(tmp_path: Path) -> list[Mount]:
    path = tmp_path / "mountinfo"
    path.write_text(MOUNTINFO)
    return read_mounts(path)


def test_mountinfo_is_parsed_with_escapes(mounts: list[Mount]) -> None:
    assert Mount("/mnt/my share", "cifs") in mounts
    assert len(mounts) == 6


@pytest.mark.parametrize(
    ("path", "fstype", "mode"),
    [
        ("/mnt/show/sq010/plate.exr", "nfs4", "polling"),
        ("/mnt/show/local/cache", "ext4", "native"),  # the longest mount point wins
        ("/mnt/my share/x", "cifs", "polling"),
        ("/home/artist/remote/renders", "fuse.sshfs", "polling"),
        ("/jobs", "ext4", "native"),
    ],
)
def test_mode_follows_the_mount(mounts: list[Mount], path: str, fstype: str, mode: str) -> None:
    mount = mount_of(Path(path), mounts)
    assert mount is not None and mount.fstype == fstype
    spec = resolve_root(WatchRootConfig(path=path), Settings(db="sqlite://"), mounts, INOTIFY)
    assert spec.mode == mode and fstype in spec.reason
    assert spec.settle == (60.0 if mode == "polling" else 2.0)


def test_configured_mode_interval_settle_and_ignore_win(mounts: list[Mount]) -> None:
    config = WatchRootConfig(
        path="/mnt/show/x", mode="native", interval=5, settle=9, ignore=("*.exr",)
    )
    spec = resolve_root(config, Settings(db="sqlite://"), mounts, INOTIFY)
    assert (spec.mode, spec.interval, spec.settle) == ("native", 5, 9)
    assert spec.ignores("/mnt/show/x/a/frame.exr") and spec.ignores("/mnt/show/x/a.tmp")
    assert not spec.ignores("/mnt/show/x/a.png")


def test_ignored_folder_hides_what_is_below(mounts: list[Mount]) -> None:
    spec = resolve_root(WatchRootConfig(path="/jobs"), Settings(db="sqlite://"), mounts, INOTIFY)
    assert spec.ignores("/jobs/render.tmp/frame.0001.exr")
    assert not spec.ignores("/jobs/render/frame.0001.exr")


def test_budget_and_folder_counting(tmp_path: Path) -> None:
    for n in range(6):
        (tmp_path / f"d{n}" / "sub").mkdir(parents=True)
    assert count_folders(tmp_path, 1_000) == 13
    assert count_folders(tmp_path, 3) == 4  # stops as soon as the budget is exceeded
    limit = tmp_path / "max_user_watches"
    limit.write_text("8192\n")
    assert read_budget(limit) == Budget(8192) and Budget(8192).ours == 6144
    assert read_budget(tmp_path / "missing").limit is None


def test_roots_beyond_the_budget_fall_back_to_polling(tmp_path: Path) -> None:
    small, large = tmp_path / "small", tmp_path / "large"
    small.mkdir()
    for n in range(20):
        (large / str(n)).mkdir(parents=True)
    settings = Settings(db="sqlite://")
    specs = [
        resolve_root(WatchRootConfig(path=str(p)), settings, [], INOTIFY) for p in (small, large)
    ]
    fitted = fit_to_budget(specs, Budget(16))
    assert [s.mode for s in fitted] == ["native", "polling"]
    assert "max_user_watches" in fitted[1].reason
    assert fit_to_budget(specs, Budget(None)) == specs


def test_roots_for_prefers_paths_and_reuses_their_tables(tmp_path: Path) -> None:
    configured = WatchRootConfig(path=str(tmp_path / "a"), settle=7)
    settings = Settings(db="sqlite://", watch=(configured, WatchRootConfig(path="/b")))
    assert roots_for([], settings) == [configured, WatchRootConfig(path="/b")]
    chosen = roots_for([tmp_path / "a", tmp_path / "c"], settings, "polling")
    assert [(c.settle, c.mode) for c in chosen] == [(7, "polling"), (None, "polling")]


def test_watch_tables_load_and_bad_ones_are_named(tmp_path: Path) -> None:
    path = tmp_path / "provenance.toml"
    path.write_text(
        'watch_reconcile_interval = 600\n[[watch]]\npath = "/jobs"\nmode = "polling"\n'
        'interval = 30\nignore = ["*.exr.part"]\n'
    )
    settings = load_settings(path, environ={}).settings
    assert settings.watch == (WatchRootConfig("/jobs", "polling", 30.0, None, ("*.exr.part",)),)
    assert settings.watch_reconcile_interval == 600.0
    for bad, name in (('mode = "inotify"', r"watch\[0\]\.mode"), ("colour = 1", "unknown key")):
        path.write_text(f'[[watch]]\npath = "/jobs"\n{bad}\n')
        with pytest.raises(ConfigError, match=name):
            load_settings(path, environ={})
    path.write_text("watch_settle = -1\n")
    with pytest.raises(ConfigError, match="watch_settle"):
        load_settings(path, environ={})
