"""Backends: the platform's native observer, chosen in one place, and polling where none fits.

Every platform is simulated on Linux: ``sys.platform`` is patched (the chooser
reads it at each call) and backend modules are "imported" by a fake loader,
which records what was asked for.
"""

from __future__ import annotations

import logging
import subprocess
import sys
import textwrap
import threading
from pathlib import Path
from types import ModuleType, SimpleNamespace

import pytest
from watchdog.observers.inotify import InotifyObserver

from provenance.settings import Settings, WatchRootConfig
from provenance.store import Ledger
from provenance.watchers import Environment
from provenance.watchers.backends import (
    FSEVENTS,
    INOTIFY,
    KQUEUE,
    POLLING,
    WINDOWS,
    Backend,
    native_backend,
)
from provenance.watchers.limits import Budget, fit_to_budget
from provenance.watchers.observers import INOTIFY_LOGGER, Watcher
from provenance.watchers.roots import Mount, resolve_root
from tests.support.files import unique_bytes
from tests.support.waiting import wait_for
from tests.watchers.daemons import fast_settings, present, running

ROOT = Path(__file__).resolve().parents[2]
ALL_NATIVE = (INOTIFY, FSEVENTS, WINDOWS, KQUEUE)


class FakeLoader:
    """Imports nothing: records each module asked for, and fails for the ``missing`` ones."""

    def __init__(self, *missing: str) -> None:
        self.missing = set(missing)
        self.asked: list[str] = []

    def __call__(self, name: str) -> ModuleType:
        self.asked.append(name)
        if name in self.missing:
            raise ImportError(f"No module named {name!r}")
        module = ModuleType(name)
        module.__dict__.update(FakeObserver=FakeObserver)
        return module


class FakeObserver:
    """Stands for any watchdog observer class; keeps its constructor's arguments."""

    def __init__(self, **kwargs: object) -> None:
        self.kwargs = kwargs


@pytest.mark.parametrize(
    ("sys_platform", "chosen"),
    [
        ("linux", INOTIFY),
        ("darwin", FSEVENTS),
        ("win32", WINDOWS),
        ("openbsd7", KQUEUE),
        ("sunos5", None),
    ],
)
def test_each_platform_gets_its_native_backend_and_imports_only_it(
    monkeypatch: pytest.MonkeyPatch, sys_platform: str, chosen: Backend | None
) -> None:
    monkeypatch.setattr(sys, "platform", sys_platform)
    load = FakeLoader()
    assert native_backend(load=load) == chosen
    assert load.asked == ([] if chosen is None else [chosen.module])


def test_macos_falls_back_to_kqueue_then_to_none_as_watchdog_does() -> None:
    assert native_backend("darwin", FakeLoader(FSEVENTS.module)) == KQUEUE
    assert native_backend("darwin", FakeLoader(FSEVENTS.module, KQUEUE.module)) is None


def test_a_backend_for_another_kernel_does_not_load_here() -> None:
    assert native_backend("linux") == INOTIFY  # the real import, on this Linux machine
    assert native_backend("windows") is None  # ctypes has no WinDLL here
    assert native_backend("bsd") is None  # select has no kqueue here


def test_observer_is_made_from_the_backends_class() -> None:
    for backend in ALL_NATIVE:
        fake = Backend(backend.name, backend.module, "FakeObserver")
        observer = fake.observer(5.0, FakeLoader())
        assert isinstance(observer, FakeObserver) and observer.kwargs == {}
    polled = Backend("polling", POLLING.module, "FakeObserver").observer(5.0, FakeLoader())
    assert isinstance(polled, FakeObserver) and polled.kwargs == {"timeout": 5.0}


@pytest.mark.parametrize("native", [*ALL_NATIVE, None])
def test_network_mount_is_polled_on_every_platform(native: Backend | None) -> None:
    mounts = [Mount("/", "ext4"), Mount("/mnt/show", "nfs4")]
    spec = resolve_root(
        WatchRootConfig(path="/mnt/show/sq010"), Settings(db="sqlite://"), mounts, native
    )
    assert (spec.backend, spec.mode, spec.network) == (POLLING, "polling", True)
    assert spec.reason == "polling (nfs4 mount at /mnt/show: no remote events)"


@pytest.mark.parametrize("native", ALL_NATIVE)
def test_unknown_mount_is_assumed_local_where_there_is_a_native_backend(native: Backend) -> None:
    spec = resolve_root(WatchRootConfig(path="/jobs"), Settings(db="sqlite://"), [], native)
    assert (spec.backend, spec.mode) == (native, "native")
    assert spec.reason == "native (mount unknown; assumed local)"


