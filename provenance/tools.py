"""Canonical tool ids, in one place, with the aliases markers use for them.

Evidence names a tool by its canonical id (``automatic1111``, ``comfyui``,
``adobe-firefly``...). Markers spell tools many ways (``ComfyUI``,
``Adobe Firefly``, ``stable-diffusion-webui``); :func:`canonical_tool` maps a
spelling to its id. ``unknown-genai`` is used when a marker says content was
generated but names no tool.

The non-generative origins (``camera``, ``gimp``, ``adobe-photoshop``...) are
ids too, so evidence can name who made or saved a file either way.

Hosted generators -- services that generate on their vendor's machines, so
the studio's inputs leave the building -- also have a :class:`HostedGenerator`
row in :data:`HOSTED`: the vendor, whether the vendor's published terms say it
trains on what users send, and how it marks its output (what this project's
detectors find). ``trains_on_inputs`` is ``"unreviewed"`` wherever nobody
has checked the vendor's current terms: a policy should treat that as a
question for legal, never as a no.

Each generative tool also has its published **terms** (:func:`terms`): the
licence its software is released under, or that it is a hosted service used
under the vendor's terms; and the enterprise offering the vendor publishes,
the kind of agreement under which inputs are not kept or trained on (what the
studio guidance asks a production to check). Where the vendor's terms could
not be confirmed the entry says ``unknown``; it never guesses. What tier a
production actually runs a tool on is the production's to declare, in the
``[[approved_tools]]`` settings table.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

UNKNOWN_GENAI = "unknown-genai"

# canonical id -> (display name, aliases). Aliases are matched after folding
# case and punctuation, see _fold().
TOOLS: Mapping[str, tuple[str, tuple[str, ...]]] = {
    "automatic1111": (
        "AUTOMATIC1111 Stable Diffusion web UI",
        ("a1111", "sd-webui", "stable-diffusion-webui"),
    ),
    "forge": ("Stable Diffusion WebUI Forge", ("sd-webui-forge", "webui-forge")),
    "forge-classic": ("Forge Classic", ("sd-webui-forge-classic",)),
    "forge-neo": ("Forge Neo", ("sd-webui-forge-neo",)),
    "reforge": ("reForge", ("sd-webui-reforge",)),
    "easy-reforge": ("EasyReforge", ("easyreforge",)),
    "sdnext": ("SD.Next", ("sd.next", "vladmandic-automatic", "sd-next")),
    "civitai": ("Civitai generator", ()),
    "comfyui": ("ComfyUI", ("comfy",)),
    "invokeai": ("InvokeAI", ("invoke", "invoke-ai")),
    "novelai": ("NovelAI", ("nai",)),
    "fooocus": ("Fooocus", ()),
    "ruined-fooocus": ("RuinedFooocus", ("ruinedfooocus",)),
    "swarmui": ("SwarmUI", ("stableswarmui", "stable-swarm-ui")),
    "stability-matrix": ("Stability Matrix", ("stabilitymatrix",)),
    "tensorart": ("TensorArt", ("tensor.art", "tensor-art")),
    "drawthings": ("Draw Things", ("draw-things",)),
    "easy-diffusion": ("Easy Diffusion", ("easydiffusion",)),
    "midjourney": ("Midjourney", ()),
    "openai-dall-e-3": (
        "OpenAI DALL-E 3",
        ("dall-e-3", "dalle3", "dall-e", "openai-dall-e", "dall·e"),
    ),
    "openai-gpt-image": ("OpenAI GPT image", ("gpt-image-1", "gpt-4o", "chatgpt")),
    "adobe-firefly": ("Adobe Firefly", ("firefly",)),
    "adobe-photoshop-generative-fill": (
        "Photoshop Generative Fill",
        ("generative-fill", "photoshop-generative-fill"),
    ),
    "google-gemini": ("Google Gemini / Imagen", ("gemini", "imagen", "google-imagen")),
    "microsoft-bing-image-creator": (
        "Bing Image Creator",
        ("bing-image-creator", "microsoft-designer"),
    ),
    "meta-ai": ("Meta AI", ("imagine-with-meta-ai",)),
    "runway": ("Runway", ("runwayml",)),
    "sora": ("OpenAI Sora", ("openai-sora",)),
    "veo": ("Google Veo", ("google-veo",)),
    "elevenlabs": ("ElevenLabs", ("eleven-labs",)),
    "suno": ("Suno", ("suno-ai",)),
    "udio": ("Udio", ()),
    "krea": ("Krea", ("krea-ai",)),
    "huggingface-space": ("Hugging Face Space", ("hf-space",)),
    "amazon-titan": (
        "Amazon Titan Image Generator",
        (
            "titan",
            "titan-image-generator",
            "amazon.titan-image-generator-v1",
            "amazon.titan-image-generator-v2:0",
        ),
    ),
    "amazon-nova": (
        "Amazon Nova Canvas / Reel",
        ("nova-canvas", "nova-reel", "amazon.nova-canvas-v1:0"),
    ),
    "amazon-bedrock": ("Amazon Bedrock (model not named)", ("bedrock",)),
    "leonardo-ai": ("Leonardo.Ai", ("leonardo",)),
    "ideogram": ("Ideogram", ()),
    "flux": ("FLUX (Black Forest Labs)", ("black-forest-labs", "bfl", "flux.1")),
    "stable-diffusion": (
        "a Stable Diffusion model (tool not named)",
        ("sdxl", "sd3", "stability-ai", "stable-diffusion-xl"),
    ),
    UNKNOWN_GENAI: ("generative AI (tool not named)", ()),
    # Non-generative origins.
    "camera": ("a camera", ()),
    "gimp": ("GIMP", ()),
    "adobe-photoshop": ("Adobe Photoshop", ("photoshop",)),
    "adobe-lightroom": ("Adobe Lightroom", ("lightroom",)),
    "adobe-express": ("Adobe Express", ()),
    "field-recorder": ("a field audio recorder", ()),
    "c2pa-test": ("C2PA test tool", ("c2pa-testing", "make-test-images")),
    "none": ("no tool", ()),
}


@dataclass(frozen=True)
class ToolTerms:
    """What a vendor publishes about using a generative tool.

    ``licence`` is the software's licence (an SPDX id) for tools that run on
    the studio's own machines, or ``vendor terms of service`` for a hosted
    service; ``enterprise`` names the vendor's enterprise offering, ``runs
    locally`` where inputs never leave the studio, or ``unknown``.
    """

    licence: str
    enterprise: str


UNKNOWN = "unknown"
LOCAL = "runs locally (inputs stay on the studio's machines)"
HOSTED_SERVICE = "vendor terms of service"


def _local(spdx: str) -> ToolTerms:
    return ToolTerms(spdx, LOCAL)


def _hosted(enterprise: str = UNKNOWN) -> ToolTerms:
    return ToolTerms(HOSTED_SERVICE, enterprise)


# Published licences and enterprise offerings; "unknown" where not confirmed.
TERMS: Mapping[str, ToolTerms] = {
    "automatic1111": _local("AGPL-3.0"),
    "forge": _local("AGPL-3.0"),
    "forge-classic": _local(UNKNOWN),
    "forge-neo": _local(UNKNOWN),
    "reforge": _local(UNKNOWN),
    "easy-reforge": _local(UNKNOWN),
    "sdnext": _local(UNKNOWN),
    "civitai": _hosted(),
    "comfyui": _local("GPL-3.0"),
    "invokeai": _local("Apache-2.0"),
    "novelai": _hosted(),
    "fooocus": _local("GPL-3.0"),
    "ruined-fooocus": _local(UNKNOWN),
    "swarmui": _local("MIT"),
    "stability-matrix": _local(UNKNOWN),
    "tensorart": _hosted(),
    "drawthings": ToolTerms("proprietary app", UNKNOWN),
    "easy-diffusion": _local("MIT"),
    "midjourney": _hosted("none published (Pro and Mega plans add stealth mode)"),
    "openai-dall-e-3": _hosted("ChatGPT Enterprise; OpenAI API"),
    "openai-gpt-image": _hosted("ChatGPT Enterprise; OpenAI API"),
    "adobe-firefly": _hosted("Firefly for Enterprise"),
    "adobe-photoshop-generative-fill": _hosted("Adobe Creative Cloud for enterprise"),
    "google-gemini": _hosted("Vertex AI (Google Cloud)"),
    "microsoft-bing-image-creator": _hosted(),
    "meta-ai": _hosted(),
    "runway": _hosted("Runway Enterprise plan"),
    "sora": _hosted(),
    "veo": _hosted("Vertex AI (Google Cloud)"),
    "elevenlabs": _hosted("ElevenLabs Enterprise plan"),
    "suno": _hosted(),
    "udio": _hosted(),
    "krea": _hosted(),
    "huggingface-space": ToolTerms("varies by Space and model", UNKNOWN),
    "amazon-titan": _hosted("Amazon Bedrock (AWS)"),
    "amazon-nova": _hosted("Amazon Bedrock (AWS)"),
    "amazon-bedrock": _hosted("Amazon Bedrock (AWS)"),
    "leonardo-ai": _hosted(),
    "ideogram": _hosted(),
    # Model families, run locally or through someone's service: the weights'
    # licence differs by model (FLUX.1 [schnell] is Apache-2.0, [dev] is not).
    "flux": ToolTerms("varies by model", UNKNOWN),
    "stable-diffusion": ToolTerms("varies by model", UNKNOWN),
    UNKNOWN_GENAI: ToolTerms(UNKNOWN, UNKNOWN),
}


def terms(tool_id: str | None) -> ToolTerms:
    """A tool's published terms; ``unknown`` for a tool not named or not in the registry."""
    return TERMS.get(tool_id or UNKNOWN_GENAI, TERMS[UNKNOWN_GENAI])


