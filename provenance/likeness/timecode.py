"""SMPTE timecode: where a moment of a video sits on the editor's clock.

A programme's first frame is rarely 00:00:00:00: masters start at 01:00:00:00
or after bars and tone, and the file says so in its timecode track (read by
:mod:`provenance.likeness.sweep`). A moment ``seconds`` after the first frame
is that start plus ``round(seconds * rate)`` frames, counted at the
timecode's nominal rate (24, 25, 30...: 23.976 counts as 24).

**Drop frame.** At 29.97 and 59.94 frames a second, timecode written with a
``;`` before the frames skips frame numbers 0 and 1 (0 to 3 at 59.94) at the
start of every minute except each tenth, so the clock keeps up with real
time; SMPTE 12M's counting is followed here in both directions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_FORMAT = re.compile(r"^(\d{1,2}):(\d{2}):(\d{2})([:;.,])(\d{2,3})$")
ZERO = "00:00:00:00"


def is_timecode(text: str) -> bool:
    """Whether ``text`` reads as a timecode, ``HH:MM:SS:FF`` (``;`` or ``.`` for drop frame)."""
    return _FORMAT.match(text.strip()) is not None


class BadTimecode(ValueError):
    """A timecode string that is not ``HH:MM:SS:FF`` (or ``;`` for drop frame)."""


@dataclass(frozen=True)
class Clock:
    """A timecode clock: its nominal rate, whether it drops frames, and its first frame's count."""

    nominal: int
    drop: bool
    first: int

    @classmethod
    def of(cls, start: str | None, rate: float) -> Clock:
        """The clock of a video at ``rate`` whose first timecode is ``start`` (None: zero)."""
        nominal = max(1, round(rate))
        if not start:
            return cls(nominal, False, 0)
        match = _FORMAT.match(start.strip())
        if match is None:
            raise BadTimecode(f"not a timecode: {start!r}")
        hours, minutes, seconds, mark, frames = match.groups()
        drop = mark in ";," and nominal in (30, 60)
        clock = cls(nominal, drop, 0)
        count = ((int(hours) * 60 + int(minutes)) * 60 + int(seconds)) * nominal + int(frames)
        return cls(nominal, drop, count - clock._dropped_before(count))

    def at(self, seconds: float, rate: float) -> str:
        """The timecode shown ``seconds`` after the first frame of a video playing at ``rate``."""
        frame = self.first + max(0, round(seconds * rate))
        label = frame + self._dropped_labels(frame)
        per_hour = self.nominal * 3600
        label %= per_hour * 24
        hours, rest = divmod(label, per_hour)
        minutes, rest = divmod(rest, self.nominal * 60)
        seconds_part, frames = divmod(rest, self.nominal)
        mark = ";" if self.drop else ":"
        return f"{hours:02d}:{minutes:02d}:{seconds_part:02d}{mark}{frames:02d}"

    @property
    def _skip(self) -> int:
        return self.nominal // 15 if self.drop else 0  # 2 at 29.97, 4 at 59.94

    def _dropped_labels(self, frame: int) -> int:
        """How many labels were skipped before real frame ``frame`` (SMPTE 12M)."""
        if not self.drop:
            return 0
        skip = self._skip
        per_ten = self.nominal * 600 - 9 * skip  # real frames in ten minutes
        per_minute = self.nominal * 60 - skip
        tens, rest = divmod(frame, per_ten)
        extra = skip * 9 * tens
        if rest > skip:
            extra += skip * ((rest - skip) // per_minute)
        return extra

    def _dropped_before(self, label: int) -> int:
        """How many labels a drop-frame clock skipped before label count ``label``."""
        if not self.drop:
            return 0
        minutes = label // (self.nominal * 60)
        return self._skip * (minutes - minutes // 10)


def timecode(seconds: float, rate: float, start: str | None) -> str:
    """The timecode at ``seconds`` into a video at ``rate`` whose first frame is ``start``.

    A start that is not a timecode is ignored (counted from 00:00:00:00).
    """
    try:
        clock = Clock.of(start, rate)
    except BadTimecode:
        clock = Clock.of(None, rate)
    return clock.at(seconds, rate)
