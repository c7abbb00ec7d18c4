"""A SQLite ledger in a folder no one may write (a read-only mount of a show's archive) is read.

SQLite in WAL mode creates a ``-shm`` file beside the database to open it,
so every command used to fail there with "unable to open database file".
Each case copies a ledger's files into a folder and mounts that folder
read-only over another (a bind mount; root only, skipped elsewhere).
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from click.testing import CliRunner

from provenance.cli import cli
from provenance.store import Ledger
from tests.support.factories import fake_sha, observation
from tests.support.mounts import read_only_bind


def _snapshot(source: Path, into: Path) -> None:
    """Copy every file of the ledger (its -wal and -shm too, where they are) as they are now."""
    into.mkdir(parents=True, exist_ok=True)
    for part in source.parent.glob(source.name + "*"):
        shutil.copy2(part, into / part.name)


@contextmanager
def _archived(tmp_path: Path, *, while_open: bool, keep_index: bool = True) -> Iterator[str]:
    """The URL of a two-asset ledger, read-only; ``while_open``: copied before it closed, so
    the second asset is only in its write-ahead log."""
    url = f"sqlite:///{tmp_path / 'live' / 'ledger.sqlite3'}"
    snapshot = tmp_path / "snapshot"
    with Ledger(url, actor="tester", host="h") as ledger:
        ledger.record([observation("first", "/show/a.exr")])
        ledger.record([observation("second", "/show/b.exr")])
        if while_open:
            _snapshot(tmp_path / "live" / "ledger.sqlite3", snapshot)
    if not while_open:
        _snapshot(tmp_path / "live" / "ledger.sqlite3", snapshot)
    if not keep_index:
        (snapshot / "ledger.sqlite3-shm").unlink()
    with read_only_bind(snapshot, tmp_path / "archive") as archive:
        yield f"sqlite:///{archive / 'ledger.sqlite3'}"


BOTH = {fake_sha("first"), fake_sha("second")}


def _listed(url: str) -> set[str]:
    listed = CliRunner().invoke(cli, ["ls", "--db", url, "--json"])
    assert listed.exit_code == 0, listed.output
    return {item["sha256"] for item in json.loads(listed.stdout)["assets"]}


def test_a_closed_ledger_on_a_read_only_mount_is_read_and_verified(tmp_path: Path) -> None:
    with _archived(tmp_path, while_open=False) as url:
        assert not list((tmp_path / "archive").glob("*-shm"))  # nothing SQLite could create
        assert _listed(url) == BOTH
        verified = CliRunner().invoke(cli, ["verify", "--db", url])
        assert verified.exit_code == 0, verified.output


def test_a_write_to_it_is_refused_in_one_line(tmp_path: Path) -> None:
    (tmp_path / "new.png").write_bytes(b"not much")
    with _archived(tmp_path, while_open=False) as url:
        scanned = CliRunner().invoke(cli, ["scan", str(tmp_path / "new.png"), "--db", url])
        assert scanned.exit_code == 2, scanned.output
        [line] = scanned.stderr.splitlines()
        assert line.startswith("Error: ") and "read-only" in line


def test_transactions_still_in_its_write_ahead_log_are_read(tmp_path: Path) -> None:
    with _archived(tmp_path, while_open=True) as url:
        assert (tmp_path / "archive" / "ledger.sqlite3-wal").stat().st_size > 0
        assert _listed(url) == BOTH


def test_a_log_that_cannot_be_read_in_place_is_refused_not_read_as_an_older_ledger(
    tmp_path: Path,
) -> None:
    with _archived(tmp_path, while_open=True, keep_index=False) as url:
        listed = CliRunner().invoke(cli, ["ls", "--db", url])
        assert listed.exit_code == 2, listed.output
        [line] = listed.stderr.splitlines()
        assert "ledger.sqlite3-wal" in line and "copy" in line
