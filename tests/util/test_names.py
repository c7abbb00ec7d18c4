"""Names that are not UTF-8: stored losslessly, shown as \\xNN in text and in JSON alike."""

from __future__ import annotations

import json
import os

from hypothesis import given
from hypothesis import strategies as st

from provenance.util.names import (
    MARK,
    escape_surrogates,
    from_stored,
    shown,
    shown_in_json,
    to_stored,
)

ODD = os.fsdecode(b"/show/gen\xff\xfe.png")

names = st.binary(min_size=1, max_size=40).filter(lambda b: b"\0" not in b).map(os.fsdecode)


@given(names)
def test_any_name_is_stored_losslessly_as_utf8(name: str) -> None:
    stored = to_stored(name)
    stored.encode("utf-8")  # what SQLite and PostgreSQL accept
    assert from_stored(stored) == name


@given(st.text(alphabet=st.sampled_from(["a", "f", "0", "\\", MARK, "\udcff"]), max_size=12))
def test_names_holding_the_mark_come_back_too(name: str) -> None:
    assert from_stored(to_stored(name)) == name


def test_utf8_names_are_stored_as_they_are() -> None:
    assert to_stored("/show/plate_é_001.exr") == "/show/plate_é_001.exr"


def test_shown_alike_in_text_and_json() -> None:
    assert shown(ODD) == "/show/gen\\xff\\xfe.png"
    text = shown_in_json(json.dumps({"path": ODD}, ensure_ascii=False))
    assert json.loads(text)["path"] == shown(ODD)


@given(st.text(alphabet=st.characters(max_codepoint=0x7F)))
def test_ascii_json_text_is_given_back_as_it_is(text: str) -> None:
    assert shown_in_json(text) is text


def test_escaped_json_reads_back_as_the_same_name() -> None:
    text = escape_surrogates(json.dumps([ODD], ensure_ascii=False))
    text.encode("utf-8")
    assert json.loads(text) == [ODD]


def test_a_nul_is_shown_and_never_stored_raw() -> None:
    """Free text quoting a hostile file (a decoder's message) may hold a NUL, which PostgreSQL's
    text refuses: it is shown, and stored, as ``\\x00``."""
    assert shown("cannot read\x00here \udcff") == "cannot read\\x00here \\xff"
    assert shown("plain") == "plain"
