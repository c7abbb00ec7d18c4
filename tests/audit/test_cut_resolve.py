"""Resolving clips to files: frame patterns (hypothesis), image sequences, the roots."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from pathlib import Path

import opentimelineio as otio
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from provenance.audit.cut_read import CutClip
from provenance.audit.cut_resolve import Resolver
from provenance.errors import OutsideRoots
from provenance.store import Ledger
from tests.support.cuts import RATE, external, span

COUNTER = itertools.count()


def as_cut_clip(item: otio.schema.Clip) -> CutClip:
    """A clip as the reader makes it (record at 01:00:00:00)."""
    return CutClip("V1", "video", 1, item.name, span(86400, 1), item.source_range, item)


STYLES: dict[str, Callable[[int], str]] = {
    "printf": lambda pad: f"%0{pad}d",
    "hash": lambda pad: "#" * pad,
    "at": lambda pad: "@" * pad,
    "houdini": lambda pad: f"$F{pad}",
}


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(style=st.sampled_from(sorted(STYLES)), pad=st.integers(1, 6),
       first=st.integers(0, 5000), count=st.integers(1, 12))  # fmt: skip
def test_a_frame_pattern_resolves_to_exactly_the_frames_used(
    ledger: Ledger, tmp_path: Path, style: str, pad: int, first: int, count: int
) -> None:
    folder = tmp_path / f"case{next(COUNTER)}"
    folder.mkdir()
    expected = [folder / f"shot.{n:0{pad}d}.exr" for n in range(first, first + count)]
    for path in [*expected, folder / f"shot.{first + count:0{pad}d}.exr"]:
        path.write_bytes(b"frame")
    item = external("shot", f"shot.{STYLES[style](pad)}.exr", frames=count, start=first)
    [resolved] = Resolver(folder, (), ledger).resolve_all([as_cut_clip(item)])
    assert resolved.unresolved is None
    assert list(resolved.files) == expected
    assert resolved.frames == (first, first + count - 1)


def test_an_image_sequence_counts_images_from_its_start_frame(
    ledger: Ledger, tmp_path: Path
) -> None:
    for n in range(1001, 1011, 2):  # every other frame rendered: frame_step 2
        (tmp_path / f"comp.{n:04d}.exr").write_bytes(b"frame")
    ref = otio.schema.ImageSequenceReference(
        target_url_base=str(tmp_path), name_prefix="comp.", name_suffix=".exr",
        start_frame=1001, frame_step=2, frame_zero_padding=4, rate=RATE,
        available_range=span(0, 10),
    )  # fmt: skip
    item = otio.schema.Clip(name="comp", media_reference=ref, source_range=span(2, 4))
    [resolved] = Resolver(tmp_path, (), ledger).resolve_all([as_cut_clip(item)])
    assert [p.name for p in resolved.files] == ["comp.1003.exr", "comp.1005.exr"]


def test_a_sequence_with_a_missing_frame_blocks_naming_it(ledger: Ledger, tmp_path: Path) -> None:
    for n in (1001, 1003):
        (tmp_path / f"shot.{n}.exr").write_bytes(b"frame")
    item = external("shot", "shot.####.exr", frames=3, start=1001)
    [resolved] = Resolver(tmp_path, (), ledger).resolve_all([as_cut_clip(item)])
    assert resolved.unresolved is not None
    assert "shot.1002.exr" in resolved.unresolved


@pytest.mark.parametrize("url", ["../outside.png", "sub/../../outside.png", "/etc/passwd"])
def test_paths_that_climb_out_of_the_roots_are_refused(
    ledger: Ledger, tmp_path: Path, url: str
) -> None:
    show = tmp_path / "show"
    (show / "sub").mkdir(parents=True)
    (tmp_path / "outside.png").write_bytes(b"x")
    with pytest.raises(OutsideRoots, match="clip 'stray' on V1 at 01:00:00:00"):
        Resolver(show, (), ledger).resolve_all([as_cut_clip(external("stray", url))])


def test_a_root_lets_media_in(ledger: Ledger, tmp_path: Path) -> None:
    show, media = tmp_path / "show", tmp_path / "media"
    show.mkdir()
    media.mkdir()
    (media / "a.png").write_bytes(b"x")
    [resolved] = Resolver(show, (media,), ledger).resolve_all(
        [as_cut_clip(external("a", "../media/a.png"))]
    )
    assert resolved.files == (media / "a.png",)
