"""IFD0's entry table read in one unpack is the table read entry by entry (hypothesis)."""

from __future__ import annotations

import io
import struct

from hypothesis import given
from hypothesis import strategies as st

from provenance.files.formats.tiff_file import _TYPE_SIZES, IfdEntry, read_ifd0


def _one_by_one(table: bytes, endian: str) -> dict[int, IfdEntry]:
    # The reading this replaced: each 12-byte entry unpacked on its own.
    found = {}
    for i in range(0, len(table), 12):
        raw = table[i : i + 12]
        tag, kind, count = struct.unpack(endian + "HHI", raw[:8])
        size = _TYPE_SIZES.get(kind, 1) * count
        offset = struct.unpack(endian + "I", raw[8:12])[0]
        found[tag] = IfdEntry(kind, count, size, raw[8 : 8 + size] if size <= 4 else b"", offset)
    return found


@given(
    big=st.booleans(),
    entries=st.lists(
        st.tuples(
            st.integers(0, 0xFFFF),
            st.sampled_from([0, 1, 2, 3, 4, 5, 7, 11, 16, 99]),
            st.sampled_from([0, 1, 2, 3, 4, 5, 1 << 31]),
            st.binary(min_size=4, max_size=4),
        ),
        max_size=40,
    ),
)
def test_every_entry_reads_as_it_did_one_by_one(
    big: bool, entries: list[tuple[int, int, int, bytes]]
) -> None:
    endian = ">" if big else "<"
    table = b"".join(struct.pack(endian + "HHI4s", *entry) for entry in entries)
    header = (b"MM\x00*" if big else b"II*\x00") + struct.pack(endian + "I", 8)
    data = header + struct.pack(endian + "H", len(entries)) + table
    ifd = read_ifd0(io.BytesIO(data))
    assert ifd.big_endian is big
    assert ifd.entries == _one_by_one(table, endian)
