"""What an index of generated pictures asks of whoever vouches for the rows it loads.

The indexes (:func:`provenance.likeness.search.load_index`,
:func:`provenance.likeness.stage_checks.load_regions`) are loaded from tables
anyone who can write to the database can edit. A command that gates
deliveries (the audit) hands the loaders an :class:`IndexVouch`
(:class:`provenance.lifecycle.index_check.IndexCheck`): the loader streams
its rows through it, indexing each as it goes, and gets back the
*corrections*, the assets whose entry is not what the chain vouches for,
with the rows they must have instead (none: not in the index). When there
are any, the loader builds the index again. The watch daemon's and the
scan's region checks and sweeps, which the audit reuses, are checked the same
way, and are not stored while the index has problems.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Protocol, TypeVar

from provenance.store.likeness_records import StoredFeatures, StoredFingerprint

R = TypeVar("R")


class IndexVouch(Protocol):
    """Checks an index's rows as they load; says which assets' entries must differ.

    ``problems`` says what could not be vouched for: an index with problems
    must not decide anything that is kept (a stored region check or sweep).
    """

    problems: list[str]

    def fingerprints(
        self, load: Callable[[], Iterable[StoredFingerprint]]
    ) -> Mapping[str, Sequence[StoredFingerprint]]:
        """The corrections to the index of generated fingerprints ``load`` reads."""

    def features(
        self, load: Callable[[], Iterable[StoredFeatures]]
    ) -> Mapping[str, Sequence[StoredFeatures]]:
        """The corrections to the index of generated pictures' features ``load`` reads."""


def corrections(
    load: Callable[[], Iterable[R]],
    check: Callable[[Callable[[], Iterable[R]]], Mapping[str, Sequence[R]]] | None,
) -> Mapping[str, Sequence[R]]:
    """Run ``load`` (which indexes each row it yields), through ``check`` when there is one:
    the corrections it asks for (none without a check)."""
    if check is None:
        deque(load(), maxlen=0)
        return {}
    return check(load)


def index_distrust(vouch: IndexVouch | None) -> str | None:
    """Why the index ``vouch`` checked cannot be trusted, for people (None when it can, or
    when nothing checked it): what the audit blocks with, the log and ``status`` say."""
    problems = [] if vouch is None else vouch.problems
    if not problems:
        return None
    more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
    return (f"the ledger cannot be trusted (its index of generated pictures: {problems[0]}"
            f"{more}); run `provenance verify`")  # fmt: skip
