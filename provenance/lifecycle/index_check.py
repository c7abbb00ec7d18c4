"""The audit's indexes of generated pictures, checked against the chain before they count.

An index is every asset whose verdict is ``genai``, with its stored rows of
one derived table (fingerprints, local features). Both halves can be forged
by whoever can write to the database: the verdict is an ``assets`` row,
the rows a derived table's. What vouches for them is the chain: an asset's
row is the fold of its events (:mod:`provenance.store.state`), and derived
rows are what their seal lists (:mod:`provenance.store.seals`). So an index
counts only as far as this check has vouched for it (:class:`IndexCheck`):

1. The assets to check are those whose rows differ from what this machine
   checked before (:mod:`.index_memory`; every loaded one the first time),
   those an event since may have made generated (only ``detected`` and
   ``state-baseline`` events set a verdict), and those whose rows a seal
   since lists (written since: a generated asset's rows may have been
   written, then removed or its verdict edited, between two audits).
2. Each is checked: its ``assets`` row against its events, then its rows
   against their seal. A generated asset's index entry becomes its sealed
   ``ok`` rows (so a row written while the index loaded is taken as
   sealed, not as read); an asset that is not generated leaves the index.
3. A row that differs from its events, or a generated asset whose rows are
   no longer what its seal says or are gone (an asset's rows are only ever
   replaced, never removed: one checked before, loaded, or listed by a seal
   had rows), is a *problem*: the audit blocks every file,
   since any of them may be a copy of the picture the index lost, and
   ``verify`` names the row. Nothing is remembered while a problem stands.

The memory is trusted as this machine's anchor is: it lives beside it.
"""

from __future__ import annotations

import hashlib
import struct
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence, Set
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar

from provenance.lifecycle.index_memory import IndexMemory, Vouched, digest
from provenance.settings import Settings
from provenance.signing.checkpoints import notary_for
from provenance.store import Ledger
from provenance.store.likeness_records import StoredFeatures, StoredFingerprint
from provenance.store.projection import Difference


class _Row(Protocol):
    @property
    def sha256(self) -> str: ...


R = TypeVar("R", bound=_Row)

VERDICT_EVENTS = ("detected", "state-baseline")
"""The events that set an asset's verdict (:mod:`provenance.store.projection`)."""


@dataclass(frozen=True)
class IndexedTable(Generic[R]):
    """One index's table: how its rows are read and told apart.

    ``canonical`` gives what of a row the index holds, as bytes (for the
    digests); ``sealed`` the ``ok`` rows of the assets among those asked
    about whose rows are what their seal says (assets with rows of another
    status map to none; assets whose rows do not hold their seal are left
    out); ``listed_since`` the assets
    whose rows the seals after an event's seq list (rows written since).
    """

    name: str
    shown: str
    canonical: Callable[[R], bytes]
    sealed: Callable[[Ledger, Sequence[str]], dict[str, tuple[R, ...]]]
    listed_since: Callable[[Ledger, int], set[str]]


Corrections = dict[str, tuple[R, ...]]
"""The assets whose checked entry is not what was loaded: their rows (none: not in the index)."""


