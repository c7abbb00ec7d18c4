"""What a long run has done so far, stage by stage: counts, bytes, rates and times.

A scan reads files (counting bytes), then works through a likeness stage made
of steps (fingerprints, descriptions, region checks, master sweeps); an audit
hashes, then reads markers, checks near matches, regions and videos. Each
stage, or step, reports one item at a time as it finishes it.
:class:`StageTally` keeps, for each, how many items are done (of how many,
when known), how many bytes, and how long it took, in the order they ran.

A stage's time runs from the moment the previous one ended (or the tally
started) to its own last item: told only "one more item of step X" after
each item, the tally charges the time since the last report to X, so the
times of consecutive steps add up to the run's time so far, and a step that
needs a while before its first item is not credited to the one before.

Nothing here prints: the CLI draws the bars (:mod:`provenance.cli.progress`)
and the summaries show the times.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass


def no_tick() -> None:
    """Nothing: the progress report of a caller that shows none."""


def human_bytes(count: float) -> str:
    """1536 -> '1.5 KiB'."""
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if count < 1024 or unit == "TiB":
            return f"{count:.0f} {unit}" if unit == "B" else f"{count:.1f} {unit}"
        count /= 1024
    return f"{count:.1f} TiB"


@dataclass
class Stage:
    """One stage (or step) of a run: what it counts, how far it is, and its time so far."""

    name: str
    unit: str = "files"
    total: int | None = None
    total_bytes: int | None = None
    done: int = 0
    bytes: int = 0
    seconds: float = 0.0

    @property
    def per_second(self) -> float:
        """Items per second so far (0 before the first second's worth of time)."""
        return self.done / self.seconds if self.seconds > 0 else 0.0

    @property
    def bytes_per_second(self) -> float:
        """Bytes per second so far."""
        return self.bytes / self.seconds if self.seconds > 0 else 0.0

    def fields(self) -> dict[str, str]:
        """The stage as a progress bar's columns say it: count, bytes and rates, in words.

        ``{"count": "2,561/3,000 files", "size": "25.3/29.6 MiB",
        "rate": "1,052 files/s, 9.9 MiB/s"}``; what is not known is empty.
        """
        if not self.unit:  # a stage timed, not counted: its bar shows its time alone
            return {"count": "", "size": "", "rate": ""}
        count = f"{self.done:,}" + (f"/{self.total:,}" if self.total is not None else "")
        rate = f"{_figure(self.per_second)} {self.unit}/s" if self.seconds > 0 and self.done else ""
        if rate and self.bytes:
            rate += f", {human_bytes(self.bytes_per_second)}/s"
        return {"count": f"{count} {self.unit}", "size": self._size(), "rate": rate}

    def _size(self) -> str:
        done = human_bytes(self.bytes)
        if not self.total_bytes:
            return done if self.bytes else ""
        whole = human_bytes(self.total_bytes)
        number, unit = done.split(" ")
        return f"{number}/{whole}" if whole.endswith(f" {unit}") else f"{done}/{whole}"

    def to_dict(self) -> dict[str, object]:
        """JSON form: the stage's name, unit, count, bytes and seconds."""
        return {"stage": self.name, "unit": self.unit, "count": self.done,
                "bytes": self.bytes, "seconds": round(self.seconds, 3)}  # fmt: skip


class StageTally:
    """The stages of one run, in the order they ran; ``clock`` is injectable for tests."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._last = clock()
        self.stages: dict[str, Stage] = {}

    def begin(
        self, name: str, unit: str = "files", total: int | None = None,
        total_bytes: int | None = None,
    ) -> Stage:  # fmt: skip
        """Start ``name`` (or say how big it is), charging the time since the last report to it."""
        stage = self._charge(name, unit)
        stage.total, stage.total_bytes = total, total_bytes
        return stage

    def item(self, name: str, size: int = 0, unit: str = "files") -> Stage:
        """One more item of ``name`` done (of ``size`` bytes): the stage as it stands now."""
        stage = self._charge(name, unit)
        stage.done += 1
        stage.bytes += size
        return stage

    def end(self, name: str) -> Stage:
        """``name`` is over: the time since the last report is its own; its total is its count."""
        stage = self._charge(name, "files")
        stage.total = stage.done
        return stage

    @property
    def seconds(self) -> float:
        """All the stages' time together."""
        return sum(stage.seconds for stage in self.stages.values())

    def _charge(self, name: str, unit: str) -> Stage:
        now = self._clock()
        stage = self.stages.get(name)
        if stage is None:
            stage = self.stages[name] = Stage(name, unit)
        stage.seconds += now - self._last
        self._last = now
        return stage


def _figure(value: float) -> str:
    """A rate as people read it: ``1,067``, or ``4.2`` below ten."""
    return f"{value:,.0f}" if value >= 10 else f"{value:.1f}"
