"""`purge` and `restore` killed (SIGKILL) between moving a copy and recording it, then run again.

The command runs in a child process whose ledger write kills the process
itself, at the worst moment: the copy has moved, its record is not written,
and nothing runs to undo the move. Running the command again must record
what the killed run did, not call the copy missing (purge) or refuse to
overwrite it (restore), and the chain must still verify.
"""

from __future__ import annotations

import errno
import fcntl
import json
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from provenance.cli import cli
from provenance.store import Ledger, current_actor
from tests.support.files import png, sha256_of
from tests.support.lifecycle import a1111

# Runs `provenance ARGS...` with MODULE:NAME (a function, or a class's method) killing the process.
KILLED_AT = """
import importlib, os, signal, sys
from provenance.cli.group import main
def die(*_args, **_kw):
    os.kill(os.getpid(), signal.SIGKILL)
module, _, name = sys.argv[1].partition(":")
owner, _, attribute = name.rpartition(".")
found = importlib.import_module(module)
setattr(getattr(found, owner) if owner else found, attribute, die)
sys.argv = ["provenance", *sys.argv[2:]]
main()
"""
ADD = "provenance.store.quarantine:QuarantinePart.add"
RESTORE = "provenance.store.quarantine:QuarantinePart.restore"
# Called once the original name is gone, before any manifest line or record written after it.
AFTER_UNLINK = "provenance.lifecycle.files:sync_folder"
# Called once the copy arrived, before the original name is removed: the bytes are in both places.
BEFORE_UNLINK = "provenance.lifecycle.files:_unlink_same"


class Commands:
    """`provenance ...` on one ledger and settings file, in this process or killed in a child."""

    def __init__(self, url: str, tmp_path: Path) -> None:
        config = tmp_path / "provenance.toml"
        config.write_text(
            f'approvers = ["{current_actor()}"]\nquarantine_dir = "{tmp_path / "q"}"\nworkers = 1\n'
        )
        self.options = ["--db", url, "--config", str(config)]

    def __call__(self, *args: str) -> Result:
        result = CliRunner().invoke(cli, [*args, *self.options])
        assert result.exit_code == 0, result.output + result.stderr
        return result

    def killed(self, where: str, *args: str) -> None:
        command = [sys.executable, "-c", KILLED_AT, where, *args, *self.options]
        done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
        assert done.returncode == -signal.SIGKILL, done.stderr


@pytest.fixture
def expired(ledger_url: str, tmp_path: Path) -> tuple[Commands, Path, str]:
    """A generated picture scanned into the ledger, its expiry past."""
    run = Commands(ledger_url, tmp_path)
    path = png(tmp_path / "jobs" / "sh010" / "gen.png", 1, a1111("a castle"))
    run("scan", str(path.parent))
    run("set-expiry", str(path), "--until", "2020-01-01", "--force")
    return run, path, sha256_of(path)


@pytest.mark.parametrize("where", [ADD, AFTER_UNLINK], ids=["before-record", "after-unlink"])
def test_a_purge_killed_before_its_record_is_finished_by_the_next(
    expired: tuple[Commands, Path, str], ledger_url: str, where: str
) -> None:
    run, path, sha = expired
    run.killed(where, "purge", "--expired")
    assert not path.exists()  # moved, not recorded

    again = json.loads(run("purge", "--expired", "--json").stdout)
    assert again["failed"] == []
    [moved] = again["moved"]
    assert moved["original_path"] == str(path) and sha256_of(Path(moved["quarantine_path"])) == sha
    with Ledger(ledger_url) as ledger:
        assert ledger.locations.present(sha) == [] and ledger.assets.resolve(sha).status == (
            "quarantined"
        )
        assert ledger.events.verify().ok

    run("restore", str(path))
    assert sha256_of(path) == sha


def test_a_purge_killed_before_removing_the_original_quarantines_no_second_copy(
    expired: tuple[Commands, Path, str], ledger_url: str, tmp_path: Path
) -> None:
    run, path, sha = expired
    run.killed(BEFORE_UNLINK, "purge", "--expired")
    [first] = list((tmp_path / "q").rglob("*.png"))
    assert path.exists() and first.samefile(path)  # linked, the original name still there

    again = json.loads(run("purge", "--expired", "--json").stdout)
    assert again["failed"] == []
    assert [m["quarantine_path"] for m in again["moved"]] == [str(first)]
    assert not path.exists() and list((tmp_path / "q").rglob("*.png")) == [first]
    with Ledger(ledger_url) as ledger:
        assert ledger.locations.present(sha) == [] and ledger.events.verify().ok
    run("restore", str(path))
    assert sha256_of(path) == sha