class IndexCheck:
    """The checks of one command's indexes; what could not be vouched for is in ``problems``.

    :meth:`fingerprints` and :meth:`features` are what the indexes' loaders
    call (:class:`provenance.likeness.vouch.IndexVouch`).
    """

    def __init__(self, ledger: Ledger, settings: Settings) -> None:
        notary = notary_for(settings, ledger.where)
        self._ledger = ledger
        self._folder = notary.anchor.parent / "indexes"
        self._name = notary.anchor.name
        self._trusted = notary.trusted()
        self.problems: list[str] = []
        self.checked: list[str] = []  # the tables whose index was checked (loaded)

    def fingerprints(
        self, load: Callable[[], Iterable[StoredFingerprint]]
    ) -> Corrections[StoredFingerprint]:
        """Check the index of generated fingerprints ``load`` reads (module docstring)."""
        return self.vouch(FINGERPRINTS, load)

    def features(self, load: Callable[[], Iterable[StoredFeatures]]) -> Corrections[StoredFeatures]:
        """Check the index of generated pictures' features ``load`` reads (module docstring)."""
        return self.vouch(FEATURES, load)

    def vouch(self, table: IndexedTable[R], load: Callable[[], Iterable[R]]) -> Corrections[R]:
        """Check the index ``load`` reads (its caller indexes each row as it goes): the
        corrections that make it what the chain vouches for."""
        memory = IndexMemory(self._folder / table.name / self._name, self._trusted)
        self.checked.append(table.name)
        head, head_hash = self._ledger.checkpoints.head()  # before the rows: they may be newer
        known = self._same_history(memory.recall())
        digests = _digests(table, load())
        written = table.listed_since(self._ledger, known.checked)
        changed = self._ledger.events.assets_between(
            known.checked, head, VERDICT_EVENTS, mentioning='"genai"'
        )  # those an event since may have made generated
        changed |= {s for s in digests.keys() | known.digests.keys()
                    if digests.get(s) != known.digests.get(s)}  # fmt: skip
        if known.checked:  # else every asset with rows: those not generated need no check
            changed |= written
        if not changed and head == known.checked:
            return {}
        had = digests.keys() | known.digests.keys() | written
        fixes, problems = self._settle(table, sorted(changed), digests, had)
        self.problems += problems
        if not problems:
            memory.keep(Vouched(head, head_hash, digests))
        return fixes

    def _same_history(self, known: Vouched) -> Vouched:
        """``known``, or nothing when the ledger no longer has the event it was checked up to."""
        if not known.checked:
            return known
        hashes = self._ledger.checkpoints.hashes_at([known.checked])
        return known if hashes.get(known.checked) == known.checked_hash else Vouched()

    def _settle(
        self, table: IndexedTable[R], changed: Sequence[str], digests: dict[str, str],
        had: Set[str],
    ) -> tuple[Corrections[R], list[str]]:  # fmt: skip
        """Check the ``changed`` assets, putting their checked digests in ``digests``: the
        corrections, and the problems found. ``had`` are the assets known to have had rows
        (loaded, checked before, or written since)."""
        sealed = table.sealed(self._ledger, changed)
        relevant = [s for s in changed if s in sealed or s in had]
        differs = self._ledger.state.check(relevant)
        verdicts = {sha: a.verdict for sha, a in self._ledger.assets.many(relevant).items()}
        fixes: Corrections[R] = {}
        problems = []
        for sha in relevant:
            rows, problem = _entry(
                table, sha, sealed, differs.get(sha), verdicts.get(sha), sha in had
            )
            if problem is not None:
                problems.append(problem)
            checked = _digest(table, rows) if rows else None
            if checked != digests.get(sha):
                fixes[sha] = rows
            if checked is None:
                digests.pop(sha, None)
            else:
                digests[sha] = checked
        return fixes, problems


def _entry(
    table: IndexedTable[R],
    sha: str,
    sealed: Mapping[str, tuple[R, ...]],
    differs: Sequence[Difference] | None,
    verdict: str | None,
    had: bool,
) -> tuple[tuple[R, ...], str | None]:
    """One checked asset's rows in the index (none when it has no place there), and the
    problem that leaves the index unvouched for, if any."""
    if differs:
        return (), f"the row of asset {sha[:12]} differs from its events ({differs[0].text})"
    if verdict != "genai":
        return (), None
    if sha in sealed:
        return sealed[sha], None
    if had:
        return (), (f"the {table.shown} of generated asset {sha[:12]} are not what their seal"
                    " says, or were removed")  # fmt: skip
    return (), None


def _digests(table: IndexedTable[R], rows: Iterable[R]) -> dict[str, str]:
    parts: defaultdict[str, list[bytes]] = defaultdict(list)
    for row in rows:
        parts[row.sha256].append(table.canonical(row))
    return {sha: digest(sorted(found)) for sha, found in parts.items()}


def _digest(table: IndexedTable[R], rows: Iterable[R]) -> str:
    return digest(sorted(map(table.canonical, rows)))


_PAIR = struct.Struct(">qq")
_PICTURE = struct.Struct(">qqqq")


def _fingerprint_bytes(row: StoredFingerprint) -> bytes:
    return _PAIR.pack(row.grad, row.dct)


def _sealed_fingerprints(
    ledger: Ledger, shas: Sequence[str]
) -> dict[str, tuple[StoredFingerprint, ...]]:
    return {
        sha: tuple(StoredFingerprint(0, sha, g, d, i) for i, (g, d) in enumerate(found.hashes))
        for sha, found in ledger.fingerprints.many(shas).items()
    }


def _feature_bytes(row: StoredFeatures) -> bytes:
    meta = _PICTURE.pack(row.frame, row.count, row.width, row.height)
    return meta + hashlib.sha256(row.data).digest()


def _sealed_features(ledger: Ledger, shas: Sequence[str]) -> dict[str, tuple[StoredFeatures, ...]]:
    return {sha: found.pictures for sha, found in ledger.features.many(shas).items()}


FINGERPRINTS: IndexedTable[StoredFingerprint] = IndexedTable(
    "fingerprints", "fingerprints", _fingerprint_bytes, _sealed_fingerprints,
    lambda ledger, seq: ledger.fingerprints.listed_since(seq),
)  # fmt: skip
FEATURES: IndexedTable[StoredFeatures] = IndexedTable(
    "features", "local features", _feature_bytes, _sealed_features,
    lambda ledger, seq: ledger.features.listed_since(seq),
)  # fmt: skip
