"""The gate's answer for one file: may it go into finals, and why.

``history`` and ``ls --looks-like`` answer for any file, in the ledger or
not, with the audit's own rule: the file is audited as a package of one,
with nothing recorded, so the answer is exactly what the gate would say if
the file were delivered (markers, exact, near, region and segment checks).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from provenance.audit.report import FileResult, PackageResult, worst
from provenance.audit.run import AuditOptions, audit
from provenance.likeness.search import Likeness, Pictures, Similar, ranked_similar
from provenance.rules.policy import Policy, load_policy
from provenance.settings import Settings

if TYPE_CHECKING:
    from provenance.store import AssetQuery, Ledger

SENTENCE_LEADS = {
    "block": "May not go into finals",
    "warn": "May go into finals only after a look",
    "pass": "May go into finals",
}


@dataclass(frozen=True)
class FinalsAnswer:
    """Whether a file may go into finals: the gate's action and its reasons."""

    action: str  # pass / warn / block
    reasons: tuple[str, ...]

    @property
    def sentence(self) -> str:
        """One plain sentence: the answer, and the first and deciding reasons."""
        reasons = list(dict.fromkeys(self.reasons[:1] + self.reasons[-1:])) or ["no reason"]
        return f"{SENTENCE_LEADS[self.action]}: {'; '.join(reasons)}."

    def to_dict(self) -> dict[str, object]:
        """JSON form: ``{"action", "sentence", "reasons"}``."""
        return {"action": self.action, "sentence": self.sentence, "reasons": list(self.reasons)}


def settings_policy(settings: Settings) -> Policy:
    """The policy the settings name (the show's policy file), or the built-in default."""
    return load_policy(Path(settings.policy)) if settings.policy else Policy()


def audit_one(
    path: Path, ledger: Ledger, settings: Settings, pictures: Pictures | None = None
) -> FileResult:
    """The audit's result for ``path`` as if it alone were delivered; nothing is recorded.

    ``pictures``: what the caller loaded to compare pictures, not loaded again.
    """
    options = AuditOptions(
        settings_policy(settings), record=False, pictures=pictures, references=False
    )
    report = audit(path, ledger, settings, options)
    return with_package(report.files[0], report.package)


def with_package(result: FileResult, package: PackageResult) -> FileResult:
    """``result`` with what the package's result says of the comparison behind it.

    A file alone passes only for what it was compared with: when some
    generated assets had no references to compare it with, its answer says
    so, and takes the package's verdict when that is worse.
    """
    if not package.reasons:
        return result
    verdict = worst((result.verdict, package.verdict))
    return replace(result, verdict=verdict, reasons=(*result.reasons, *package.reasons))


def answer_of(result: FileResult) -> FinalsAnswer:
    """A file result as an answer on finals."""
    return FinalsAnswer(result.verdict, result.reasons)


def similar_to_file(
    path: Path, ledger: Ledger, settings: Settings, query: AssetQuery
) -> list[Similar]:
    """``ls --looks-like`` for a file the ledger has never seen; nothing is written.

    The file is fingerprinted in memory (on a worker process) and compared
    with every fingerprint in the ledger; the generated asset the audit finds
    inside it (cropped, turned or composited in) or shown in it is added.
    """
    # Lazy: numpy and the decoders load only when a picture is compared.
    from provenance.likeness.fingerprint import fingerprint_files  # noqa: PLC0415

    [printed] = fingerprint_files([path])
    result = audit_one(path, ledger, settings)
    holders = []
    if result.match.kind in ("region", "near") and result.match.asset:
        cover = result.match.cover if result.match.kind == "region" else None
        holders.append(Likeness(result.match.asset, result.match.distance, cover=cover))
    holders += [Likeness(sha, None) for sha in dict.fromkeys(s.asset for s in result.segments)]
    return ranked_similar(ledger, printed.fingerprints, result.sha256 or "", holders, query)
