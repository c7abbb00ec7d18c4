"""The detectors on files the ledger knows: the audit never trusts a row more than the file.

A file found in the ledger by its hash is still classified: its own markers
are read, on the workers that hashed it (:meth:`~provenance.util.workpool.
OrderedPool.start_also`, queued as each batch of hashes is looked up), while
its header is in the page cache, and the judge compares them with the row
(:func:`provenance.audit.judge.discrepancy`). Only a row that already says
``genai`` is left unread: no marker can contradict it (:func:`worth_marking`).

These are the same bytes the ledger classified when it recorded them, in a
guarded worker and within its budgets (:mod:`provenance.ingest.guarded`), so
they are read here without the guard's round trip, which would cost a known
package's audit more than the detectors do. A file whose pass kills its
worker is classified again in the guarded pool, as unknown files are.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from provenance.audit.package import Item

if TYPE_CHECKING:
    from provenance.settings import Settings
    from provenance.store import AssetRecord

Marks = tuple[str, str | None, str | None]
"""A file's own verdict, tool, and why the gate cannot vouch for it (None when it can)."""


def worth_marking(asset: AssetRecord) -> bool:
    """Whether a known file's own markers could change how it is judged: every row but ``genai``.

    The markers can change a known file's judgement in two ways only: they
    name a generator the row does not (a discrepancy, which blocks), or the
    file cannot be read whole (unreadable, judged by the policy's
    ``unreadable`` action). A row that already says ``genai`` admits neither:

    * no marker can say more than ``genai``, so there is no discrepancy to
      find (:func:`provenance.audit.judge.discrepancy` never fires for it),
      whatever tool the markers name;
    * an unreadable file is one whose markers could not all be seen, and
      what could hide there is a generator marker: the row says the file is
      generated already. Its fate is what any generated asset's is: blocked
      unless its approvals (checked against their signatures and the row
      against its events, :mod:`provenance.store.projection`) let it
      through, and an approval is of these exact bytes (the match is by
      SHA-256), seen by a person as generated material.

    So a ``genai`` row is judged by the ledger, approved or not, and every
    other row (``not_genai``, ``unknown``, ``unreadable``) is checked against
    the file, which is where the issue's discrepancies live.
    """
    return asset.verdict != "genai"


Sized = tuple[Path, int]
"""A file, and its size as its hashing found it."""


def mark_files(settings: Settings, files: list[Sized]) -> list[Marks | None]:
    """The detectors' verdict on each file (one task of the audit's hashing workers)."""
    # Lazy, and once a task rather than once a file: the workers load the detectors
    # on their first task, not the audit's start.
    from provenance.classify import classify_file, file_facts, unvouched_reason  # noqa: PLC0415
    from provenance.detectors.sidecars import listings_held  # noqa: PLC0415
    from provenance.files.formats.once import parsed_once  # noqa: PLC0415

    def marks(path: Path, size: int) -> Marks:
        # The verdict is all this pass wants: an audio file's duration is not read. The facts
        # are read in the classification's pass, so the detectors reuse their walk of the
        # container; the size is the one the hashing read.
        with parsed_once():
            facts = file_facts(path, duration=False, size=size)
            facts, result = classify_file(path, settings, facts)
        return result.verdict, result.tool, unvouched_reason(facts, result)

    # One look at the package: its folders' listings are held for the task's files.
    with listings_held():
        return [marks(path, size) for path, size in files]


def with_marks(item: Item, marks: Marks) -> Item:
    """``item`` with its file's own verdict, tool and reason, as the markers' pass gave them."""
    verdict, tool, error = marks
    return Item(item.rel, item.path, replace(item.seen, verdict=verdict, tool=tool, error=error))


def warm_detectors() -> None:
    """Load the detectors and Pillow's plugins before the hashing workers fork, not in each."""
    from PIL import Image  # noqa: PLC0415

    from provenance.classify import classify_file  # noqa: PLC0415, F401
    from provenance.detectors.registry import load_detectors  # noqa: PLC0415

    load_detectors()
    Image.preinit()


def lost(_: Sized) -> Marks | None:
    """No marks: the file's pass killed its worker (it is classified in the guarded pool)."""
    return None
