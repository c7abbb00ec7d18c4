"""Scanning trees: ingest, re-scan, changes, moves, removals, and files that cannot be read."""

from __future__ import annotations

import io
import json
import os
import shutil
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner
from rich.console import Console

from provenance.cli import cli
from provenance.ingest.examine import examine_here
from provenance.ingest.record import examine, ingest
from provenance.ingest.scan import plan_scan, run_scan, scan
from provenance.reports.console import scan_summary
from provenance.settings import FolderRule, Settings
from provenance.store import Ledger
from tests.support.files import A1111, png
from tests.support.loaded_rows import count_loaded_rows


def test_scan_counts_and_rescan_changes_nothing(
    tmp_path: Path, ledger: Ledger, settings: Settings
) -> None:
    png(tmp_path / "show" / "gen.png", 1, A1111)
    png(tmp_path / "show" / "plain.png", 2)
    (tmp_path / "show" / "notes.txt").write_text("hello")
    first = scan([tmp_path / "show"], ledger, settings).to_dict()
    assert (first["files_seen"], first["newly_ingested"], first["genai"], first["unknown"]) == (
        3,
        3,
        1,
        2,
    )
    events = len(ledger.events.list())
    second = scan([tmp_path / "show"], ledger, settings).to_dict()
    assert (second["files_seen"], second["newly_ingested"], second["unchanged"]) == (3, 0, 3)
    assert len(ledger.events.list()) == events
    assert ledger.events.verify().ok


def test_generated_png_is_recorded_with_prompt(
    tmp_path: Path, ledger: Ledger, settings: Settings
) -> None:
    result = ingest(png(tmp_path / "g.png", 3, A1111), ledger, settings)
    asset = ledger.assets.resolve(result.sha256 or "")
    assert (asset.verdict, asset.tool, asset.status, asset.prompt) == (
        "genai",
        "automatic1111",
        "temporary",
        "a castle",
    )
    assert (asset.width, asset.height, asset.kind) == (16, 16, "image")


def test_move_copy_modify_remove(tmp_path: Path, ledger: Ledger, settings: Settings) -> None:
    root = tmp_path / "show"
    a = png(root / "a.png", 1)
    b = png(root / "b.png", 2)
    scan([root], ledger, settings)
    a.rename(root / "renamed.png")
    shutil.copy(b, root / "copy_of_b.png")
    png(root / "b.png", 99)  # new content at a known path
    summary = scan([root], ledger, settings).to_dict()
    assert (summary["moved"], summary["copies"], summary["newly_ingested"]) == (1, 1, 1)
    (root / "renamed.png").unlink()
    assert scan([root], ledger, settings).to_dict()["removed"] == 1
    assert ledger.events.verify().ok
    types = [e.type for e in ledger.events.list()]
    assert (
        types.count("moved") == 1 and types.count("modified") == 1 and types.count("removed") == 1
    )


def test_delete_then_recreate_elsewhere_is_a_move(
    tmp_path: Path, ledger: Ledger, settings: Settings
) -> None:
    src = png(tmp_path / "in" / "frame.png", 5)
    scan([tmp_path], ledger, settings)
    data = src.read_bytes()
    src.unlink()
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "frame_v2.png").write_bytes(data)
    assert scan([tmp_path], ledger, settings).to_dict()["moved"] == 1


def test_corrupt_file_is_recorded_unreadable(
    tmp_path: Path, ledger: Ledger, settings: Settings
) -> None:
    bad = tmp_path / "broken.png"
    bad.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 5)
    empty = tmp_path / "empty.jpg"
    empty.write_bytes(b"")
    summary = scan([tmp_path], ledger, settings)
    assert summary.to_dict()["unreadable"] == 2
    asset = ledger.assets.get(examine(bad, settings, "h").observation.asset.sha256)  # type: ignore[union-attr]
    assert asset is not None and asset.problem
    listed = {Path(p["path"]).name: p["reason"] for p in summary.to_dict()["unreadable_files"]}  # type: ignore[attr-defined]
    assert set(listed) == {"broken.png", "empty.jpg"} and "truncated" in listed["broken.png"]
    shown = Console(width=200, record=True)
    shown.print(scan_summary(summary))
    text = shown.export_text()
    assert "2 file(s) recorded unreadable" in text and f"{bad}: {listed['broken.png']}" in text


