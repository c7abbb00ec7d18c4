"""Figure (e) of bench_fingerprint.py: the near matches the region rule must confirm.

A near match farther than :data:`~provenance.likeness.confirm.SURE_DISTANCE`
counts only once the region rule finds the generated picture in the copy
(:mod:`provenance.likeness.confirm`). This measures, over the copies that
figure (a) tests, how many would need that at each distance the criterion
could take, and what the region rule says of them: the originals described
as the deferred stage describes generated pictures (no mirror), the copies
as the audit describes delivered ones (with their mirror).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from nearmatch_data import DataSet
from nearmatch_measure import Hashes

from provenance.likeness.confirm import SURE_DISTANCE, WHOLE_VISIBLE, Outcome, confirm
from provenance.likeness.describe import Described, describe_files
from provenance.likeness.fingerprint import GRAD_RADIUS, MAX_DISTANCE

CRITERIA = (4, 6, 8, 10, 12, 14, 16, 18, MAX_DISTANCE)  # confirm beyond; the last: never


@dataclass
class Confirmed:
    """Each copy within the rule: its alteration, total distance, and the region rule's outcome."""

    copies: int = 0
    # (alteration, total distance, outcome, the region hit's inlier span or 0 for none)
    within: list[tuple[str, int, Outcome, float]] = field(default_factory=list)
    per_kind_total: Counter[str] = field(default_factory=Counter)

    def recall(self, sure: int) -> dict[str, float]:
        """Per alteration, the share of copies matched when those beyond ``sure`` are confirmed."""
        kept: Counter[str] = Counter()
        for kind, total, outcome, _ in self.within:
            kept[kind] += total <= sure or outcome != "refuted"
        return {k: kept[k] / n for k, n in sorted(self.per_kind_total.items())}

    def asked(self, sure: int) -> Counter[Outcome]:
        """The outcomes of the copies beyond ``sure`` (those the region rule is asked about)."""
        return Counter(outcome for _, total, outcome, _ in self.within if total > sure)


def confirmation(data: DataSet, hashes: Hashes, workers: int) -> Confirmed:
    """The region rule's word on every copy that matches its original by the fingerprint rule."""
    found = Confirmed()
    todo: list[tuple[str, str, str, int]] = []  # (alteration, original, copy, total)
    for name, original in sorted(data.originals.items()):
        for kind, copy in sorted(data.copies[name].items()):
            found.copies += 1
            found.per_kind_total[kind] += 1
            a, b = hashes.ours.get(original), hashes.ours.get(copy)
            if a is None or b is None:
                continue
            grad = (a[0] ^ b[0]).bit_count()
            total = grad + (a[1] ^ b[1]).bit_count()
            if grad <= GRAD_RADIUS and total <= MAX_DISTANCE:
                found.within.append((kind, total, "sure", 0.0))  # until asked, below
                if total > CRITERIA[0]:
                    todo.append((kind, original, copy, total))
    originals = sorted({o for _, o, _, _ in todo})
    reference = dict(zip(originals, describe_files(originals, workers=workers), strict=True))
    copies = describe_files((c for _, _, c, _ in todo), mirror=True, workers=workers)
    asked = [(kind, total, *_outcome(d, reference[original]))
             for (kind, original, _, total), d in zip(todo, copies, strict=True)]  # fmt: skip
    found.within = [w for w in found.within if w[1] <= CRITERIA[0]] + asked
    return found


def _outcome(copy: Described, original: Described) -> tuple[Outcome, float]:
    features = original.features()
    reference = (features,) if features is not None else (original.reason or original.status)
    said = confirm(copy.features(), reference, "0" * 64)
    return said.outcome, said.hit.span if said.outcome == "confirmed" and said.hit else 0.0


def render_confirmation(found: Confirmed) -> list[str]:
    """Markdown: what each criterion asks of the region rule, and the recall it leaves."""
    lines = [
        "### (e) near matches confirmed by the region rule",
        "",
        f"{found.copies} copies; {len(found.within)} within the fingerprint rule. A criterion"
        " *d* asks the region rule about every match farther than *d* bits (total); a refusal"
        " drops the match, an unanswerable one (no features) keeps it.",
        "",
        "| confirm beyond | copies asked | confirmed | refused | unconfirmed (kept)"
        " | recall | worst alteration |",
        "|---|---|---|---|---|---|---|",
    ]
    for sure in CRITERIA:
        asked, recall = found.asked(sure), found.recall(sure)
        worst = min(recall.items(), key=lambda kv: kv[1])
        overall = sum(recall[k] * found.per_kind_total[k] for k in recall) / found.copies
        chosen = " (chosen)" if sure == SURE_DISTANCE else ""
        lines.append(
            f"| {sure}{chosen} | {sum(asked.values())} | {asked['confirmed']} |"
            f" {asked['refuted']} | {asked['unconfirmed']} | {100 * overall:.1f} % |"
            f" {worst[0]} {100 * worst[1]:.1f} % |"
        )
    lines += ["", f"By alteration, confirming beyond {SURE_DISTANCE}:", "",
              "| alteration | matched | asked | refused |", "|---|---|---|---|"]  # fmt: skip
    recall = found.recall(SURE_DISTANCE)
    for kind in sorted(recall):
        asked = Counter(o for k, t, o, _ in found.within if k == kind and t > SURE_DISTANCE)
        lines.append(
            f"| {kind} | {100 * recall[kind]:.1f} % | {sum(asked.values())} | {asked['refuted']} |"
        )
    return [*lines, "", *_spans(found)]


def _spans(found: Confirmed) -> list[str]:
    """How far the region rule's inliers spread over the copies' originals (copies asked)."""
    spans = sorted(span for _, total, _, span in found.within if total > CRITERIA[0])
    none = sum(span == 0 for span in spans)
    low = [f"{s:.3f}" for s in spans if s][:8]
    return [
        f"Copies farther than {CRITERIA[0]} bits: {len(spans)}, {none} with no region hit shown"
        f" whole (at least {WHOLE_VISIBLE} of the picture); the lowest inliers' spans of the"
        f" others: {', '.join(low)}.",
    ]
