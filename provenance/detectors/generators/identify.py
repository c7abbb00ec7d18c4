"""The matchers in order, most specific first; the first that recognises the file names its tool.

Order matters because tools nest: SwarmUI, TensorArt, Stability Matrix and
Civitai run ComfyUI underneath and also leave a ComfyUI graph; Fooocus and
Stability Matrix may write A1111 infotext; ComfyUI savers write A1111 text
with ``Version: ComfyUI``. So the markers unique to one tool are checked
before the shared formats (A1111 infotext, ComfyUI graphs), and a bare
software-name tag comes last.
"""

from __future__ import annotations

from provenance.detectors.generators import (
    a1111,
    civitai,
    comfyui,
    fooocus,
    hosted,
    invokeai,
    novelai,
    swarmui,
    webapps,
)
from provenance.detectors.generators.entries import Entries
from provenance.detectors.generators.finding import Finding, Matcher

MATCHERS: tuple[Matcher, ...] = (
    novelai.identify,
    invokeai.identify,
    webapps.tensorart,
    webapps.stability_matrix,
    swarmui.identify,
    civitai.identify,
    fooocus.identify,
    webapps.easy_diffusion,
    webapps.huggingface_space,
    hosted.draw_things,
    hosted.midjourney,
    a1111.identify,
    comfyui.identify,
    a1111.bare_parameters,  # last: what no matcher above names, under A1111's own key
)


def identify(entries: Entries) -> Finding | None:
    """The first matcher's finding, or None when no generator marker is present."""
    if not entries:
        return None
    for matcher in MATCHERS:
        finding = matcher(entries)
        if finding is not None:
            return finding
    return None
