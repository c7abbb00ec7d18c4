"""Readers that take what another reader's walk found in the same pass give what their own
walk gives (hypothesis), and the pass does not read the file for them again."""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from provenance.detectors import sidecars
from provenance.files.formats import FormatProblem, png
from provenance.files.formats.once import parsed_once
from provenance.files.formats.tiff_file import ifd0_of, read_ifd0, walk_ifd_chain

_TYPES = [b"IHDR", b"tEXt", b"zTXt", b"iTXt", b"caBX", b"eXIf", b"IDAT", b"IEND", b"x\x00yz"]


def _chunk(ctype: bytes, payload: bytes, *, declared: int | None = None) -> bytes:
    size = len(payload) if declared is None else declared
    crc = zlib.crc32(payload, zlib.crc32(ctype))
    return struct.pack(">I4s", size, ctype) + payload + struct.pack(">I", crc)


_CHUNKS = st.lists(
    st.tuples(
        st.sampled_from(_TYPES),
        st.binary(max_size=30),
        st.one_of(st.none(), st.integers(0, 1 << 31)),  # a declared length that may lie
    ),
    max_size=12,
)


@settings(max_examples=300, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(chunks=_CHUNKS, cut=st.integers(0, 400))
def test_the_index_taken_from_the_walk_is_the_index_walked(
    tmp_path: Path, chunks: list[tuple[bytes, bytes, int | None]], cut: int
) -> None:
    body = b"".join(_chunk(t, p, declared=d) for t, p, d in chunks)
    data = (png.SIGNATURE + body)[: len(png.SIGNATURE) + cut] if cut < 400 else png.SIGNATURE + body
    path = tmp_path / "a.png"
    path.write_bytes(data)
    alone = png.index_chunks(io.BytesIO(data))
    with parsed_once():
        png.read_png(path)
        taken = png.chunk_index(path)
    assert taken == alone


def test_the_index_does_not_walk_the_file_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "a.png"
    path.write_bytes(png.SIGNATURE + _chunk(b"IHDR", bytes(13)) + _chunk(b"caBX", b"x")
                     + _chunk(b"IEND", b""))  # fmt: skip
    with parsed_once():
        png.read_png(path)
        monkeypatch.setattr(png, "index_chunks", _refused)
        refs, problems, limits = png.chunk_index(path)
    assert [r.ctype for r in refs] == [b"IHDR", b"caBX"] and not problems and not limits


def test_outside_a_pass_or_without_the_walk_the_index_walks_on_its_own(tmp_path: Path) -> None:
    path = tmp_path / "a.png"
    path.write_bytes(png.SIGNATURE + _chunk(b"caBX", b"x"))
    assert [r.ctype for r in png.chunk_index(path)[0]] == [b"caBX"]
    with parsed_once():
        refs, problems, _ = png.chunk_index(path)
    assert [r.ctype for r in refs] == [b"caBX"] and problems == [png.TRUNCATED]
    path.write_bytes(b"not a png")
    with parsed_once():
        with pytest.raises(FormatProblem):
            png.read_png(path)
        with pytest.raises(FormatProblem):  # the failed walk is not taken for an index
            png.chunk_index(path)


def _refused(_: object) -> object:
    raise AssertionError("walked again")


_ENTRY = st.tuples(
    st.integers(0, 0xFFFF),
    st.sampled_from([1, 2, 3, 4, 5, 7]),
    st.integers(0, 1 << 20),
    st.integers(0, 1 << 20),
)


@settings(max_examples=300, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(big=st.booleans(), entries=st.lists(_ENTRY, max_size=20), tail=st.integers(0, 3000),
       nxt=st.integers(0, 4000))  # fmt: skip
def test_the_chain_with_ifd0_given_is_the_chain_read(
    tmp_path: Path, big: bool, entries: list[tuple[int, int, int, int]], tail: int, nxt: int
) -> None:
    endian = ">" if big else "<"
    table = b"".join(struct.pack(endian + "HHII", *entry) for entry in entries)
    header = (b"MM\x00*" if big else b"II*\x00") + struct.pack(endian + "I", 8)
    data = header + struct.pack(endian + "H", len(entries)) + table
    data += struct.pack(endian + "I", nxt) + bytes(tail)
    path = tmp_path / "a.tif"
    path.write_bytes(data)
    alone = walk_ifd_chain(io.BytesIO(data), len(data))
    given_ifd0 = walk_ifd_chain(io.BytesIO(data), len(data), read_ifd0(io.BytesIO(data)))
    assert given_ifd0 == alone
    with parsed_once():
        assert walk_ifd_chain(io.BytesIO(data), len(data), ifd0_of(path)) == alone


def test_a_file_s_sidecar_lookups_list_its_folder_once_a_pass(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "a.png"
    path.write_bytes(b"x")
    (tmp_path / "a.png.json").write_text("{}")
    (tmp_path / "a.xmp").write_text("<x/>")
    listed: list[Path] = []
    real = sidecars.folder_names

    def listing(folder: Path) -> frozenset[str]:
        listed.append(folder)
        return real(folder)

    monkeypatch.setattr(sidecars, "folder_names", listing)
    with parsed_once():
        found = [sidecars.sidecar_paths(path, s) for s in (".json", ".xmp", ".c2pa")]
    assert found == [[tmp_path / "a.png.json"], [tmp_path / "a.xmp"], []]
    assert listed == [tmp_path]
    sidecars.sidecar_paths(path, ".json")
    sidecars.sidecar_paths(path, ".xmp")
    assert len(listed) == 3  # outside a pass, each lookup looks
