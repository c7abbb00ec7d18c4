"""Hosted generators named by C2PA claims, IPTC credit, EXIF names and infotext; registry rows.

Files are built by test code from the vendors' published names: Amazon's
Titan Image Generator and Nova Canvas through Bedrock (model ids
``amazon.titan-image-generator-v2:0``, ``amazon.nova-canvas-v1:0``),
Google's "Edited with Google AI" credit beside an IPTC source type, a
studio's own C2PA signer naming the Stable Diffusion model it ran, a
generator's name where a camera's would be, and Civitai's
``Model: <id>.safetensors``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from provenance.classify import Classification, classify_file
from provenance.detectors.c2pa_claims import store_evidence
from provenance.detectors.exif import generator_named, plausible_camera
from provenance.detectors.software_names import match_software
from provenance.settings import Settings
from provenance.tools import HOSTED, TOOLS, canonical_tool, hosted
from tests.detectors.builders_generators import png_bytes, text_chunk
from tests.detectors.builders_metadata import dst, jpeg_bytes, jpeg_with_xmp, xmp_packet

SETTINGS = Settings(db="sqlite://")
TRAINED = "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia"


def classify(tmp_path: Path, name: str, data: bytes) -> Classification:
    path = tmp_path / name
    path.write_bytes(data)
    return classify_file(path, SETTINGS)[1]


def exif_jpeg(ifd0: dict[int, str], sub: dict[int, str] | None = None) -> bytes:
    exif = Image.Exif()
    for tag, value in ifd0.items():
        exif[tag] = value
    inner = exif.get_ifd(0x8769)
    for tag, value in (sub or {}).items():
        inner[tag] = value
    return jpeg_bytes(exif=exif.tobytes())


# A generator's name where a camera's would be.


@pytest.mark.parametrize(
    ("tags", "tool"),
    [
        ({0x010F: "Midjourney", 0x0110: "v6.1"}, "midjourney"),
        ({0x010F: "Amazon", 0x0110: "Titan Image Generator G1 v2"}, "amazon-titan"),
        ({0x010F: "Leonardo.Ai", 0x0110: "Phoenix"}, "leonardo-ai"),
        ({0x010F: "OpenAI", 0x0110: "image"}, "unknown-genai"),
        ({0x010F: "Google", 0x0110: "Imagen 3"}, "google-gemini"),
        ({0x0131: "Ideogram"}, "ideogram"),
    ],
)
def test_a_generators_name_in_exif_is_genai_and_no_camera(
    tmp_path: Path, tags: dict[int, str], tool: str
) -> None:
    result = classify(tmp_path, "hosted.jpg", exif_jpeg(tags))
    assert (result.verdict, result.tool, result.confidence) == ("genai", tool, "medium")
    assert not any(e.tool == "camera" for e in result.evidence)
    assert any(e.kind == "exif-generator-name" for e in result.evidence)


def test_a_generator_name_in_the_sub_ifd_is_read_too(tmp_path: Path) -> None:
    result = classify(tmp_path, "sub.jpg", exif_jpeg({}, {0x010F: "Midjourney", 0x0110: "v7"}))
    assert (result.verdict, result.tool) == ("genai", "midjourney")


def test_a_cameras_make_in_the_sub_ifd_is_a_camera(tmp_path: Path) -> None:
    result = classify(tmp_path, "sub.jpg", exif_jpeg({}, {0x010F: "FUJIFILM", 0x0110: "X-T5"}))
    assert (result.verdict, result.tool) == ("not_genai", "camera")


@pytest.mark.parametrize(
    ("make", "model"),
    [
        ("Google", "Pixel 8 Pro"),
        ("Canon", "Canon EOS R5"),
        ("SONY", "ILCE-7M4"),
        ("Apple", "iPhone 15 Pro"),
        ("NIKON CORPORATION", "NIKON Z 9"),
        ("OLYMPUS CORPORATION", "E-PL8"),
    ],
)
def test_real_cameras_name_no_generator(make: str, model: str) -> None:
    assert generator_named({"make": make, "model": model}) is None
    assert plausible_camera(make, model)


def test_generator_json_in_make_is_left_to_the_generator_detectors() -> None:
    tags = {"make": 'workflow:{"nodes": ["ComfyUI"]}', "model": 'prompt:{"3": {}}'}
    assert generator_named(tags) is None


# C2PA manifests of hosted generators and custom signers.


def store(*manifests: dict[str, Any]) -> dict[str, Any]:
    return {
        "active_manifest": manifests[0]["label"],
        "manifests": {m["label"]: m for m in manifests},
        "validation_state": "Valid",
        "validation_status": [],
    }


def created(generator: str, agent: object, source_type: str | None = TRAINED) -> dict[str, Any]:
    action: dict[str, Any] = {"action": "c2pa.created", "softwareAgent": agent}
    if source_type:
        action["digitalSourceType"] = source_type
    return {
        "label": "urn:uuid:1",
        "claim_generator_info": [{"name": generator, "version": "1.0"}],
        "assertions": [{"label": "c2pa.actions.v2", "data": {"actions": [action]}}],
    }


def decisive(data: dict[str, Any]) -> list[tuple[str, str | None, str | None]]:
    items = store_evidence(data, "c2pa", "embedded")
    return [(e.signal, e.tool, e.confidence) for e in items if e.signal != "neutral"]


@pytest.mark.parametrize(
    ("generator", "agent", "tool"),
    [
        (
            "Amazon Bedrock",
            {"name": "Amazon Titan Image Generator", "version": "v2"},
            "amazon-titan",
        ),
        ("Amazon Bedrock", "amazon.titan-image-generator-v1", "amazon-titan"),
        ("Amazon Bedrock", {"name": "Amazon Nova Canvas"}, "amazon-nova"),
        ("Amazon Bedrock", {"name": "image model"}, "amazon-bedrock"),
        ("StudioSigner", {"name": "stable-diffusion-xl-base-1.0"}, "stable-diffusion"),
        ("StudioSigner", {"name": "SD3.5 Large"}, "stable-diffusion"),
        ("StudioSigner", {"name": "FLUX.1 [dev]"}, "flux"),
    ],
)
def test_hosted_and_custom_c2pa_claims_name_their_tool(
    generator: str, agent: object, tool: str
) -> None:
    assert decisive(store(created(generator, agent))) == [("genai", tool, "strong")]


def test_a_custom_signer_without_a_source_type_still_names_the_model() -> None:
    manifest = created("StudioSigner", {"name": "Stable Diffusion XL"}, source_type=None)
    assert decisive(store(manifest)) == [("genai", "stable-diffusion", "medium")]


# Gemini without C2PA: an IPTC source type and "Edited with Google AI".


GENERATED_TAILS = ["trainedAlgorithmicMedia", "compositeWithTrainedAlgorithmicMedia"]


@pytest.mark.parametrize("tail", GENERATED_TAILS)
def test_gemini_credit_beside_a_generated_source_type(tmp_path: Path, tail: str) -> None:
    credit = "<photoshop:Credit>Edited with Google AI</photoshop:Credit>"
    ns = 'xmlns:photoshop="http://ns.adobe.com/photoshop/1.0/"'
    data = jpeg_with_xmp(xmp_packet(dst(tail) + credit, ns))
    result = classify(tmp_path, "gemini.jpg", data)
    assert (result.verdict, result.tool, result.confidence) == ("genai", "google-gemini", "medium")
    assert "Edited with Google AI" in (result.strongest() or result.evidence[0]).detail


def test_the_credit_alone_says_nothing_generated(tmp_path: Path) -> None:
    credit = "<photoshop:Credit>Edited with Google AI</photoshop:Credit>"
    ns = 'xmlns:photoshop="http://ns.adobe.com/photoshop/1.0/"'
    result = classify(tmp_path, "credit.jpg", jpeg_with_xmp(xmp_packet(credit, ns)))
    assert result.verdict == "unknown"


def test_a_source_type_without_the_credit_names_no_tool(tmp_path: Path) -> None:
    result = classify(
        tmp_path, "dst.jpg", jpeg_with_xmp(xmp_packet(dst("trainedAlgorithmicMedia")))
    )
    assert (result.verdict, result.tool) == ("genai", "unknown-genai")


# Civitai's generator and trainer samples.

SETTINGS_LINE = "Steps: 30, Sampler: Euler a, CFG scale: 7, Seed: 5, Size: 512x768, Model: {model}"


@pytest.mark.parametrize(
    ("model", "tool"),
    [
        ("1146431.safetensors", "civitai"),
        ("0b7e9a3c-5d2f-4c1e-9a8b-7f6e5d4c3b2a.safetensors", "civitai"),
        ("juggernautXL_v9.safetensors", "comfyui"),
        ("juggernautXL_v9", "automatic1111"),
    ],
)
def test_a_model_named_by_its_civitai_id_is_civitai(tmp_path: Path, model: str, tool: str) -> None:
    text = "a castle at dusk\nNegative prompt: blurry\n" + SETTINGS_LINE.format(model=model)
    result = classify(tmp_path, "sample.png", png_bytes(before=[text_chunk("parameters", text)]))
    assert (result.verdict, result.tool) == ("genai", tool)


# The registry.


def test_every_hosted_generator_has_a_full_row() -> None:
    for tool_id, row in HOSTED.items():
        assert tool_id in TOOLS, tool_id
        assert row.vendor and row.terms and row.marks, tool_id
        assert row.trains_on_inputs in ("no", "plan-dependent", "unreviewed")
    for needed in ("amazon-titan", "amazon-nova", "google-gemini", "civitai", "midjourney"):
        assert hosted(needed) is not None
    assert hosted("comfyui") is None and hosted(None) is None


@pytest.mark.parametrize(
    ("spelling", "tool"),
    [
        ("amazon.titan-image-generator-v2:0", "amazon-titan"),
        ("amazon.nova-canvas-v1:0", "amazon-nova"),
        ("Black Forest Labs", "flux"),
        ("SDXL", "stable-diffusion"),
    ],
)
def test_model_ids_and_vendor_names_are_aliases(spelling: str, tool: str) -> None:
    assert canonical_tool(spelling) == tool


def test_every_tool_the_software_names_give_is_registered() -> None:
    samples = ["Amazon Titan", "Nova Canvas", "Amazon Bedrock", "Leonardo.Ai", "Ideogram",
               "FLUX.1", "Civitai", "Stable Diffusion 3", "Edited with Google AI"]  # fmt: skip
    for sample in samples:
        found = match_software(sample)
        assert found is not None and found.tool in TOOLS, sample


def test_the_readme_lists_every_hosted_generator() -> None:
    """The README's table is generated from the registry (docs/update_readme.py)."""
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    for tool_id, row in HOSTED.items():
        line = next((li for li in readme.splitlines() if li.startswith(f"| `{tool_id}` |")), "")
        assert row.vendor in line and f"| {row.trains_on_inputs} |" in line, (
            f"README's hosted generators table is out of date for {tool_id}: "
            "run python docs/update_readme.py"
        )