def _fold(text: str) -> str:
    return re.sub(r"[\s_./]+", "-", text.strip().lower()).strip("-")


_LOOKUP: dict[str, str] = {}
for _tool_id, (_display, _aliases) in TOOLS.items():
    for _name in (_tool_id, _display, *_aliases):
        _LOOKUP.setdefault(_fold(_name), _tool_id)


def canonical_tool(name: str | None) -> str | None:
    """The canonical id for a tool spelling, or None when not known."""
    if not name:
        return None
    return _LOOKUP.get(_fold(name))


def display_name(tool_id: str) -> str:
    """A tool's human name, or the id itself for ids not declared here."""
    entry = TOOLS.get(tool_id)
    return entry[0] if entry else tool_id


TrainingTerms = Literal["no", "plan-dependent", "unreviewed"]


@dataclass(frozen=True)
class HostedGenerator:
    """A hosted generator's registry row.

    ``trains_on_inputs`` says what the vendor's published terms say about
    training on prompts and uploads: ``"no"`` (not by default, for every
    plan), ``"plan-dependent"`` (business/API plans no, consumer plans yes
    unless the user opts out), ``"unreviewed"`` (nobody here has checked).
    ``terms`` says where that comes from; ``marks`` how the output is marked.
    """

    vendor: str
    trains_on_inputs: TrainingTerms
    terms: str
    marks: tuple[str, ...]


