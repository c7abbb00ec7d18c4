"""How far a video's packets reach, against the length its file states.

A master cut short where one packet ends and the next would begin decodes
without a single error: the demuxer finds no more bytes and ends the stream
as if it were whole. Only the length the file states (an MP4's track
duration, a Matroska segment's duration) says frames are missing. So a
sweep notes where every packet ends, and a video whose packets stop short
of the stated length was not fully seen (:meth:`Reach.short_of`).

**Whose length.** A track's own duration (MP4, MOV, MXF) is compared with
the end of that track's packets. A file that states one length for all its
streams (Matroska) is compared with the end of any stream's packets: its
sound may run on after the last picture, and that is not a cut.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from av.packet import Packet


@dataclass
class Reach:
    """Where the packets read so far end, in seconds from the video stream's start."""

    start: float  # the video stream's start, seconds in the file's own time
    video_index: int
    video: float | None = None  # the video stream's furthest packet end
    any: float | None = None  # any stream's

    def note(self, packet: Packet[Any]) -> bool:
        """Note where ``packet`` ends; whether it belongs to the video stream."""
        end = _end(packet)
        is_video = int(packet.stream.index) == self.video_index
        if end is not None:
            end -= self.start
            self.any = end if self.any is None else max(self.any, end)
            if is_video:
                self.video = end if self.video is None else max(self.video, end)
        return is_video

    def short_of(self, stated: float | None, own: bool, slack: float) -> str | None:
        """Why the packets did not reach the ``stated`` length (``own``: the track's), if so.

        ``slack`` is what may be missing without a sample being lost.
        """
        reached = self.video if own else self.any
        if stated is None or (reached is not None and reached >= stated - slack):
            return None
        where = "no frame" if reached is None else f"frames end at {reached:.1f} s"
        return f"its {where}, but the file says it lasts {stated:.1f} s (cut short?)"


def _end(packet: Packet[Any]) -> float | None:
    """Where ``packet`` stops being shown, in seconds of the file's own time."""
    if packet.pts is None or packet.time_base is None:
        return None
    return float((packet.pts + (packet.duration or 0)) * packet.time_base)
