"""Searches narrowed by place and verdict give what a plain filter of every asset gives.

Such searches take their own statements (a fence of hashes, a second fence
for a limit, a partial covering index for generated assets: migration 0012),
so each is checked against the simple newest-first list of every asset,
filtered in Python, on both backends, with and without a limit.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from provenance.store import AssetQuery, Ledger
from provenance.store.briefs import BRIEF_COLUMNS
from provenance.store.models import GENAI_BRIEF_INCLUDES
from provenance.store.records import AssetRecord
from provenance.vocab import Verdict
from tests.support.factories import fake_sha, observation

VERDICTS: tuple[Verdict, ...] = ("genai", "not_genai", "unknown")
PLACES = {
    "folder": AssetQuery(folder="nightfall"),
    "roots": AssetQuery(roots=("/jobs/nightfall",)),
    "path_contains": AssetQuery(path_contains="SH010"),
    "path_prefix": AssetQuery(path_prefix="/jobs/nightfall/sh010"),
}


def _inside(query: AssetQuery, paths: list[str]) -> bool:
    if query.folder:
        return any(f"/{query.folder}/" in p for p in paths)
    if query.roots:
        return any(p.startswith(f"{r}/") for r in query.roots for p in paths)
    if query.path_contains:
        return any(query.path_contains.lower() in p.lower() for p in paths)
    assert query.path_prefix
    return any(p.startswith(f"{query.path_prefix}/") for p in paths)


def _fill(ledger: Ledger) -> None:
    """Thirty assets over two shows, three verdicts, some seen in both, in five batches."""
    for batch in range(5):
        seen = []
        for n in range(6):
            label = f"a{batch}{n}"
            show = "nightfall" if n % 2 else "daybreak"
            path = f"/jobs/{show}/sh0{n % 3}0/{label}.exr"
            seen.append(observation(label, path, verdict=VERDICTS[(batch + n) % 3]))
            if n == 5:
                seen.append(observation(label, f"/jobs/daybreak/copies/{label}.exr"))
        ledger.record(seen)


def _expected(ledger: Ledger, query: AssetQuery) -> list[str]:
    every: list[AssetRecord] = ledger.assets.list(AssetQuery())
    found = [
        a.sha256
        for a in every
        if _inside(query, [loc.path for loc in ledger.locations.of(a.sha256)])
        and (query.verdict is None or a.verdict == query.verdict)
        and (query.genai is None or (a.verdict == "genai") == query.genai)
    ]
    return found if query.limit is None else found[: query.limit]


@pytest.mark.parametrize("place", sorted(PLACES))
@pytest.mark.parametrize("limit", [None, 2])
def test_place_and_verdict_searches_match_a_plain_filter(
    ledger: Ledger, place: str, limit: int | None
) -> None:
    _fill(ledger)
    for verdict_filter in [{"verdict": v} for v in VERDICTS] + [{"genai": True}, {"genai": False}]:
        query = replace(PLACES[place], limit=limit, **verdict_filter)
        expected = _expected(ledger, query)
        assert [a.sha256 for a in ledger.assets.list(query)] == expected, verdict_filter
        assert [b.sha256 for b in ledger.assets.briefs(query)] == expected, verdict_filter
    assert _expected(ledger, replace(PLACES[place], genai=True))  # the case is not empty


def test_a_show_s_generated_briefs_carry_their_columns(ledger: Ledger) -> None:
    _fill(ledger)
    query = AssetQuery(folder="nightfall", genai=True)
    full = {a.sha256: a for a in ledger.assets.list(query)}
    briefs = ledger.assets.briefs(query)
    assert [b.sha256 for b in briefs] == list(full)
    for brief in briefs:
        record = full[brief.sha256]
        for column in BRIEF_COLUMNS:
            mine, theirs = getattr(brief, column), getattr(record, column)
            if column == "flags":  # a tuple in brief, a list in full
                mine, theirs = list(mine), list(theirs)
            assert mine == theirs, column
    assert fake_sha("a21") in full


def test_the_generated_assets_index_covers_what_a_dashboard_reads() -> None:
    """Migration 0012's INCLUDE must hold every brief column and first sight, or the
    dashboard's query reads rows again (models and briefs are written apart)."""
    assert {*BRIEF_COLUMNS, "first_seen"} <= {"sha256", *GENAI_BRIEF_INCLUDES}