def test_unreadable_paths_are_reported_not_fatal(
    tmp_path: Path, ledger: Ledger, settings: Settings
) -> None:
    png(tmp_path / "ok.png", 1)
    os.mkfifo(tmp_path / "pipe")
    (tmp_path / "dangling").symlink_to(tmp_path / "nowhere")
    (tmp_path / "link.png").symlink_to(tmp_path / "ok.png")
    (tmp_path / "loop").symlink_to(tmp_path)
    summary = scan([tmp_path, tmp_path / "missing"], ledger, settings).to_dict()
    assert summary["newly_ingested"] == 1
    assert summary["skipped"] == len(summary["problems"]) == 5  # type: ignore[arg-type]
    reasons = {Path(p["path"]).name: p["reason"] for p in summary["problems"]}  # type: ignore[attr-defined]
    assert "special file" in reasons["pipe"]
    assert "broken" in reasons["dangling"]
    assert "not followed" in reasons["link.png"]
    assert "folder" in reasons["loop"]
    assert "cannot access" in reasons["missing"]


def test_symlinks_followed_when_asked(tmp_path: Path, ledger: Ledger, settings: Settings) -> None:
    png(tmp_path / "real" / "ok.png", 1)
    (tmp_path / "links").mkdir()
    (tmp_path / "links" / "ok.png").symlink_to(tmp_path / "real" / "ok.png")
    follow = Settings(db=settings.db, follow_symlinks=True)
    summary = scan([tmp_path / "links"], ledger, follow).to_dict()
    assert summary["newly_ingested"] == 1


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode")
def test_permission_denied_is_reported(tmp_path: Path, ledger: Ledger, settings: Settings) -> None:
    secret = png(tmp_path / "secret.png", 1)
    secret.chmod(0)
    summary = scan([tmp_path], ledger, settings).to_dict()
    assert summary["skipped"] == 1


def test_ignored_names_are_passed_over(tmp_path: Path, ledger: Ledger, settings: Settings) -> None:
    png(tmp_path / "ok.png", 1)
    (tmp_path / "render.exr.tmp").write_bytes(b"partial")
    (tmp_path / ".DS_Store").write_bytes(b"x")
    (tmp_path / "comp.nk~").write_bytes(b"x")
    assert scan([tmp_path], ledger, settings).to_dict()["files_seen"] == 1


def test_folder_rule_declares_source(tmp_path: Path, ledger: Ledger) -> None:
    rules = (FolderRule(glob="*/genai/*", verdict="genai", tool="Midjourney"),)
    settings = Settings(db="sqlite://", folder_rules=rules)
    result = ingest(png(tmp_path / "genai" / "plain.png", 4), ledger, settings)
    asset = ledger.assets.resolve(result.sha256 or "")
    assert (asset.verdict, asset.tool, asset.confidence) == ("genai", "midjourney", "medium")


def test_progress_callback_sees_every_file(
    tmp_path: Path, ledger: Ledger, settings: Settings
) -> None:
    for i in range(7):
        png(tmp_path / f"f{i}.png", i)
    plan = plan_scan([tmp_path], settings)
    assert len(plan.files) == 7 and plan.total_bytes > 0
    seen: list[str] = []
    run_scan(
        plan, ledger, Settings(db=settings.db, batch_size=3), lambda r: seen.append(r.path.name)
    )
    assert sorted(seen) == sorted(f"f{i}.png" for i in range(7))


