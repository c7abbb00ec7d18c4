"""One walk of a container per pass: :mod:`provenance.files.formats.once`."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from provenance.audit.markers import mark_files
from provenance.classify import classify_file
from provenance.files import opening as opening_module
from provenance.files.formats import FormatProblem
from provenance.files.formats import jpeg as jpeg_module
from provenance.files.formats import png as png_module
from provenance.files.formats.jpeg import read_jpeg
from provenance.files.formats.once import once, parsed_once
from provenance.ingest.guarded import classified
from provenance.settings import Settings


def _counted(calls: list[Path], fail: bool = False) -> Callable[[Path], str]:
    @once
    def reader(path: Path) -> str:
        calls.append(path)
        if fail:
            raise FormatProblem(f"not a container: {path.name}")
        return path.read_text()

    return reader


def test_inside_a_pass_each_file_is_walked_once(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    a.write_text("one")
    b.write_text("two")
    calls: list[Path] = []
    reader = _counted(calls)
    with parsed_once():
        assert [reader(a), reader(b), reader(a), reader(b)] == ["one", "two", "one", "two"]
    assert calls == [a, b]


def test_outside_a_pass_every_call_reads_the_file_afresh(tmp_path: Path) -> None:
    path = tmp_path / "a"
    path.write_text("before")
    calls: list[Path] = []
    reader = _counted(calls)
    assert reader(path) == "before"
    path.write_text("after")
    assert reader(path) == "after"
    with parsed_once():
        assert reader(path) == "after"
    path.write_text("later")
    with parsed_once():  # a new pass walks it again
        assert reader(path) == "later"
    assert len(calls) == 4


def test_a_failed_walk_fails_again_for_every_caller_without_walking_again(tmp_path: Path) -> None:
    path = tmp_path / "broken"
    path.write_text("x")
    calls: list[Path] = []
    reader = _counted(calls, fail=True)
    with parsed_once():
        for _ in range(3):
            with pytest.raises(FormatProblem, match="not a container: broken"):
                reader(path)
    assert calls == [path]


def test_a_nested_pass_shares_the_outer_one(tmp_path: Path) -> None:
    path = tmp_path / "a"
    path.write_text("x")
    calls: list[Path] = []
    reader = _counted(calls)
    with parsed_once():
        reader(path)
        with parsed_once():
            reader(path)
        reader(path)
    assert calls == [path]


def test_another_thread_has_no_share_in_a_pass(tmp_path: Path) -> None:
    path = tmp_path / "a"
    path.write_text("x")
    calls: list[Path] = []
    reader = _counted(calls)
    with parsed_once():
        reader(path)
        worker = threading.Thread(target=reader, args=(path,))
        worker.start()
        worker.join(timeout=10)
    assert calls == [path, path]


def test_classifying_a_jpeg_walks_its_segments_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from PIL import Image

    path = tmp_path / "plate.jpg"
    Image.new("RGB", (16, 16), (40, 80, 120)).save(path, "JPEG")
    walks: list[int] = []
    walk = jpeg_module.read_jpeg_stream

    def counted(stream: object) -> object:
        walks.append(1)
        return walk(stream)  # type: ignore[arg-type]

    monkeypatch.setattr(jpeg_module, "read_jpeg_stream", counted)
    facts, result = classify_file(path, Settings())
    assert facts.format == "jpeg" and result.verdict == "unknown"
    assert len(walks) == 1  # facts, EXIF, XMP, C2PA and generator comments share one walk
    read_jpeg(path)
    read_jpeg(path)
    assert len(walks) == 3  # and outside the pass, every call walks again


def _walks_counted(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Count the walks of JPEG segments and PNG chunks, and the reads of a file's first bytes."""
    walks: list[str] = []
    for module, name in ((jpeg_module, "read_jpeg_stream"), (png_module, "read_png_stream")):
        walk = getattr(module, name)

        def counted(
            stream: object, walk: Callable[[object], object] = walk, name: str = name
        ) -> object:
            walks.append(name)
            return walk(stream)

        monkeypatch.setattr(module, name, counted)
    head = opening_module.read_head

    def counted_head(path: Path, size: int) -> bytes:
        walks.append("head")
        return head(path, size)

    monkeypatch.setattr(opening_module, "read_head", counted_head)
    return walks


@pytest.mark.parametrize("suffix", ["jpg", "png"])
@pytest.mark.parametrize("run", ["audit markers", "scan"])
def test_the_facts_and_the_detectors_share_one_walk(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, suffix: str, run: str
) -> None:
    from PIL import Image

    path = tmp_path / f"plate.{suffix}"
    Image.new("RGB", (16, 16), (40, 80, 120)).save(path)
    walks = _walks_counted(monkeypatch)
    if run == "scan":
        facts, result = classified(path, Settings(), path.stat().st_size)
        assert (facts.width, result.verdict) == (16, "unknown")
    else:
        assert mark_files(Settings(), [(path, path.stat().st_size)]) == [("unknown", None, None)]
    walker = "read_jpeg_stream" if suffix == "jpg" else "read_png_stream"
    assert sorted(walks) == sorted(["head", walker])  # once each, for the facts and detectors
