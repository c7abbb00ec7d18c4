"""Where a long name may break across lines in an HTML page: after its separators only.

A file name such as ``sq010_sh040_double_v001.png`` is one "word" to a
browser: a narrow table column either overflows the page or, with
``break-all``, splits it anywhere ("doub|le"). Offering a break (``<wbr>``)
after each ``_``, ``.``, ``-`` and ``/`` lets it wrap where a reader
expects, and never inside a word.
"""

from __future__ import annotations

import html
import re

_SEPARATOR = re.compile(r"([_./-])(?=.)")


def breakable(text: str) -> str:
    """``text`` escaped for HTML, with a line-break opportunity after each separator."""
    return _SEPARATOR.sub(r"\1<wbr>", html.escape(text))