def test_file_changing_while_hashed_is_skipped(
    tmp_path: Path, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    from provenance.files import hashing

    target = png(tmp_path / "growing.png", 1)
    real = hashing._digest

    def growing(stream: io.RawIOBase, size: int) -> str:
        digest = real(stream, size)
        with target.open("ab") as more:
            more.write(b"more")
        return digest

    monkeypatch.setattr(hashing, "_digest", growing)
    examined = examine_here(target, settings, "h")  # in this process, where the patch is
    assert examined.observation is None
    assert examined.error is not None and "changed while" in examined.error


def test_the_likeness_stage_reports_each_asset_by_step(
    tmp_path: Path, ledger: Ledger, settings: Settings
) -> None:
    """A progress bar is told of every picture the stage after reading works on, by step."""
    png(tmp_path / "gen.png", 1, A1111)
    png(tmp_path / "plain.png", 2)
    steps: Counter[str] = Counter()
    summary = run_scan(
        plan_scan([tmp_path], settings), ledger, settings, tick=lambda step: steps.update([step])
    )
    assert steps["fingerprints"] >= 2 and steps["descriptions"] >= 1
    assert summary.fingerprint_seconds > 0


def test_the_scan_summary_counts_each_file_once(tmp_path: Path) -> None:
    show = tmp_path / "show"
    (show / "sh010").mkdir(parents=True)
    (show / "sh010" / "plate.exr").write_bytes(b"plate")
    db = f"sqlite:///{tmp_path / 'ledger.sqlite3'}"
    roots = [str(show), str(show / "sh010"), str(show / "sh010" / "plate.exr")]
    result = CliRunner().invoke(cli, ["scan", *roots, "--db", db, "--json"])
    summary = json.loads(result.stdout)
    assert (summary["files_seen"], summary["newly_ingested"], summary["unchanged"]) == (1, 1, 0)


def test_a_skipped_name_with_a_newline_is_listed_on_one_line(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe\n  plate.exr: broken symbolic link")
    db = f"sqlite:///{tmp_path / 'ledger.sqlite3'}"
    result = CliRunner().invoke(cli, ["scan", str(tmp_path), "--db", db])
    listed = result.stdout.split("file(s) not ingested:\n")[1].splitlines()
    assert listed == [
        f"  {tmp_path}/pipe\\x0a  plate.exr: broken symbolic link: special file"
        " (a FIFO), not content"
    ]


def _locked(monkeypatch: pytest.MonkeyPatch, folder: Path) -> None:
    """``folder`` as a user without rights to it sees it (mode 000 owned by another user).

    Root reads everything whatever the mode, so the kernel's answers are
    played: the folder cannot be listed, and nothing below it can be looked at.
    """
    real_scandir, real_lstat, real_stat = os.scandir, os.lstat, os.stat

    def denied(path: object) -> None:
        if isinstance(path, (str, os.PathLike)) and str(os.fspath(path)).startswith(f"{folder}/"):
            raise PermissionError(13, "Permission denied", os.fspath(path))

    def scandir(path: object = ".") -> object:
        if isinstance(path, (str, os.PathLike)) and os.fspath(path) == str(folder):
            raise PermissionError(13, "Permission denied", str(folder))
        return real_scandir(path)  # type: ignore[call-overload]

    def lstat(path: object, *args: object, **kwargs: object) -> os.stat_result:
        denied(path)
        return real_lstat(path, *args, **kwargs)  # type: ignore[arg-type]

    def stat(path: object, *args: object, **kwargs: object) -> os.stat_result:
        denied(path)
        return real_stat(path, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "scandir", scandir)
    monkeypatch.setattr(os, "lstat", lstat)
    monkeypatch.setattr(os, "stat", stat)


def test_files_in_a_folder_the_scan_cannot_enter_are_not_recorded_removed(
    tmp_path: Path, ledger: Ledger, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    shot = tmp_path / "show" / "sh010"
    png(shot / "plate.png", 1)
    png(tmp_path / "show" / "sh020" / "comp.png", 2)
    scan([tmp_path / "show"], ledger, settings)
    _locked(monkeypatch, shot)
    summary = scan([tmp_path / "show"], ledger, settings).to_dict()
    assert summary["problems"] == [
        {"path": str(shot), "reason": "cannot list folder: Permission denied"}
    ]
    assert summary["removed"] == 0
    assert "removed" not in [e.type for e in ledger.events.list()]
    assert str(shot / "plate.png") in ledger.locations.under(str(tmp_path))


def test_a_copy_of_a_file_the_scan_cannot_look_at_is_a_copy_not_a_move(
    tmp_path: Path, ledger: Ledger, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    plate = png(tmp_path / "locked" / "plate.png", 1)
    scan([plate], ledger, settings)
    shutil.copy(plate, tmp_path / "plate_copy.png")
    _locked(monkeypatch, tmp_path / "locked")
    summary = scan([tmp_path / "plate_copy.png"], ledger, settings).to_dict()
    assert (summary["copies"], summary["moved"]) == (1, 0)
    assert str(plate) in ledger.locations.under(str(tmp_path))


def test_a_scan_of_many_copies_of_one_content_loads_each_copy_once(
    tmp_path: Path, ledger: Ledger, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Each batch loaded and looked at every copy the earlier batches recorded: a first
    # scan of 50,000 empty files took 88 s, six times the 20,000's 14 s.
    root = tmp_path / "show"
    for shot in range(6):
        (root / f"sh{shot}").mkdir(parents=True)
        for i in range(10):
            (root / f"sh{shot}" / f"{i}.keep").write_bytes(b"")
    (root / "notes.txt").write_text("hello")
    small = Settings(db=settings.db, workers=2, batch_size=10)
    loaded = count_loaded_rows(monkeypatch)
    first = scan([root], ledger, small).to_dict()
    assert (first["newly_ingested"], first["copies"]) == (2, 59)
    assert sum(loaded) <= 10  # one batch's copies, once; each batch all earlier ones: 150
    (root / "moved").mkdir()
    (root / "sh0" / "0.keep").rename(root / "moved" / "0.keep")
    (root / "sh5" / "a.keep").write_bytes(b"")
    (root / "sh5" / "b.keep").write_bytes(b"")
    (root / "notes.txt").unlink()
    again = scan([root], ledger, small).to_dict()
    assert (again["moved"], again["copies"], again["removed"]) == (1, 2, 1)
    assert ledger.events.verify().ok
