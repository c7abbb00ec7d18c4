"""Scenes built once a test process and backend, and put back as they were before each test.

Many modules' tests start from the same *scene*: a show scanned, approved,
revoked, audited. Building it runs the CLI several times (a scan starts its
likeness workers), about 0.4 s a test on a quiet machine and twice that
while the suite runs, for each of several hundred tests. A :class:`Kept`
scene is built once and, before each later test, put back exactly as it was
built:

* its **ledger**: on SQLite, a copy of the file as the build left it; on
  PostgreSQL, the rows and sequences of a schema the build's were copied
  into (:meth:`~tests.support.templates.PgLedgers.copy_rows`), so the URL
  stays the same (a machine's anchor is named after its ledger's URL);
* its **home**: the machine key that signed the scene's checkpoints, its
  anchors, and the user's config and data folders, set for the test as the
  suite's own fixtures set them;
* its **files** are not copied back, which would give them new inodes (the
  ledger records each file's size, mtime and inode): what a test added to
  the scene's folder is removed, and a test that changed anything else in it
  (a file of the scene's written, removed, renamed, touched, or its mode
  changed: its ``ctime`` moves) or in its ledger's structure makes the next
  test build the scene afresh.

So a test sees what it would have seen with a scene of its own. A scene that
holds an open :class:`~provenance.store.Ledger` is given to each test with a
connection of the test's own (:func:`reopened`), opened as the suite's
``ledger`` fixture opens one (:func:`scene_ledger`).
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import shutil
import sqlite3
import stat
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, ClassVar, Generic, Literal, Protocol, TypeVar

import pytest

from provenance.store import Ledger
from tests.support.postgres import BACKENDS
from tests.support.templates import PgLedgers, init_sqlite_copy, schema_url

T = TypeVar("T")


class WithLedger(Protocol):
    """A dataclass scene holding an open ledger."""

    __dataclass_fields__: ClassVar[dict[str, Any]]

    @property
    def ledger(self) -> Ledger:
        """The scene's open ledger."""


S = TypeVar("S", bound=WithLedger)
Build = Callable[[str, Path], T]  # (the ledger's URL, the scene's folder) -> the scene
Scope = Literal["module", "function"]
Stamp = tuple[str, int, int, int, int, int]  # kind, mode, size, mtime, ctime, inode


