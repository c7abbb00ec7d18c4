"""The handler: events become hints; it never raises and never waits forever."""

from __future__ import annotations

from pathlib import Path

import pytest
from watchdog.events import (
    DirCreatedEvent,
    DirDeletedEvent,
    DirModifiedEvent,
    DirMovedEvent,
    FileClosedEvent,
    FileClosedNoWriteEvent,
    FileCreatedEvent,
    FileDeletedEvent,
    FileModifiedEvent,
    FileMovedEvent,
    FileOpenedEvent,
    FileSystemEvent,
)

from provenance.settings import Settings, WatchRootConfig
from provenance.watchers import handler as handler_module
from provenance.watchers.backends import INOTIFY, POLLING
from provenance.watchers.handler import HintHandler
from provenance.watchers.hints import Hint
from provenance.watchers.queue import BoundedQueue
from provenance.watchers.roots import resolve_root

R = "/jobs"


def make(size: int = 100) -> tuple[HintHandler, BoundedQueue[Hint], list[tuple[str, str]]]:
    spec = resolve_root(WatchRootConfig(path=R), Settings(db="sqlite://"), [], INOTIFY)
    hints: BoundedQueue[Hint] = BoundedQueue(size)
    losses: list[tuple[str, str]] = []
    return HintHandler(spec, hints, lambda r, w: losses.append((r, w)), lambda: None), hints, losses


@pytest.mark.parametrize(
    ("event", "expected"),
    [
        (FileCreatedEvent(f"{R}/a.exr"), [("changed", f"{R}/a.exr")]),
        (FileModifiedEvent(f"{R}/a.exr"), [("written", f"{R}/a.exr")]),  # its close will come
        (FileClosedEvent(f"{R}/a.exr"), [("closed", f"{R}/a.exr")]),
        (FileDeletedEvent(f"{R}/a.exr"), [("deleted", f"{R}/a.exr")]),
        (
            FileMovedEvent(f"{R}/a.exr", f"{R}/b.exr"),
            [("deleted", f"{R}/a.exr"), ("closed", f"{R}/b.exr")],
        ),
        (FileMovedEvent(f"{R}/.a.exr.tmp", f"{R}/a.exr"), [("closed", f"{R}/a.exr")]),
        (FileMovedEvent(f"{R}/a.exr", f"{R}/a.exr.part"), [("deleted", f"{R}/a.exr")]),
        (DirCreatedEvent(f"{R}/sh010"), [("folder_new", f"{R}/sh010")]),
        (
            DirMovedEvent(f"{R}/sh010", f"{R}/sh020"),
            [("folder_gone", f"{R}/sh010"), ("folder_new", f"{R}/sh020")],
        ),
        (DirDeletedEvent(f"{R}/sh010"), [("folder_gone", f"{R}/sh010")]),
        (DirDeletedEvent(R), [("root_gone", R)]),
        (FileCreatedEvent(f"{R}/x.swp"), []),
        (FileOpenedEvent(f"{R}/a.exr"), []),
        (FileClosedNoWriteEvent(f"{R}/a.exr"), []),  # our own reads must not look like writes
        (DirModifiedEvent(f"{R}/sh010"), []),
    ],
)
def test_events_become_hints(event: FileSystemEvent, expected: list[tuple[str, str]]) -> None:
    handler, hints, _ = make()
    handler.dispatch(event)
    got = hints.get_many(0, 10)
    assert [(h.kind, h.path) for h in got] == expected
    assert all(h.root == R for h in got)


def test_a_polled_modification_is_a_change_to_settle() -> None:
    # A poller hears no close: a modified file settles by its size and mtime alone.
    spec = resolve_root(WatchRootConfig(path=R), Settings(db="sqlite://"), [], POLLING)
    hints: BoundedQueue[Hint] = BoundedQueue(10)
    HintHandler(spec, hints, lambda r, w: None, lambda: None).dispatch(FileModifiedEvent(f"{R}/a"))
    assert [(h.kind, h.path) for h in hints.get_many(0, 10)] == [("changed", f"{R}/a")]


def test_bytes_paths_are_decoded() -> None:
    handler, hints, _ = make()
    handler.dispatch(FileCreatedEvent(f"{R}/a.exr".encode()))
    assert hints.get_many(0, 1)[0].path == f"{R}/a.exr"


def test_a_full_queue_is_reported_as_a_loss(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(handler_module, "PUT_TIMEOUT", 0.01)
    handler, hints, losses = make(size=1)
    handler.dispatch(FileCreatedEvent(f"{R}/a.exr"))
    handler.dispatch(FileCreatedEvent(f"{R}/b.exr"))
    assert len(hints) == 1
    assert losses == [(R, "event queue full")]


def test_an_error_is_counted_never_raised(tmp_path: Path) -> None:
    errors: list[int] = []
    spec = resolve_root(WatchRootConfig(path=R), Settings(db="sqlite://"), [], INOTIFY)
    broken = HintHandler(spec, None, lambda r, w: None, lambda: errors.append(1))  # type: ignore[arg-type]
    broken.dispatch(FileCreatedEvent(f"{R}/a.exr"))  # the queue is missing: AttributeError
    assert errors == [1]
