"""MPEG transport streams: whether the file ends on a whole packet.

A transport stream (``.ts``, ``.m2ts``, ``.mts``) is a run of fixed-size
packets, 188 bytes each starting with the sync byte ``0x47``, or 192 bytes
where a 4-byte arrival time comes first (Blu-ray and AVCHD's M2TS). It has
no index and states no length: a stream cut short decodes as a shorter one,
and its lost pictures are never missed. The one trace a cut leaves is a last
packet that is not whole, which :func:`read_ts` reports as damage.

A file is taken for a transport stream only when three packets in a row
start with the sync byte: one ``G`` at the start is not enough.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from provenance.files.opening import open_regular, stream_size

SYNC = b"G"  # 0x47
# (packet size, where the sync byte sits in it)
LAYOUTS = ((188, 0), (192, 4))
IN_STEP = 3


@dataclass
class TsInfo:
    """What :func:`read_ts` found: damage, and (never) limits reached."""

    problems: list[str] = field(default_factory=list)
    limits: list[str] = field(default_factory=list)


def could_be_ts(head: bytes) -> bool:
    """Whether the first bytes could open a transport stream (:func:`read_ts` checks on)."""
    return any(head[at : at + 1] == SYNC for _, at in LAYOUTS)


def read_ts(path: Path) -> TsInfo:
    """Damage when ``path`` is a transport stream whose last packet is not whole."""
    found = TsInfo()
    with open_regular(path) as stream:
        size = stream_size(stream)
        for packet, at in LAYOUTS:
            if _in_step(stream, packet, at):
                rest = size % packet
                if rest:
                    found.problems.append(
                        f"MPEG-TS cut short: its last packet has {rest} of {packet} bytes"
                    )
                break
    return found


def _in_step(stream: BinaryIO, packet: int, at: int) -> bool:
    for k in range(IN_STEP):
        stream.seek(at + k * packet)
        if stream.read(1) != SYNC:
            return False
    return True
