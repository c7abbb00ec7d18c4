"""The digest of an asset's evidence: what the event carries equals what the row reads back as.

The writer hashes the evidence it holds (names as they were); the check
hashes the row's JSON text (names as shown), which an insider, or another
client, may have written with its keys in any order and any spacing.
"""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from provenance.store.digests import digest, digest_as_stored, text_digest
from provenance.util.names import json_shown, shown, shown_values

# Any text, and the lone surrogates a file name that is not UTF-8 decodes to.
names = st.text(
    st.characters(exclude_categories=["Cs"])
    | st.characters(min_codepoint=0xDC80, max_codepoint=0xDCFF),
    max_size=12,
)
items = st.fixed_dictionaries(
    {"detector": names, "kind": names, "detail": names,
     "signal": st.sampled_from(["genai", "neutral"])},
    optional={"tool": names, "prompt": names, "fields": st.dictionaries(names, names, max_size=3)},
)  # fmt: skip


def reordered(value: object) -> object:
    """The same JSON value with every object's keys in reverse order."""
    if isinstance(value, dict):
        return {k: reordered(v) for k, v in reversed(list(value.items()))}
    if isinstance(value, list):
        return [reordered(v) for v in value]
    return value


@settings(max_examples=200, deadline=None)
@given(evidence=st.lists(items, max_size=4), indent=st.none() | st.integers(0, 3))
def test_the_rows_text_hashes_as_the_event_says_whatever_its_key_order(
    evidence: list[dict[str, object]], indent: int | None
) -> None:
    carried = digest_as_stored(evidence)
    assert text_digest(json_shown(evidence)) == carried  # as the writer stores it
    rewritten = json.dumps(reordered(shown_values(evidence)), indent=indent, ensure_ascii=False)
    assert text_digest(rewritten) == carried


@settings(max_examples=100, deadline=None)
@given(evidence=st.lists(items, min_size=2, max_size=4, unique_by=json.dumps))
def test_items_in_another_order_are_other_evidence(evidence: list[dict[str, object]]) -> None:
    if shown_values(evidence[0]) != shown_values(evidence[-1]):
        assert text_digest(json_shown(evidence[::-1])) != digest_as_stored(evidence)


@settings(max_examples=200, deadline=None)
@given(prompt=st.none() | names)
def test_a_prompt_hashes_as_its_column_stores_it(prompt: str | None) -> None:
    stored = None if prompt is None else shown(prompt)  # what ShownText writes
    assert digest(stored) == digest_as_stored(prompt)


def test_sql_null_and_text_that_is_not_json() -> None:
    assert text_digest(None) is None
    assert text_digest("[{") == "not JSON: '[{'"
