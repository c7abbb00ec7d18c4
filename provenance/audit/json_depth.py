"""How deeply a JSON document nests, measured without parsing it.

OpenTimelineIO parses ``.otio`` JSON with a recursive C++ parser: an array
or object nested some tens of thousands deep overflows its stack and kills
the process (a segmentation fault, no exception to catch), and a few
thousand levels already cost seconds. A real cut nests a few dozen levels
(timeline, stack, track, clip, reference, metadata; a nested stack adds
four), so the depth is measured first, at C speed, and a document deeper
than any cut is refused before OTIO sees it.

The measure: strings are removed first (a bracket inside a string is
text, not structure), then only the brackets are kept, and the running
depth is their running sum. An unterminated string runs to the end of the
document, so the string pattern never fails at a quote and never rescans.
"""

from __future__ import annotations

import re

import numpy as np

STRING = re.compile(rb'"(?:[^"\\]++|\\.)*+(?:"|\\?\Z)', re.DOTALL)
BRACKETS = b"[]{}"
CHUNK = 1 << 22  # brackets summed at a time: memory stays a few times this
_STEP = np.zeros(256, dtype=np.int8)
_STEP[list(b"[{")] = 1
_STEP[list(b"]}")] = -1


def json_depth(document: bytes) -> int:
    """The deepest nesting of arrays and objects in ``document`` (0 for a bare value)."""
    structure = STRING.sub(b"", document).translate(None, _NOT_BRACKETS)
    deepest = depth = 0
    for at in range(0, len(structure), CHUNK):
        steps = _STEP[np.frombuffer(structure[at : at + CHUNK], dtype=np.uint8)]
        running = np.cumsum(steps, dtype=np.int64) + depth
        deepest = max(deepest, int(running.max()))
        depth = int(running[-1])
    return deepest


_NOT_BRACKETS = bytes(b for b in range(256) if b not in BRACKETS)