class Kept(Generic[T]):
    """One scene for one backend in one test process: built on first use, then put back."""

    def __init__(
        self, folder: Path, build: Build[T], template: Path | None, ledgers: PgLedgers | None
    ) -> None:
        self.files = folder / "scene"  # the scene's files, and what else its build wrote
        self._home = folder / "home"
        self._home_kept = folder / "home.kept"
        self._sqlite = folder / "ledger.sqlite3"
        self._kept_sqlite = folder / "kept.sqlite3"
        self._build = build
        self._template = template  # SQLite: the empty ledger every scene starts from
        self._ledgers = ledgers  # PostgreSQL: where its schemas come from
        self._schemas: tuple[str, str] | None = None  # the scene's, and the one kept as built
        self._made: T | None = None
        self._fresh = False
        self._stamps: dict[str, Stamp] = {}
        self._keepable = True  # PostgreSQL: whether the built rows could be copied aside
        self.builds = 0

    @classmethod
    def for_backend(
        cls, request: pytest.FixtureRequest, factory: pytest.TempPathFactory, build: Build[T]
    ) -> Kept[T]:
        """A kept scene for ``request.param``'s backend ("sqlite" or "postgresql")."""
        folder = factory.mktemp("kept")
        if request.param == "sqlite":
            return cls(folder, build, request.getfixturevalue("_sqlite_template"), None)
        return cls(folder, build, None, request.getfixturevalue("_pg_ledgers"))

    def get(self, monkeypatch: pytest.MonkeyPatch) -> T:
        """The scene as built, for the test whose ``monkeypatch`` this is."""
        monkeypatch.setenv("PROVENANCE_MACHINE_KEY", str(self._home / "key" / "machine_key"))
        monkeypatch.setenv("XDG_CONFIG_HOME", str(self._home / "config"))
        monkeypatch.setenv("XDG_DATA_HOME", str(self._home / "data"))
        if self._made is None or not (self._fresh or self._put_back()):
            self._made = self._built()
        self._fresh = False
        return self._made

    def close(self) -> None:
        """Give the scene's PostgreSQL schemas back."""
        if self._schemas is not None and self._ledgers is not None:
            for schema in self._schemas:
                self._ledgers.give_back(schema)
        self._schemas = None

    # -- building ------------------------------------------------------------------------

    def _built(self) -> T:
        for folder in (self.files, self._home, self._home_kept):
            shutil.rmtree(folder, ignore_errors=True)
            if folder.exists():  # a test left what cannot be removed: never build over it
                raise RuntimeError(f"cannot remove the scene's folder {folder}")
        self.files.mkdir()
        self._home.mkdir()
        made = self._build(self._new_ledger(), self.files)
        self._stamps = stamps(self.files)
        shutil.copytree(self._home, self._home_kept, symlinks=True)
        self._keep_ledger()
        self._fresh = True
        self.builds += 1
        return made

    def _new_ledger(self) -> str:
        if self._ledgers is None:
            assert self._template is not None
            for path in _sqlite_files(self._sqlite) + _sqlite_files(self._kept_sqlite):
                path.unlink(missing_ok=True)
            return init_sqlite_copy(self._template, self._sqlite)
        self.close()
        self._schemas = (self._ledgers.take(), self._ledgers.take())
        return schema_url(self._schemas[0])

    def _keep_ledger(self) -> None:
        if self._ledgers is None:
            # The backup API copies the database with its write-ahead log folded in.
            with (
                contextlib.closing(sqlite3.connect(self._sqlite)) as source,
                contextlib.closing(sqlite3.connect(self._kept_sqlite)) as kept,
            ):
                source.backup(kept)
            return
        assert self._schemas is not None
        # Where rows cannot be copied (no pg_dump, a login that is no superuser), each test
        # gets the scene built afresh, as it would without this module.
        self._keepable = self._ledgers.copy_rows(self._schemas[0], self._schemas[1])

    # -- putting back --------------------------------------------------------------------

    def _put_back(self) -> bool:
        """Put the scene back as built; False if its files or its ledger's structure changed."""
        if not self._files_put_back():
            return False
        shutil.rmtree(self._home, ignore_errors=True)
        shutil.copytree(self._home_kept, self._home, symlinks=True)
        if self._ledgers is None:
            for path in _sqlite_files(self._sqlite):
                path.unlink(missing_ok=True)
            shutil.copyfile(self._kept_sqlite, self._sqlite)
            return True
        assert self._schemas is not None
        return self._keepable and self._ledgers.copy_rows(self._schemas[1], self._schemas[0])

    def _files_put_back(self) -> bool:
        """Whether the scene's files are as built, once what a test only added is removed."""
        now = stamps(self.files)
        if now == self._stamps:
            return True
        if any(now.get(path) != stamp for path, stamp in self._stamps.items()):
            return False  # a file of the scene's was changed, removed or replaced
        for path in sorted(set(now) - set(self._stamps), reverse=True):  # deepest first
            added = self.files / path
            if now[path][0] == "d":
                shutil.rmtree(added, ignore_errors=True)
            else:
                with contextlib.suppress(OSError):  # it may have gone with its folder
                    added.unlink()
        return stamps(self.files) == self._stamps


def stamps(folder: Path) -> dict[str, Stamp]:
    """What changes when anything below ``folder`` is written, made, removed or renamed."""
    found: dict[str, Stamp] = {}
    for where, folders, names in os.walk(folder):
        for name in folders + names:
            path = Path(where, name)
            st = path.lstat()
            kind = "d" if stat.S_ISDIR(st.st_mode) else "f"  # a link to a folder is a link
            # A folder's times move when a test makes and removes a scratch file in it:
            # harmless; what is in it is compared entry by entry (its mode is kept: a folder
            # a test made unreadable is not the scene's).
            size, times = (
                (0, (0, 0)) if kind == "d" else (st.st_size, (st.st_mtime_ns, st.st_ctime_ns))
            )
            found[str(path.relative_to(folder))] = (kind, st.st_mode, size, *times, st.st_ino)
    return found


def _sqlite_files(path: Path) -> list[Path]:
    return [path.with_name(path.name + suffix) for suffix in ("", "-wal", "-shm", "-journal")]


def scene_ledger(url: str) -> Ledger:
    """The ledger at ``url``, opened as the suite's ``ledger`` fixture opens it."""
    return Ledger(url, actor="tester", host="testhost")


def reopened(kept: Kept[S], monkeypatch: pytest.MonkeyPatch) -> Iterator[S]:
    """The kept scene for one test, with a connection to its ledger of the test's own."""
    built = kept.get(monkeypatch)
    with scene_ledger(built.ledger.url) as ledger:
        yield dataclasses.replace(built, ledger=ledger)


def kept_scene(
    name: str, build: Build[T], backends: Sequence[str] = BACKENDS, scope: Scope = "module"
) -> Any:
    """A fixture ``name`` giving the :class:`Kept` scene ``build`` makes, once a test module
    (or ``scope``) for each of ``backends``; assign it to a module attribute of that name."""

    @pytest.fixture(scope=scope, params=list(backends), name=name)
    def kept(
        request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
    ) -> Iterator[Kept[T]]:
        made = Kept.for_backend(request, tmp_path_factory, build)
        yield made
        made.close()

    return kept
