"""Prompt screening against watchlists: case, accents, whole words, regexes."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from provenance.errors import ConfigError
from provenance.rules import watchlists
from provenance.rules.escalations import required_categories, tool_flags
from provenance.rules.watchlists import (
    fold,
    load_watchlist,
    parse_watchlist,
    screen_prompt,
)
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
    every = [entry.label for entry in watch.entries if entry.found(text, float("inf"))]
    assert watch.hits(prompt) == every


def test_regex_lines_are_always_searched() -> None:
    watch = parse_watchlist("w", "public-figure", ["re:\\bsald\\w+", "Tom"], "w")
    assert watch.hits("a portrait, Saldaña") == ["\\bsald\\w+"]


# Looks harmless ("a word ending in a digit"), backtracks exponentially on a long word with
# no digit after it.
BACKTRACKS = "re:(\\w|\\w\\w)+\\d"


def test_an_expression_that_backtracks_for_ever_fails_closed_within_the_budget(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A crafted prompt held the screening for ever (the standard ``re`` took 10 s on an
    expression like this at 25 letters, doubling with each one more); the screen now gives up at
    its budget and flags the list's category."""
    monkeypatch.setattr(watchlists, "REGEX_SECONDS", 0.2)
    watch = parse_watchlist("styles", "copyrighted-reference", ["Tom", BACKTRACKS], "w")
    started = time.monotonic()
    flags = screen_prompt("tom " + "x" * 5000 + "!", [watch])
    assert time.monotonic() - started < 60  # bounded: the budget, and the engine's overshoot
    assert [f.category for f in flags] == ["copyrighted-reference"] * 2
    hit, unfinished = (f.reason for f in flags)
    assert "references 'Tom'" in hit
    assert "could not be screened against 're:(\\w|\\w\\w)+\\d'" in unfinished
    assert "within 0.2 s" in unfinished


def test_one_budget_for_every_list(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(watchlists, "REGEX_SECONDS", 0.0)  # spent before the first list
    first = parse_watchlist("a", "public-figure", ["re:streep"], "a")
    second = parse_watchlist("b", "deceased-person", ["re:monroe", "Marilyn"], "b")
    flags = screen_prompt("marilyn monroe", [first, second])
    assert [(f.category, "could not" in f.reason) for f in flags] == [
        ("public-figure", True),
        ("deceased-person", False),  # a term needs no budget: found, and said so
        ("deceased-person", True),
    ]


def test_an_expression_in_time_is_no_flag_when_absent() -> None:
    watch = parse_watchlist("styles", "copyrighted-reference", [BACKTRACKS], "w")
    assert screen_prompt("a castle at dawn", [watch]) == []
    assert screen_prompt("a castle, take2", [watch])


def test_non_ascii_words_match_word_classes() -> None:
    """Python's syntax, Unicode classes: the module kept what ``re`` matched."""
    name = "\u0432\u043b\u0430\u0434\u0438\u043c\u0438\u0440"  # a Cyrillic first name
    watch = parse_watchlist("w", "public-figure", [f"re:\\b{name}\\w*"], "w")
    assert watch.hits(f"a portrait of {name.upper()}ov") == [f"\\b{name}\\w*"]