def test_without_a_native_backend_every_root_is_polled_and_says_why() -> None:
    settings = Settings(db="sqlite://")
    unknown = resolve_root(WatchRootConfig(path="/jobs"), settings, [], None)
    assert (unknown.backend, unknown.mode) == (POLLING, "polling")
    assert unknown.reason == "polling (mount unknown; this platform has no native backend)"
    local = resolve_root(WatchRootConfig(path="/jobs"), settings, [Mount("/", "ext4")], None)
    assert local.reason == "polling (ext4 mount at /; this platform has no native backend)"
    forced = resolve_root(WatchRootConfig(path="/jobs", mode="native"), settings, [], None)
    assert forced.mode == "polling" and "native set in the configuration" in forced.reason


def test_configured_modes_keep_their_reasons() -> None:
    settings = Settings(db="sqlite://")
    for mode, backend in (("native", FSEVENTS), ("polling", POLLING)):
        config = WatchRootConfig(path="/jobs", mode=mode)  # type: ignore[arg-type]
        spec = resolve_root(config, settings, [], FSEVENTS)
        assert (spec.backend, spec.reason) == (backend, f"{mode} (set in the configuration)")


def test_only_inotify_roots_spend_the_inotify_budget(tmp_path: Path) -> None:
    for n in range(20):
        (tmp_path / str(n)).mkdir()
    settings = Settings(db="sqlite://")
    specs = [resolve_root(WatchRootConfig(path=str(tmp_path)), settings, [], b) for b in ALL_NATIVE]
    fitted = fit_to_budget(specs, Budget(16))
    assert [s.backend for s in fitted] == [POLLING, FSEVENTS, WINDOWS, KQUEUE]


def test_only_an_inotify_watcher_looks_for_the_inotify_reader() -> None:
    reader = threading.Thread(target=lambda: None)  # never started: only its type matters
    observer = SimpleNamespace(emitters=[], _inotify_fd=reader)
    for backend in (*ALL_NATIVE, POLLING):
        watcher = Watcher("/jobs", observer, (0, 0), backend)  # type: ignore[arg-type]
        expected = [observer, reader] if backend == INOTIFY else [observer]
        assert watcher.threads() == expected


def test_a_platform_without_native_backend_watches_by_polling_and_hears_no_inotify_log(
    root: Path, ledger: Ledger, ledger_url: str
) -> None:
    elsewhere = Environment(mounts=list, backend=lambda: None)  # no mount table, no native API
    with running(ledger, fast_settings(ledger_url), [root], environment=elsewhere) as daemon:
        (watcher,) = daemon.daemon.supervisor.watchers()
        spec = daemon.daemon.supervisor.specs()[0]
        made = root / "a.bin"
        made.write_bytes(unique_bytes("a"))
        wait_for(lambda: present(ledger, root) == {str(made)}, message="the polled file")
        listening = daemon.daemon._inotify in _inotify_log_handlers()
    assert watcher.backend == POLLING and not isinstance(watcher.observer, InotifyObserver)
    assert spec.reason == "polling (mount unknown; this platform has no native backend)"
    assert not listening


def test_the_inotify_log_is_heard_where_the_backend_is_inotify(
    root: Path, ledger: Ledger, ledger_url: str
) -> None:
    local = Environment(mounts=lambda: [Mount("/", "ext4")])
    with running(ledger, fast_settings(ledger_url), [root], environment=local) as daemon:
        (watcher,) = daemon.daemon.supervisor.watchers()
        listening = daemon.daemon._inotify in _inotify_log_handlers()
    assert watcher.backend == INOTIFY and isinstance(watcher.observer, InotifyObserver)
    assert listening


def _inotify_log_handlers() -> list[logging.Handler]:
    return list(logging.getLogger(INOTIFY_LOGGER).handlers)


IMPORT_AS = """
import sys, sysconfig
sysconfig.get_config_vars()  # before pretending: it reads a file named after the platform
sys.platform = {platform!r}
import provenance.watchers.daemon, provenance.watchers.observers
print("watchdog.observers.inotify" in sys.modules)
from provenance.watchers.backends import native_backend
print(native_backend())
print("watchdog.observers.inotify" in sys.modules)
"""


# Windows is left out here: the standard library itself fails to import (_winapi) when
# sys.platform says win32 on Linux. Its choice is tested above, in this interpreter.
@pytest.mark.parametrize(
    ("platform", "backend", "inotify"),
    [("darwin", "None", "False"), ("sunos5", "None", "False"), ("linux", "inotify", "True")],
)
def test_importing_the_watchers_elsewhere_does_not_import_inotify(
    platform: str, backend: str, inotify: str
) -> None:
    # A fresh interpreter: this one has imported inotify already.
    code = textwrap.dedent(IMPORT_AS.format(platform=platform))
    done = subprocess.run(
        [sys.executable, "-W", "ignore", "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    on_import, chosen, after_choice = done.stdout.split("\n")[:3]
    assert on_import == "False"  # on Linux too: the backend loads when it is chosen
    assert backend in chosen and after_choice == inotify
