"""Progress bars for long work: one bar per stage, each with its count, bytes and rates.

A scan walks, reads, then computes fingerprints and descriptions; an audit
hashes, then reads markers, checks near matches, regions and videos. Each
stage gets its own bar as it starts, and a finished stage's bar stays, full,
with its time, so a 20 s run shows where its 20 s went while it runs:

    walking       3,000 files    28.2 MiB                         0:00:00
    reading       3,000/3,000 files  28.2/28.2 MiB  1,052 files/s, 9.9 MiB/s  0:00:03
    fingerprints  1,204 pictures  ━━━━━━━━━━━━━━━━━━  85 pictures/s  0:00:14

What the bars say comes from :class:`~provenance.util.stages.StageTally`
(tested without a terminal); this module only draws it, on stderr, and only
when stderr is a terminal and no ``--json`` was asked for
(:func:`provenance.cli.options.progress_bar`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

from provenance.cli.options import progress_bar
from provenance.util.stages import Stage, StageTally

COLUMNS = (
    TextColumn("[progress.description]{task.description}"),
    BarColumn(bar_width=24),
    TextColumn("{task.fields[count]}"),
    TextColumn("{task.fields[size]}"),
    TextColumn("{task.fields[rate]}"),
    TimeElapsedColumn(),
)


class StageBars:
    """Draws a :class:`StageTally`: a bar per stage, added as the stage starts."""

    def __init__(self, bar: Progress, due: Callable[[], bool], tally: StageTally) -> None:
        self.bar, self.due, self.tally = bar, due, tally
        self.labels: dict[str, str] = {}
        self._tasks: dict[str, TaskID] = {}

    def begin(self, name: str, unit: str = "files", total: int | None = None,
              total_bytes: int | None = None) -> None:  # fmt: skip
        """Start stage ``name``, sized when its size is known."""
        self._draw(self.tally.begin(name, unit, total, total_bytes), now=True)

    def item(self, name: str, size: int = 0, unit: str = "files") -> None:
        """One more item of ``name`` done."""
        self._draw(self.tally.item(name, size, unit), now=self.due())

    def end(self, name: str) -> None:
        """``name`` is over: its bar is drawn full."""
        self._draw(self.tally.end(name), now=True)

    def _draw(self, stage: Stage, now: bool) -> None:
        task = self._tasks.get(stage.name)
        if task is None:
            for earlier in self._tasks.values():  # a new stage: the ones before it are over
                self._finish(earlier)
            label = self.labels.get(stage.name, stage.name)
            task = self._tasks[stage.name] = self.bar.add_task(
                label, total=None, count="", size="", rate=""
            )
        total = stage.total_bytes or stage.total
        completed = stage.bytes if stage.total_bytes else stage.done
        said = stage.fields()
        self.bar.update(task, total=total, completed=completed, refresh=now, count=said["count"],
                        size=said["size"], rate=said["rate"])  # fmt: skip

    def _finish(self, task: TaskID) -> None:
        shown = self.bar.tasks[task]  # drawn full, whatever it counted, and its clock stopped
        if not shown.finished:
            full = max(shown.total or shown.completed, 1)
            self.bar.update(task, total=full, completed=full)
            self.bar.stop_task(task)


@contextmanager
def stage_bars(labels: dict[str, str] | None = None, shown: bool = True) -> Iterator[StageBars]:
    """Bars on stderr for the stages of one run (drawn only on a terminal, and when ``shown``)."""
    with progress_bar(*COLUMNS, shown=shown) as (bar, due):
        bars = StageBars(bar, due, StageTally())
        bars.labels.update(labels or {})
        yield bars
