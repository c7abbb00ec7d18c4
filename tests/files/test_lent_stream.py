"""One descriptor per file per pass, lent to each reader in turn (:class:`LentStream`)."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from provenance.classify import classify_file
from provenance.files import opening as opening_module
from provenance.files.formats.once import parsed_once
from provenance.files.opening import LentStream, open_regular
from provenance.settings import Settings
from tests.support.files import A1111, png


def _opens_counted(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    opened: list[str] = []
    real = opening_module.open_fd

    def counted(path: str | os.PathLike[str], *, follow: bool = True) -> tuple[int, os.stat_result]:
        opened.append(os.fspath(path))
        return real(path, follow=follow)

    monkeypatch.setattr(opening_module, "open_fd", counted)
    return opened


def test_readers_in_a_pass_share_one_descriptor_each_from_the_start(tmp_path: Path) -> None:
    path = tmp_path / "a.bin"
    path.write_bytes(bytes(range(256)) * 64)
    with parsed_once():
        with open_regular(path) as first:
            first.seek(5000)
            assert first.read(3) == bytes([5000 % 256, 5001 % 256, 5002 % 256])
        with open_regular(path) as second:
            assert second is first  # the same stream, lent again
            assert second.tell() == 0
            assert second.read(4) == bytes([0, 1, 2, 3])
        assert not first.closed  # given back, kept for the pass
    assert first.closed  # released when the pass ends


def test_a_reader_inside_another_gets_a_descriptor_of_its_own(tmp_path: Path) -> None:
    path = tmp_path / "a.bin"
    path.write_bytes(b"0123456789" * 1000)
    with parsed_once(), open_regular(path) as outer:
        outer.seek(10)
        with open_regular(path) as inner:
            assert inner is not outer
            assert not isinstance(inner, LentStream)
            assert inner.read(3) == b"012"
        assert inner.closed
        assert outer.read(3) == b"012"  # the enclosing reader's place is untouched


def test_outside_a_pass_every_open_is_a_stream_of_its_own(tmp_path: Path) -> None:
    path = tmp_path / "a.bin"
    path.write_bytes(b"x" * 100)
    with open_regular(path) as first:
        pass
    with open_regular(path) as second:
        assert second is not first
        assert type(second) is io.BufferedReader
    assert first.closed
    assert second.closed


def test_a_stream_closed_for_good_by_its_reader_is_not_lent_again(tmp_path: Path) -> None:
    path = tmp_path / "a.bin"
    path.write_bytes(b"abc")
    with parsed_once():
        first = open_regular(path)
        first.close()  # given back
        first.close()  # not lent: a real close (a stale wrapper's, say)
        assert first.closed
        with open_regular(path) as second:
            assert second is not first
            assert second.read() == b"abc"


def test_a_pass_that_fails_releases_its_descriptors(tmp_path: Path) -> None:
    path = tmp_path / "a.bin"
    path.write_bytes(b"abc")
    held: list[io.BufferedReader] = []
    with pytest.raises(RuntimeError, match="a reader failed"), parsed_once():
        held.append(open_regular(path))  # never given back
        raise RuntimeError("a reader failed")
    assert held[0].closed


def test_links_are_never_lent(tmp_path: Path) -> None:
    # follow=False asks for O_NOFOLLOW on this open: a lent stream, opened before, cannot vouch.
    path = tmp_path / "a.bin"
    path.write_bytes(b"abc")
    with parsed_once(), open_regular(path) as lent, open_regular(path, follow=False) as own:
        assert own is not lent


def test_classifying_a_file_opens_it_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = png(tmp_path / "gen.png", 3, A1111)
    opened = _opens_counted(monkeypatch)
    _, result = classify_file(path, Settings())
    assert result.verdict == "genai"
    assert opened.count(os.fspath(path)) == 1


@settings(max_examples=60, deadline=None)
@given(
    content=st.binary(min_size=1, max_size=40_000),
    reads=st.lists(
        st.tuples(st.integers(min_value=0, max_value=45_000), st.integers(0, 20_000)),
        min_size=1,
        max_size=6,
    ),
)
def test_every_lend_reads_what_a_fresh_open_reads(
    tmp_path_factory: pytest.TempPathFactory, content: bytes, reads: list[tuple[int, int]]
) -> None:
    path = tmp_path_factory.mktemp("lent") / "f.bin"
    path.write_bytes(content)
    with parsed_once():
        for offset, size in reads:
            with open_regular(path) as stream:
                first = stream.read(7)  # every reader starts at the file's start
                stream.seek(offset)
                got = stream.read(size)
            assert first == content[:7]
            assert got == content[offset : offset + size]


def test_a_descriptor_that_fails_to_close_leaves_the_pass_answer_standing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "a.bin"
    path.write_bytes(b"abc")

    def failing(self: LentStream) -> None:
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(LentStream, "release", failing)
    with parsed_once(), open_regular(path) as stream:
        assert stream.read() == b"abc"  # and the pass ends without raising
