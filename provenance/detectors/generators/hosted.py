"""Midjourney and Draw Things: hosted and app generators with text markers.

* **Midjourney** web downloads: PNG ``Description`` = the prompt, its
  ``--parameters`` and `` Job ID: <uuid>``; ``Author`` = the user; an XMP packet
  with ``Iptc4xmpExt:DigImageGUID`` (the job id) and the IPTC digital source
  type ``trainedAlgorithmicMedia`` (with an ``https`` scheme). Only the
  ``Job ID: <uuid>`` text is checked here, in any description, comment or XMP
  packet; the full XMP reading (digital source types) is done elsewhere.
  Images saved from Discord carry nothing.
* **Draw Things** (iOS/macOS): an XMP packet (PNG ``iTXt XML:com.adobe.xmp``)
  with ``xmp:CreatorTool`` = ``Draw Things`` and the generation JSON (``c`` =
  prompt, ``uc`` = negative prompt, ``seed``, ``model``...) inside
  ``exif:UserComment``.

A bare ``Software`` tag or XMP ``CreatorTool`` naming a generator (``Krea``,
``ComfyUI``...) without parameters is judged with the other software names
(:mod:`provenance.detectors.software_names`), not here; no in-file marker of
Krea's web app beyond that is documented.
"""

from __future__ import annotations

import html
import re

from provenance.detectors.generators.entries import Entries, load_json
from provenance.detectors.generators.finding import Finding, clip_prompt, text_fields

_JOB_ID = re.compile(
    r"Job ID:\s*([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})", re.I
)
_MJ_KEYS = ("Description", "ImageDescription", "Comment", "UserComment", "XMP")
_CREATOR_TOOL = re.compile(r"CreatorTool(?:>|\s*=\s*[\"'])\s*([^<\"']{1,200})")
MAX_XMP_SCAN = 4 * 1024 * 1024


def midjourney(entries: Entries) -> Finding | None:
    """A Midjourney ``Job ID: <uuid>`` in a description, comment or XMP packet."""
    for item in entries.items:
        match = _JOB_ID.search(item.text[:MAX_XMP_SCAN]) if item.key in _MJ_KEYS else None
        if match is None:
            continue
        prompt = item.text[: match.start()] if item.key != "XMP" else None
        fields = text_fields(job_id=match.group(1), author=entries.text("Author"))
        detail = f"Midjourney job id in {item.where}"
        return Finding("midjourney", "midjourney-job", detail, clip_prompt(prompt), fields)
    return None


def draw_things(entries: Entries) -> Finding | None:
    """Draw Things' XMP: ``CreatorTool`` = Draw Things, JSON in ``exif:UserComment``."""
    item = entries.get("XMP")
    text = item.text[:MAX_XMP_SCAN] if item else ""
    tool = _CREATOR_TOOL.search(text)
    if item is None or tool is None or not tool.group(1).strip().startswith("Draw Things"):
        return None
    data = _xmp_comment_json(text)
    fields = text_fields(
        negative_prompt=data.get("uc"),
        model=data.get("model"),
        seed=data.get("seed"),
        steps=data.get("steps"),
        sampler=data.get("sampler"),
        version=tool.group(1).strip(),
    )
    return Finding(
        "drawthings",
        "drawthings-xmp",
        f"Draw Things XMP in {item.where}",
        clip_prompt(data.get("c")),
        fields,
    )


def _xmp_comment_json(xmp: str) -> dict[str, object]:
    # str.find, not lazy regexes: a packet of unclosed tags must stay linear.
    block = _between(xmp, "<exif:UserComment>", "</exif:UserComment>") or ""
    opening = block.find("<rdf:li")
    if opening >= 0:
        block = _between(block[opening:], ">", "</rdf:li>") or ""
    value = load_json(html.unescape(block).strip())
    return value if isinstance(value, dict) else {}


def _between(text: str, start: str, end: str) -> str | None:
    begin = text.find(start)
    if begin < 0:
        return None
    begin += len(start)
    close = text.find(end, begin)
    return text[begin:] if close < 0 else text[begin:close]
