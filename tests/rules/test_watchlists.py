"""Prompt screening against watchlists: case, accents, whole words, regexes."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from provenance.errors import ConfigError
from provenance.rules.escalations import required_categories, tool_flags
from provenance.rules.watchlists import fold, load_watchlist, parse_watchlist, screen_prompt
from provenance.settings.tables import ApprovedTool

TALENT = parse_watchlist(
    "talent",
    "talent-likeness",
    ["# cast", "Zoë Saldaña", "re:meryl\\s+streep", "Tom"],
    "talent.txt",
)


@pytest.mark.parametrize(
    "prompt",
    [
        "portrait of zoe saldana",
        "PORTRAIT OF ZOË SALDAÑA",
        "Zoe  Saldana, cinematic",
        "close-up, Meryl   Streep's nose",
        "tom walking in the rain",
    ],
)
def test_hits_ignore_case_accents_and_spacing(prompt: str) -> None:
    flags = screen_prompt(prompt, [TALENT])
    assert flags and all(
        f.category == "talent-likeness" and f.source == "prompt-screen" for f in flags
    )


@pytest.mark.parametrize("prompt", ["tomato soup", "atom bomb", "a castle at dawn", "", None])
def test_no_hit_on_partial_words_or_empty(prompt: str | None) -> None:
    assert screen_prompt(prompt, [TALENT]) == []


def test_hit_names_the_term_and_list() -> None:
    [flag] = screen_prompt("in the style of Zoe Saldana", [TALENT])
    assert "Zoë Saldaña" in flag.reason and "talent" in flag.reason


def test_bad_regex_names_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "figures.txt"
    path.write_text("ok term\nre:(unclosed\n")
    with pytest.raises(ConfigError) as caught:
        load_watchlist(path, "public-figure")
    assert f"{path}:2" in caught.value.message


def test_unknown_category_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "x.txt"
    path.write_text("x\n")
    with pytest.raises(ConfigError, match="unknown approval category"):
        load_watchlist(path, "celebrities")


@given(st.text(max_size=40))
def test_fold_is_idempotent(text: str) -> None:
    assert fold(fold(text)) == fold(text)


@given(st.text(alphabet=st.characters(categories=["L"]), min_size=3, max_size=12))
def test_any_literal_term_matches_itself_in_upper_case(term: str) -> None:
    watch = parse_watchlist("w", "public-figure", [term], "w")
    assert screen_prompt(f"a photo of {term.upper()} today", [watch]) or fold(term.upper()) != fold(
        term
    )


def test_tool_registry() -> None:
    approved = [ApprovedTool("adobe-firefly", "enterprise")]
    assert tool_flags("adobe-firefly", approved) == []
    [flag] = tool_flags("comfyui", approved)
    assert flag.category == "unapproved-tool" and "comfyui" in flag.reason
    assert tool_flags("comfyui", []) == []  # no registry configured: nothing to enforce
    assert required_categories([flag]) == ["final-deliverable", "unapproved-tool"]


# Words and marks that make the whole-word rules matter: accents, apostrophes,
# hyphens, underscores, digits, ligatures and characters whose fold is longer.
PIECES = st.sampled_from(
    ["zoe", "Zoë", "saldana", "SALDAÑA", "o'brien", "r2-d2", "_x", "ﬁne", "straße", "42",
     "#tag", "-", "'", " ", "  ", "\t", ",", "é", "e\u0301"]
)  # fmt: skip
TERMS = st.lists(st.lists(PIECES, min_size=1, max_size=3).map("".join), min_size=1, max_size=6)
PROMPTS = st.lists(PIECES, max_size=12).map("".join)


@given(TERMS, PROMPTS)
def test_filing_terms_by_first_word_finds_what_searching_each_finds(
    terms: list[str], prompt: str
) -> None:
    lines = [t for t in terms if t.strip() and not t.strip().startswith(("#", "re:"))]
    watch = parse_watchlist("w", "public-figure", lines, "w")
    text = fold(prompt)
    every = [entry.label for entry in watch.entries if entry.pattern.search(text)]
    assert watch.hits(prompt) == every


def test_regex_lines_are_always_searched() -> None:
    watch = parse_watchlist("w", "public-figure", ["re:\\bsald\\w+", "Tom"], "w")
    assert watch.hits("a portrait, Saldaña") == ["\\bsald\\w+"]
