"""The search form's parser and the grouping of results into sequences (no ledger)."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from provenance.files.sequences import is_frame
from provenance.settings import Settings
from provenance.settings.tables import ShowConfig
from provenance.store import AssetRecord
from provenance.vocab import STATUSES, VERDICTS
from provenance.web.search import SearchForm, grouped, query_of
from tests.support.factories import asset_facts

ARGS = st.dictionaries(
    st.sampled_from(["q", "show", "hash", "tool", "status", "verdict", "view", "other"]),
    st.text(max_size=40),
)


@given(ARGS)
def test_any_query_string_parses_to_a_form_within_the_vocabularies(args: dict[str, str]) -> None:
    form = SearchForm.from_args(args)
    assert form.status in ("", *STATUSES) and form.verdict in ("", *VERDICTS)
    assert form.view in ("table", "grid")
    assert form.text == form.text.strip() and form.hash == form.hash.lower()
    problems = form.problems()  # never raises; each problem is a sentence
    assert all(isinstance(p, str) and p for p in problems)
    if not problems:
        query_of(form, Settings())  # a form without problems always makes a query


def test_a_listed_show_means_its_roots_and_another_title_a_folder() -> None:
    settings = Settings(shows=(ShowConfig("Nightfall", ("/jobs/nf",)),))
    listed = query_of(SearchForm(show="Nightfall"), settings)
    assert listed.roots == ("/jobs/nf",) and listed.folder is None
    other = query_of(SearchForm(show="dailies", hash="ABC123".lower(), tool="ComfyUI"), settings)
    assert other.folder == "dailies" and other.roots == () and other.sha_prefix == "abc123"
    assert other.tool == "comfyui"
    assert SearchForm(hash="xyz").problems() and SearchForm(tool="nope").problems()


def record(label: str, verdict: str = "unknown") -> AssetRecord:
    facts = asset_facts(label, verdict)  # type: ignore[arg-type]
    now = datetime.now(UTC)
    fields = {f: getattr(facts, f) for f in facts.__dataclass_fields__}
    return AssetRecord(**{**fields, "status": None, "first_seen": now, "updated_at": now})


def test_frames_named_the_vfx_way_share_a_row_and_numbered_files_do_not() -> None:
    frames = [record(f"f{n}", "genai" if n == 1002 else "unknown") for n in (1001, 1002, 1003)]
    loose = [record("gen1"), record("gen2")]
    lone = record("plate")
    numbered = zip(frames, (1001, 1002, 1003), strict=True)
    paths = {a.sha256: f"/s/comp/sh010_comp.{n}.exr" for a, n in numbered}
    paths |= {loose[0].sha256: "/s/genai/gen1.png", loose[1].sha256: "/s/genai/gen2.png"}
    paths[lone.sha256] = "/s/plates/plate.jpg"
    gone = record("gone")
    rows = grouped([*frames, *loose, lone, gone], paths)
    labels = [row.label for row in rows]
    assert labels[0] == "/s/comp/sh010_comp.1001-1003#.exr"
    assert rows[0].frames == (1001, 1002, 1003) and rows[0].verdicts == "2 unknown, 1 genai"
    assert "/s/genai/gen1.png" in labels and "/s/genai/gen2.png" in labels
    assert labels[-1].startswith("(no copy present)")
    assert len(rows) == 5


def test_results_group_frames_by_the_projects_one_rule() -> None:
    """Unpadded numbers after an underscore are numbered files (files/sequences.py), not frames."""
    numbered = [record("ref_1"), record("ref_2")]
    padded = [record("r0001"), record("r0002")]
    paths = {numbered[0].sha256: "/s/ref/ref_1.dpx", numbered[1].sha256: "/s/ref/ref_2.dpx"}
    paths |= {padded[0].sha256: "/s/r/render_0001.png", padded[1].sha256: "/s/r/render_0002.png"}
    labels = [row.label for row in grouped([*numbered, *padded], paths)]
    assert labels == ["/s/ref/ref_1.dpx", "/s/ref/ref_2.dpx", "/s/r/render_0001-0002#.png"]
    assert is_frame("/s/r/render_0001.png") and is_frame("/s/comp/sh010_comp.1001.exr")
    assert not is_frame("/s/ref/ref_1.dpx") and not is_frame("/s/plates/plate.jpg")