def test_a_file_written_where_a_killed_purge_left_the_original_is_kept(
    expired: tuple[Commands, Path, str], tmp_path: Path
) -> None:
    run, path, _sha = expired
    run.killed(BEFORE_UNLINK, "purge", "--expired")
    path.unlink()
    path.write_bytes(b"a new render, written since")
    again = json.loads(run("purge", "--expired", "--json").stdout)
    assert again["failed"] == [] and len(again["moved"]) == 1  # the copy held is recorded
    assert path.read_bytes() == b"a new render, written since"


def test_an_original_that_cannot_be_removed_after_a_killed_purge_is_one_failure(
    expired: tuple[Commands, Path, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run, path, _sha = expired
    run.killed(BEFORE_UNLINK, "purge", "--expired")
    real = Path.unlink

    def refused(self: Path, missing_ok: bool = False) -> None:
        if self == path:
            raise PermissionError(errno.EACCES, "Permission denied", str(self))
        real(self, missing_ok)

    with monkeypatch.context() as patched:
        patched.setattr(Path, "unlink", refused)
        again = json.loads(run("purge", "--expired", "--json").stdout)
    [failed] = again["failed"]
    assert failed["path"] == str(path) and "cannot remove the original" in failed["reason"]
    assert again["moved"] == [] and path.exists()
    done = json.loads(run("purge", "--expired", "--json").stdout)  # once it can be removed
    assert len(done["moved"]) == 1 and not path.exists()
    assert len(list((tmp_path / "q").rglob("*.png"))) == 1


def test_a_restore_killed_before_its_record_is_finished_by_the_next(
    expired: tuple[Commands, Path, str], ledger_url: str
) -> None:
    run, path, sha = expired
    run("purge", "--expired")
    run.killed(RESTORE, "restore", sha[:12])
    assert sha256_of(path) == sha  # back, not recorded

    again = json.loads(run("restore", sha[:12], "--json").stdout)
    assert [r["original_path"] for r in again["restored"]] == [str(path)]
    assert again["past_expiry"] == [sha]  # the next purge --expired would take it again
    assert sha256_of(path) == sha
    with Ledger(ledger_url) as ledger:
        assert ledger.quarantine.list() == []
        assert [loc.path for loc in ledger.locations.present(sha)] == [str(path)]
        assert ledger.events.verify().ok


@pytest.fixture
def many_expired(ledger_url: str, tmp_path: Path) -> tuple[Commands, list[Path]]:
    """Sixty generated pictures in six shots, scanned, their expiry past."""
    run = Commands(ledger_url, tmp_path)
    paths = [png(tmp_path / "jobs" / f"sh{n % 6}" / f"gen{n}.png", n, a1111(f"p{n}"))
             for n in range(60)]  # fmt: skip
    run("scan", str(tmp_path / "jobs"))
    run("set-expiry", *map(str, paths), "--until", "2020-01-01", "--force")
    return run, paths


def test_two_purges_at_once_record_each_copy_once(
    many_expired: tuple[Commands, list[Path]], ledger_url: str, tmp_path: Path
) -> None:
    run, paths = many_expired
    command = [sys.executable, "-m", "provenance", "purge", "--expired", *run.options]
    both = [subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for _ in range(2)]  # fmt: skip
    done = [p.communicate(timeout=300) for p in both]
    for process, (_out, err) in zip(both, done, strict=True):
        # The one that found the folder held says so; neither fails otherwise.
        assert process.returncode == 0 or "another purge" in err, err
    run("purge", "--expired")  # whatever the refused one left
    with Ledger(ledger_url) as ledger:
        held = ledger.quarantine.list()
        assert sorted(e.original_path for e in held) == sorted(map(str, paths))  # each once
        assert ledger.events.verify().ok
    assert not any(p.exists() for p in paths)
    assert len(list((tmp_path / "q").rglob("*.png"))) == len(paths)


def test_a_held_quarantine_folder_is_refused_not_shared(
    expired: tuple[Commands, Path, str], tmp_path: Path
) -> None:
    run, path, _sha = expired
    (tmp_path / "q").mkdir()
    with (tmp_path / "q" / "manifest.jsonl").open("ab") as other:
        fcntl.flock(other.fileno(), fcntl.LOCK_EX)  # another purge, mid-way
        result = CliRunner().invoke(cli, ["purge", "--expired", *run.options])
    assert result.exit_code == 2 and "another purge, restore or delete" in result.stderr
    assert path.exists()
    run("purge", "--expired")
    assert not path.exists()
