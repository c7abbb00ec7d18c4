"""Line-break opportunities in names: after separators, never inside a word, text unchanged."""

from __future__ import annotations

import html
import re

from hypothesis import given
from hypothesis import strategies as st

from provenance.reports.breaking import breakable


def test_a_shot_name_may_break_after_each_separator() -> None:
    assert breakable("sq010_sh040_v001.png") == "sq010_<wbr>sh040_<wbr>v001.<wbr>png"
    assert breakable("a/<b>.exr") == "a/<wbr>&lt;b&gt;.<wbr>exr"
    assert breakable("trailing_") == "trailing_"  # nothing left to break before


@given(st.text(max_size=80))
def test_the_text_is_only_escaped_and_breaks_follow_separators(text: str) -> None:
    marked = breakable(text)
    assert marked.replace("<wbr>", "") == html.escape(text)
    assert not re.search(r"[^_./-]<wbr>", marked)
