"""Regular files only, decided at open time: a swapped file is refused, never waited on."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import pytest

from provenance.classify import classify_file
from provenance.errors import UnreadableFile
from provenance.files.hashing import sha256_file
from provenance.files.media import read_facts
from provenance.files.opening import NotRegularFile, open_regular, read_head
from provenance.settings import Settings
from tests.support.files import png
from tests.support.hostile import swap_for_dev_zero, swap_for_fifo

PACKAGE = Path(__file__).resolve().parents[2] / "provenance"
T = TypeVar("T")
SWAPS = {"fifo": swap_for_fifo, "dev-zero": swap_for_dev_zero}


def _in_time(work: Callable[[], T], seconds: float = 20.0) -> T:
    """``work()`` on a thread; fails the test if it has not returned in time (it would hang)."""
    box: dict[str, object] = {}

    def run() -> None:
        try:
            box["value"] = work()
        except BaseException as exc:
            box["error"] = exc

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), "a reader waited on a file that is not a regular file"
    if "error" in box:
        raise box["error"]  # type: ignore[misc]
    return box["value"]  # type: ignore[return-value]


def test_a_regular_file_opens(tmp_path: Path) -> None:
    path = png(tmp_path / "a.png", 1)
    with open_regular(path) as stream:
        assert stream.read(8) == b"\x89PNG\r\n\x1a\n"
    assert read_head(path, 4) == b"\x89PNG"


@pytest.mark.parametrize("swap", SWAPS)
def test_a_swapped_file_is_refused_at_open(tmp_path: Path, swap: str) -> None:
    path = SWAPS[swap](png(tmp_path / "a.png", 1))
    with pytest.raises(NotRegularFile, match="not a regular file"):
        _in_time(lambda: open_regular(path))


def test_a_link_is_refused_when_links_are_not_wanted(tmp_path: Path) -> None:
    target = png(tmp_path / "a.png", 1)
    (tmp_path / "link.png").symlink_to(target)
    with pytest.raises(OSError):
        open_regular(tmp_path / "link.png", follow=False)
    open_regular(tmp_path / "link.png").close()


@pytest.mark.parametrize("swap", SWAPS)
def test_hashing_a_swapped_file_is_a_reason(tmp_path: Path, swap: str) -> None:
    path = SWAPS[swap](png(tmp_path / "a.png", 1))
    with pytest.raises(UnreadableFile, match="not a regular file"):
        _in_time(lambda: sha256_file(path))


@pytest.mark.parametrize("swap", SWAPS)
def test_media_facts_of_a_swapped_file_are_refused(tmp_path: Path, swap: str) -> None:
    path = SWAPS[swap](png(tmp_path / "a.png", 1))
    with pytest.raises(NotRegularFile):
        _in_time(lambda: read_facts(path, 100))


@pytest.mark.parametrize("swap", SWAPS)
@pytest.mark.parametrize("name", ["a.png", "a.jpg", "a.mp4", "a.wav", "a.mp3", "a.tif"])
def test_every_detector_refuses_a_swapped_file(tmp_path: Path, swap: str, name: str) -> None:
    # The facts were read before the swap: every detector now opens a FIFO or /dev/zero.
    path = png(tmp_path / "source.png", 1).rename(tmp_path / name)
    facts = read_facts(path, path.stat().st_size)
    SWAPS[swap](path)
    _, result = _in_time(lambda: classify_file(path, Settings(), facts=facts))
    assert result.verdict in ("unknown", "unreadable")


# Reading content by path anywhere but the opener would bypass its checks.
_BYPASS = re.compile(
    r"\.open\(\s*\"rb\"|read_bytes\(\)|Image\.open\(\s*path|mutagen\.File\(\s*path"
)
_READERS = ("files", "detectors", "ingest", "classify.py")


def test_no_reader_of_content_bypasses_the_opener() -> None:
    offenders = []
    for room in _READERS:
        base = PACKAGE / room
        for module in [base] if base.is_file() else sorted(base.rglob("*.py")):
            for number, line in enumerate(module.read_text().splitlines(), 1):
                if _BYPASS.search(line):
                    offenders.append(f"{module.relative_to(PACKAGE)}:{number}: {line.strip()}")
    assert offenders == []
