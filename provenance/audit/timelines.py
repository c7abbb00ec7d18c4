"""Which files are editorial timelines, and which OpenTimelineIO adapter reads each.

Kept apart from :mod:`provenance.audit.cut_read` so that telling a cut from a
package costs no import of OpenTimelineIO.
"""

from __future__ import annotations

from pathlib import Path

ADAPTERS = {
    ".otio": "otio_json",
    ".otioz": "otioz",
    ".edl": "cmx_3600",
    ".xml": "fcp_xml",
    ".fcpxml": "fcpx_xml",
    ".aaf": "AAF",
}
"""Timeline suffixes and the OpenTimelineIO adapter that reads each."""


def is_timeline(path: Path) -> bool:
    """Whether ``path`` names an editorial timeline (an ``.xml`` only when it is FCP XML)."""
    suffix = path.suffix.lower()
    if suffix not in ADAPTERS or not path.is_file():
        return False
    return suffix != ".xml" or _is_fcp_xml(path)


def _is_fcp_xml(path: Path) -> bool:
    # A delivered .xml may be any document (a sidecar, a manifest): only an
    # FCP 7 / Premiere interchange file is read as a cut.
    with path.open("rb") as stream:
        return b"<xmeml" in stream.read(4096)
