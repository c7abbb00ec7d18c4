"""Kept scenes (tests/support/scenes): each test gets the scene exactly as it was built."""

from __future__ import annotations

import os
import shutil
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, inspect, text

from provenance.cli import cli
from tests.support.files import png
from tests.support.lifecycle import a1111
from tests.support.rewrite import execute
from tests.support.scenes import Kept, kept_scene
from tests.support.templates import PgLedgers


def build(url: str, folder: Path) -> str:
    """A scanned show: two generated pictures and a plate."""
    png(folder / "show" / "gen.png", 1, a1111("a castle"))
    png(folder / "show" / "gen2.png", 2, a1111("a face"))
    png(folder / "show" / "plate.png", 3)
    result = CliRunner().invoke(cli, ["scan", str(folder / "show"), "--db", url])
    assert result.exit_code == 0, result.output
    return url


def contents(url: str) -> dict[str, list[str]]:
    """Every table's rows, and every sequence's next value (PostgreSQL)."""
    engine = create_engine(url)
    found: dict[str, list[str]] = {}
    try:
        with engine.connect() as conn:
            for table in inspect(conn).get_table_names():
                rows = conn.execute(text(f'SELECT * FROM "{table}"'))
                found[table] = sorted(repr(tuple(row)) for row in rows)
            if engine.dialect.name == "postgresql":
                for sequence in inspect(conn).get_sequence_names():
                    state = conn.execute(text(f"SELECT last_value, is_called FROM {sequence}"))
                    found[sequence] = [repr(tuple(state.one()))]
    finally:
        engine.dispose()
    return found


kept = kept_scene("kept", build, scope="function")  # a new one for each test


def key_and_anchors() -> dict[str, bytes]:
    """The machine key and everything in its anchors folder (the memories in subfolders)."""
    key = Path(os.environ["PROVENANCE_MACHINE_KEY"])
    anchors = key.with_name(key.name + ".anchors")
    files = sorted(p for p in anchors.rglob("*") if p.is_file())
    return {key.name: key.read_bytes()} | {
        str(p.relative_to(anchors)): p.read_bytes() for p in files
    }


def test_a_scene_is_built_once_and_put_back_as_built(
    kept: Kept[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    url = kept.get(monkeypatch)
    built, home = contents(url), key_and_anchors()
    assert built["events"] and built["fingerprints"] and home  # the scan signed a checkpoint

    # What a test does: scan more, edit rows as an insider, drop the anchors.
    png(tmp_path / "more" / "new.png", 9)
    assert CliRunner().invoke(cli, ["scan", str(tmp_path / "more"), "--db", url]).exit_code == 0
    execute(url, "UPDATE assets SET verdict = 'not_genai'")
    shutil.rmtree(os.environ["PROVENANCE_MACHINE_KEY"] + ".anchors")
    assert contents(url) != built

    assert kept.get(monkeypatch) == url
    assert kept.builds == 1
    assert contents(url) == built and key_and_anchors() == home
    if url.startswith("sqlite"):  # the copy is still the embedded default's WAL database
        with sqlite3.connect(url.removeprefix("sqlite:///")) as conn:
            assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    # And the ledger goes on from there as it would have: the next event follows the built head.
    assert CliRunner().invoke(cli, ["scan", str(tmp_path / "more"), "--db", url]).exit_code == 0
    assert CliRunner().invoke(cli, ["verify", "--db", url]).exit_code == 0


# What a test changed in the files is seen the same way whatever the backend.
@pytest.mark.parametrize("kept", ["sqlite"], indirect=True)
@pytest.mark.parametrize(
    "change", ["touched", "removed", "rewritten", "replaced", "folder made unreadable"]
)
def test_a_changed_file_makes_the_next_test_build_the_scene_afresh(
    kept: Kept[str], monkeypatch: pytest.MonkeyPatch, change: str
) -> None:
    kept.get(monkeypatch)
    plate = kept.files / "show" / "plate.png"
    if change == "touched":
        os.utime(plate, ns=(1, 1))
    elif change == "removed":
        plate.unlink()
    elif change == "folder made unreadable":
        plate.parent.chmod(0o300)
    elif change == "replaced":  # the same bytes, as a new file
        data = plate.read_bytes()
        plate.unlink()
        plate.write_bytes(data)
    else:
        data = plate.read_bytes()
        stat = plate.stat()
        plate.write_bytes(data)
        os.utime(plate, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # the mtime as it was
    url = kept.get(monkeypatch)
    assert kept.builds == 2 and plate.exists()
    assert CliRunner().invoke(cli, ["verify", "--db", url]).exit_code == 0


def test_what_a_test_added_to_the_scene_is_removed(
    kept: Kept[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    url = kept.get(monkeypatch)
    built = contents(url)
    scratch = kept.files / "show" / "package"
    (scratch / "deeper").mkdir(parents=True)
    png(scratch / "deeper" / "copy.png", 1, a1111("a castle"))
    (scratch / "gone").write_bytes(b"x")
    (scratch / "gone").unlink()
    (kept.files / "show" / "link").symlink_to(scratch)
    png(kept.files / "show" / "late.png", 4)
    assert CliRunner().invoke(cli, ["scan", str(kept.files / "show"), "--db", url]).exit_code == 0

    assert kept.get(monkeypatch) == url
    assert kept.builds == 1 and contents(url) == built
    assert sorted(p.name for p in (kept.files / "show").iterdir()) == [
        "gen.png", "gen2.png", "plate.png"
    ]  # fmt: skip


@pytest.mark.postgres
@pytest.mark.parametrize("kept", ["postgresql"], indirect=True)
@pytest.mark.parametrize(
    "change",
    ["CREATE INDEX extra ON assets (verdict)", "GRANT SELECT ON assets TO PUBLIC",
     "ALTER TABLE assets ADD COLUMN extra integer",
     "CREATE TRIGGER extra BEFORE DELETE ON assets FOR EACH ROW EXECUTE FUNCTION"
     " suppress_redundant_updates_trigger()"],
)  # fmt: skip
def test_a_changed_structure_makes_the_next_test_build_the_scene_afresh(
    kept: Kept[str], monkeypatch: pytest.MonkeyPatch, change: str
) -> None:
    kept.get(monkeypatch)
    url = kept.get(monkeypatch)  # put back once: what the structure is compared on is known
    execute(url, change)
    again = kept.get(monkeypatch)
    assert kept.builds == 2 and again != url
    assert contents(again)["events"]


@pytest.mark.postgres
@pytest.mark.parametrize("kept", ["postgresql"], indirect=True)
def test_where_rows_cannot_be_copied_each_test_gets_the_scene_built_afresh(
    kept: Kept[str], monkeypatch: pytest.MonkeyPatch, _pg_ledgers: PgLedgers
) -> None:
    monkeypatch.setattr(_pg_ledgers, "_copying", None)  # as without pg_dump or a superuser
    built = contents(kept.get(monkeypatch))
    url = kept.get(monkeypatch)
    assert kept.builds == 2 and contents(url).keys() == built.keys()
    assert CliRunner().invoke(cli, ["verify", "--db", url]).exit_code == 0