_C2PA = "C2PA manifest"
_UNREVIEWED = "not reviewed"
_UNDOCUMENTED = "no in-file marker documented (a name in EXIF or XMP where one is written)"
HOSTED: Mapping[str, HostedGenerator] = {
    "amazon-titan": HostedGenerator(
        "Amazon Web Services",
        "no",
        "Amazon Bedrock: prompts and outputs are not used to train AWS models",
        (f"{_C2PA} (exact claim names not verified here)", "invisible watermark"),
    ),
    "amazon-nova": HostedGenerator(
        "Amazon Web Services",
        "no",
        "Amazon Bedrock: prompts and outputs are not used to train AWS models",
        (f"{_C2PA} on every Nova Canvas image (AWS samples)", "invisible watermark"),
    ),
    "amazon-bedrock": HostedGenerator(
        "Amazon Web Services",
        "no",
        "Amazon Bedrock: prompts and outputs are not used to train AWS models",
        (f"{_C2PA} naming Bedrock but not the model",),
    ),
    "adobe-firefly": HostedGenerator(
        "Adobe",
        "no",
        "Adobe: Firefly is not trained on customers' content",
        (f"{_C2PA} (Adobe Firefly, trainedAlgorithmicMedia)", "XMP digital source type"),
    ),
    "adobe-photoshop-generative-fill": HostedGenerator(
        "Adobe",
        "no",
        "Adobe: Firefly is not trained on customers' content",
        (f"{_C2PA} (compositeWithTrainedAlgorithmicMedia)",),
    ),
    "openai-dall-e-3": HostedGenerator(
        "OpenAI",
        "plan-dependent",
        "OpenAI: API and business data not used for training; ChatGPT consumer unless opted out",
        (f"{_C2PA} (ChatGPT / OpenAI API, softwareAgent DALL-E)",),
    ),
    "openai-gpt-image": HostedGenerator(
        "OpenAI",
        "plan-dependent",
        "OpenAI: API and business data not used for training; ChatGPT consumer unless opted out",
        (f"{_C2PA} (OpenAI Media Service, softwareAgent gpt-image)",),
    ),
    "sora": HostedGenerator(
        "OpenAI",
        "plan-dependent",
        "OpenAI: API and business data not used for training; consumer apps unless opted out",
        (f"{_C2PA} in MP4 (softwareAgent Sora)", "visible watermark"),
    ),
    "google-gemini": HostedGenerator(
        "Google",
        "plan-dependent",
        "Google: Vertex AI and Workspace data not used for training; the consumer app may be",
        (
            f"{_C2PA} (Google C2PA Core Generator Library)",
            "XMP trainedAlgorithmicMedia + credit 'Edited with Google AI'",
            "SynthID watermark",
        ),
    ),
    "veo": HostedGenerator(
        "Google",
        "plan-dependent",
        "Google: Vertex AI data not used for training; the consumer app may be",
        (f"{_C2PA} in MP4", "SynthID watermark"),
    ),
    "midjourney": HostedGenerator(
        "Midjourney",
        "unreviewed",
        _UNREVIEWED,
        ("PNG Description with 'Job ID'", "XMP DigImageGUID + trainedAlgorithmicMedia"),
    ),
    "microsoft-bing-image-creator": HostedGenerator(
        "Microsoft",
        "unreviewed",
        _UNREVIEWED,
        (f"{_C2PA} (Microsoft Responsible AI, 'AI Generated Image')",),
    ),
    "meta-ai": HostedGenerator(
        "Meta",
        "unreviewed",
        _UNREVIEWED,
        ("XMP trainedAlgorithmicMedia", "visible 'Imagined with AI' label"),
    ),
    "runway": HostedGenerator(
        "Runway", "unreviewed", _UNREVIEWED, (f"{_C2PA} (claimed, not verified here)",)
    ),
    "elevenlabs": HostedGenerator(
        "ElevenLabs", "unreviewed", _UNREVIEWED, (f"{_C2PA} (announced)", "SynthID audio watermark")
    ),
    "suno": HostedGenerator("Suno", "unreviewed", _UNREVIEWED, (_UNDOCUMENTED,)),
    "udio": HostedGenerator("Udio", "unreviewed", _UNREVIEWED, (_UNDOCUMENTED,)),
    "krea": HostedGenerator(
        "Krea", "unreviewed", _UNREVIEWED, ("EXIF Software / XMP CreatorTool",)
    ),
    "novelai": HostedGenerator(
        "Anlatan (NovelAI)",
        "unreviewed",
        _UNREVIEWED,
        ("PNG text Software=NovelAI + Comment JSON", "stealth alpha bits"),
    ),
    "civitai": HostedGenerator(
        "Civitai",
        "unreviewed",
        _UNREVIEWED,
        (
            "EXIF UserComment: A1111 text with 'Civitai resources', or ComfyUI JSON "
            "with extraMetadata",
            "trainer samples: A1111 text ending 'Model: <id>.safetensors'",
        ),
    ),
    "tensorart": HostedGenerator(
        "TensorArt", "unreviewed", _UNREVIEWED, ("PNG generation_data beside a ComfyUI graph",)
    ),
    "huggingface-space": HostedGenerator(
        "Hugging Face (space author)",
        "unreviewed",
        "each space has its own author and terms",
        ("PNG parameters JSON with Model and resolution",),
    ),
    "leonardo-ai": HostedGenerator("Leonardo.Ai", "unreviewed", _UNREVIEWED, (_UNDOCUMENTED,)),
    "ideogram": HostedGenerator("Ideogram", "unreviewed", _UNREVIEWED, (_UNDOCUMENTED,)),
    "flux": HostedGenerator("Black Forest Labs", "unreviewed", _UNREVIEWED, (_UNDOCUMENTED,)),
}


def hosted(tool_id: str | None) -> HostedGenerator | None:
    """The registry row of a hosted generator, or None for local tools and other origins."""
    return HOSTED.get(tool_id) if tool_id else None
