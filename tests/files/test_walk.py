"""Walking folders: nothing below a root is left out without a reason, however deep."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from provenance.files.walk import NAME_MAX, TOO_LONG, Skipped, path_too_long, tree, walk
from provenance.settings import Settings
from tests.support.hostile_archives import chain, deep_tree, unchain, unlistable


def test_a_tree_deeper_than_path_max_is_skipped_with_the_reason(tmp_path: Path) -> None:
    top = deep_tree(tmp_path / "root")
    (tmp_path / "root" / "ok.txt").write_bytes(b"x")
    found = list(walk([tmp_path / "root"], Settings(db="sqlite://")))
    assert tmp_path / "root" / "ok.txt" in found
    skipped = [s for s in found if isinstance(s, Skipped)]
    assert len(skipped) == 1 and skipped[0].reason == TOO_LONG
    assert top in skipped[0].path.parents


def test_nesting_deeper_than_python_recursion_is_walked(tmp_path: Path) -> None:
    levels = sys.getrecursionlimit() + 200
    chain(tmp_path, levels)
    try:
        (found,) = tree(tmp_path)
    finally:
        unchain(tmp_path, levels)
    assert not isinstance(found, Skipped) and found[0].name == "leaf"


def test_an_unlistable_folder_is_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "secret").mkdir()
    (tmp_path / "secret" / "gen.png").write_bytes(b"png")
    with unlistable(tmp_path / "secret", monkeypatch):
        found = list(tree(tmp_path))
    assert found == [Skipped(tmp_path / "secret", "cannot list folder: Permission denied")]


def test_a_name_past_name_max_is_too_long() -> None:
    assert path_too_long(Path("/tmp") / ("x" * (NAME_MAX + 1)))
    assert not path_too_long(Path("/tmp") / ("x" * NAME_MAX))


def test_a_file_named_through_several_roots_is_walked_once(tmp_path: Path) -> None:
    show = tmp_path / "show"
    plate = show / "sh010" / "plate.exr"
    plate.parent.mkdir(parents=True)
    plate.write_bytes(b"plate")
    (show / "notes.txt").write_bytes(b"notes")
    (show / "link").symlink_to(show / "sh010")  # not walked: what it holds is named alone
    (show / ".cache").mkdir()  # ignored, but a file in it named alone is taken
    (show / ".cache" / "frame.exr").write_bytes(b"frame")
    roots = [show, show / "sh010", plate, tmp_path / "x" / ".." / "show",
             show / "link" / "plate.exr", show / ".cache" / "frame.exr",
             show / "missing.exr"]  # fmt: skip
    found = list(walk(roots, Settings(db="sqlite://", ignore=(".*",))))
    files = [item for item in found if isinstance(item, Path)]
    assert files == [show / "notes.txt", plate, show / "link" / "plate.exr",
                     show / ".cache" / "frame.exr"]  # fmt: skip
    assert [item.path for item in found if isinstance(item, Skipped)] == [
        show / "link",
        show / "missing.exr",
    ]
