"""Each tool's marker, built as the tool writes it, in every container it uses."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from provenance.classify import Classification
from provenance.detectors.generators.a1111 import infotext_tool, parse_infotext, parse_settings
from provenance.files.formats.tiff_ifd import IMAGE_DESCRIPTION, MAKE, MODEL, SOFTWARE, USER_COMMENT
from tests.detectors.builders_generators import (
    UNDEFINED,
    ascii_tag,
    classify_bytes,
    exif_block,
    jpeg_bytes,
    png_bytes,
    text_chunk,
    user_comment,
    webp_bytes,
)

SETTINGS = "Steps: 20, Sampler: DPM++ 2M, CFG scale: 7, Seed: 42, Size: 512x512, Model: sdxl"


def infotext(version: str | None = None, extra: str = "") -> str:
    tail = f", Version: {version}" if version else ""
    return f"a red fox\nNegative prompt: blurry\n{SETTINGS}{extra}{tail}"


def exif_comment(text: str, encoding: str = "be") -> bytes:
    return exif_block({}, {USER_COMMENT: (UNDEFINED, user_comment(text, encoding))})


def check(result: Classification, tool: str, prompt: str | None = None) -> None:
    assert result.verdict == "genai", [e.detail for e in result.evidence]
    assert result.tool == tool
    assert result.confidence == "strong"
    if prompt is not None:
        assert result.prompt == prompt


# -- AUTOMATIC1111 and its forks ---------------------------------------------------------------

VERSIONS = [
    ("v1.10.1", "automatic1111"),
    ("classic", "forge-classic"),
    ("neo", "forge-neo"),
    ("f2.0.1v1.10.1-previous-669-gdfdcbab6", "forge"),
    ("f1.0.0v2-v1.10.1RC-latest-2498-g5120e679", "reforge"),
    ("f1.7.0-v1.10.1RC-latest-123", "easy-reforge"),
    ("Fooocus v2.5.5", "fooocus"),
    ("ComfyUI", "comfyui"),
    (None, "automatic1111"),
]


@pytest.mark.parametrize(("version", "tool"), VERSIONS)
def test_a1111_versions_name_the_fork(tmp_path: Path, version: str | None, tool: str) -> None:
    data = png_bytes(before=[text_chunk("parameters", infotext(version))])
    check(classify_bytes(tmp_path, data), tool, "a red fox")


@pytest.mark.parametrize("kind", ["tEXt", "zTXt", "iTXt", "iTXt-z"])
def test_a1111_in_every_png_text_chunk_and_after_idat(tmp_path: Path, kind: str) -> None:
    data = png_bytes(after=[text_chunk("parameters", infotext("v1.9.4"), kind)])
    result = classify_bytes(tmp_path, data)
    check(result, "automatic1111", "a red fox")
    fields = result.evidence[0].fields
    assert fields["negative_prompt"] == "blurry"
    assert fields["seed"] == "42"
    assert fields["model"] == "sdxl"


@pytest.mark.parametrize("encoding", ["be", "le"])
def test_a1111_jpeg_and_webp_user_comment(tmp_path: Path, encoding: str) -> None:
    block = exif_comment(infotext("neo"), encoding)
    check(classify_bytes(tmp_path, jpeg_bytes(exif=block), "a.jpg"), "forge-neo", "a red fox")
    check(classify_bytes(tmp_path, webp_bytes(exif=block), "a.webp"), "forge-neo", "a red fox")


def test_a1111_in_a_jpeg_comment(tmp_path: Path) -> None:
    data = jpeg_bytes(comments=[infotext("v1.6.0").encode()])
    check(classify_bytes(tmp_path, data, "a.jpg"), "automatic1111", "a red fox")


def test_sdnext_is_told_by_its_app_field(tmp_path: Path) -> None:
    text = infotext(None, ", App: SD.Next, Version: 56a8aea")
    check(classify_bytes(tmp_path, jpeg_bytes(exif=exif_comment(text)), "a.jpg"), "sdnext")


def test_civitai_infotext(tmp_path: Path) -> None:
    extra = ', Civitai resources: [{"type":"checkpoint","modelVersionId":1}], Civitai metadata: {}'
    block = exif_comment(infotext(None, extra))
    result = classify_bytes(tmp_path, jpeg_bytes(exif=block), "a.jpg")
    check(result, "civitai", "a red fox")
    assert result.evidence[0].fields["seed"] == "42"


def test_single_line_forge_infotext() -> None:
    parsed = parse_infotext(f"a fox. Negative prompt: blurry. {SETTINGS}, Version: f2.0.1v1.10.1")
    assert parsed is not None
    assert parsed.prompt == "a fox."
    assert parsed.negative == "blurry."
    assert infotext_tool(parsed.settings) == "forge"


def test_comfyui_savers_without_version_are_recognised() -> None:
    snake = parse_settings("Steps: 20, Sampler: euler_ancestral_karras, Seed: 1")
    filename = parse_settings("Steps: 20, Sampler: Euler, Model: x.safetensors")
    assert infotext_tool(snake) == infotext_tool(filename) == "comfyui"
    assert infotext_tool(parse_settings("Steps: 20, Sampler: Euler a, Seed: 1")) == "automatic1111"


def test_settings_values_may_be_quoted_or_json() -> None:
    line = 'Steps: 5, Lora hashes: "a: 1, b: 2", Hashes: {"model": "x, y"}, Seed: 3'
    settings = parse_settings(line)
    assert settings["Lora hashes"] == "a: 1, b: 2"
    assert settings["Hashes"] == '{"model": "x, y"}'
    assert settings["Seed"] == "3"


@pytest.mark.parametrize(
    "text",
    [
        "a5cb01550dbb9a6bf732f87e413f6e231cc4581e6a5be800fb0871dce0760c",
        "Model: Canon EOS, Size: large",
        "Holiday photo. Steps: to the beach",
        "",
    ],
)
def test_captions_are_not_infotext(tmp_path: Path, text: str) -> None:
    data = jpeg_bytes(exif=exif_comment(text, "ascii"), comments=[text.encode()])
    assert classify_bytes(tmp_path, data, "a.jpg").verdict == "unknown"


@pytest.mark.parametrize("kind", ["tEXt", "zTXt", "iTXt"])
def test_a1111_text_without_its_settings_line_is_still_generated(tmp_path: Path, kind: str) -> None:
    """The settings line rewritten or trimmed away: the prompt and negative prompt remain."""
    data = png_bytes(before=[text_chunk("parameters", "a red fox\nNegative prompt: blurry", kind)])
    result = classify_bytes(tmp_path, data, "a.png")
    assert (result.verdict, result.tool, result.confidence) == ("genai", "automatic1111", "medium")
    assert result.prompt == "a red fox"
    assert "without its settings line" in result.evidence[0].detail


def test_a_prompt_alone_under_a1111s_key_is_weakly_generated(tmp_path: Path) -> None:
    data = png_bytes(before=[text_chunk("parameters", "a lighthouse at dusk, matte painting")])
    result = classify_bytes(tmp_path, data, "a.png")
    assert (result.verdict, result.tool, result.confidence) == ("genai", "unknown-genai", "weak")
    assert result.evidence[0].kind == "parameters-text"
    assert result.prompt == "a lighthouse at dusk, matte painting"


@pytest.mark.parametrize("text", ["", "   ", '{"prompt": "x"}', "[1, 2]"])
def test_an_empty_or_json_parameters_text_says_nothing_here(tmp_path: Path, text: str) -> None:
    """JSON under the key is a tool's own (Fooocus, SwarmUI): named by its matcher, or not."""
    data = png_bytes(before=[text_chunk("parameters", text)])
    assert classify_bytes(tmp_path, data, "a.png").verdict == "unknown"


def test_other_keys_and_other_containers_do_not_count(tmp_path: Path) -> None:
    png = png_bytes(before=[text_chunk("Comment", "a lighthouse at dusk")])
    assert classify_bytes(tmp_path, png, "a.png").verdict == "unknown"
    jpeg = jpeg_bytes(exif=exif_comment("a lighthouse at dusk", "ascii"))
    assert classify_bytes(tmp_path, jpeg, "a.jpg").verdict == "unknown"


# -- ComfyUI -----------------------------------------------------------------------------------

GRAPH = {
    "3": {
        "class_type": "KSampler",
        "inputs": {
            "seed": 99,
            "steps": 20,
            "sampler_name": "euler",
            "positive": ["6", 0],
            "negative": ["7", 0],
            "model": ["4", 0],
        },
    },
    "4": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": "sd15.safetensors"}},
    "6": {"class_type": "CLIPTextEncode", "inputs": {"text": ["10", 0], "clip": ["4", 1]}},
    "7": {"class_type": "CLIPTextEncode", "inputs": {"text": "ugly", "clip": ["4", 1]}},
    "10": {"class_type": "PrimitiveStringMultiline", "inputs": {"value": "a castle"}},
}
WORKFLOW = {
    "last_node_id": 10,
    "links": [],
    "nodes": [{"id": 6, "type": "CLIPTextEncode", "widgets_values": ["a castle in the UI"]}],
}


def _check_comfy(result: Classification, prompt: str = "a castle") -> None:
    check(result, "comfyui", prompt)
    fields = result.evidence[0].fields
    assert fields["negative_prompt"] == "ugly"
    assert fields["seed"] == "99"
    assert fields["model"] == "sd15.safetensors"


def test_comfyui_png_prompt_and_workflow(tmp_path: Path) -> None:
    chunks = [text_chunk("prompt", json.dumps(GRAPH)), text_chunk("workflow", json.dumps(WORKFLOW))]
    _check_comfy(classify_bytes(tmp_path, png_bytes(before=chunks)))


def test_comfyui_workflow_only(tmp_path: Path) -> None:
    data = png_bytes(before=[text_chunk("workflow", json.dumps(WORKFLOW))])
    check(classify_bytes(tmp_path, data), "comfyui", "a castle in the UI")


def test_comfyui_webp_make_and_model(tmp_path: Path) -> None:
    block = exif_block(
        {
            MODEL: ascii_tag("prompt:" + json.dumps(GRAPH)),
            MAKE: ascii_tag("workflow:" + json.dumps(WORKFLOW)),
        }
    )
    _check_comfy(classify_bytes(tmp_path, webp_bytes(exif=block), "a.webp"))


def test_comfyui_jpeg_save_image_extended(tmp_path: Path) -> None:
    block = exif_block(
        {
            MAKE: ascii_tag("Prompt: " + json.dumps(GRAPH)),
            IMAGE_DESCRIPTION: ascii_tag("Workflow: " + json.dumps(WORKFLOW)),
        }
    )
    _check_comfy(classify_bytes(tmp_path, jpeg_bytes(exif=block), "a.jpg"))


def test_comfyui_jpeg_user_comment_in_ifd0(tmp_path: Path) -> None:
    body = json.dumps({"prompt": GRAPH, "workflow": WORKFLOW})
    block = exif_block({USER_COMMENT: ascii_tag(body)})
    _check_comfy(classify_bytes(tmp_path, jpeg_bytes(exif=block), "a.jpg"))


def test_comfyui_zero_out_negative_is_no_prompt(tmp_path: Path) -> None:
    graph = json.loads(json.dumps(GRAPH))
    graph["7"] = {"class_type": "ConditioningZeroOut", "inputs": {"conditioning": ["6", 0]}}
    data = png_bytes(before=[text_chunk("prompt", json.dumps(graph))])
    result = classify_bytes(tmp_path, data)
    assert "negative_prompt" not in result.evidence[0].fields


def test_comfyui_cyclic_graph_is_safe(tmp_path: Path) -> None:
    graph = {
        "1": {"class_type": "KSampler", "inputs": {"positive": ["2", 0]}},
        "2": {"class_type": "X", "inputs": {"a": ["3", 0]}},
        "3": {"class_type": "Y", "inputs": {"b": ["2", 0]}},
    }
    result = classify_bytes(tmp_path, png_bytes(before=[text_chunk("prompt", json.dumps(graph))]))
    check(result, "comfyui")
    assert result.prompt is None


def test_prompt_chunk_that_is_not_a_graph_is_ignored(tmp_path: Path) -> None:
    data = png_bytes(before=[text_chunk("prompt", '{"a": 1}'), text_chunk("workflow", "[]")])
    assert classify_bytes(tmp_path, data).verdict == "unknown"


# -- InvokeAI ----------------------------------------------------------------------------------


def test_invokeai_3_metadata(tmp_path: Path) -> None:
    meta = {
        "positive_prompt": "a ship",
        "negative_prompt": "fog",
        "seed": 5,
        "model": {"name": "sdxl-base", "hash": "x"},
        "app_version": "5.0",
    }
    chunks = [
        text_chunk("invokeai_metadata", json.dumps(meta), "iTXt"),
        text_chunk("invokeai_graph", "{}"),
    ]
    result = classify_bytes(tmp_path, png_bytes(before=chunks))
    check(result, "invokeai", "a ship")
    assert result.evidence[0].fields["model"] == "sdxl-base"


def test_invokeai_2_sd_metadata(tmp_path: Path) -> None:
    meta = {
        "app_id": "invoke-ai/InvokeAI",
        "model_weights": "sd-1.5",
        "image": {"prompt": [{"prompt": "a ship [fog]", "weight": 1}], "seed": 3},
    }
    result = classify_bytes(
        tmp_path, png_bytes(before=[text_chunk("sd-metadata", json.dumps(meta))])
    )
    check(result, "invokeai", "a ship")
    assert result.evidence[0].fields["negative_prompt"] == "fog"


def test_invokeai_dream_command_line(tmp_path: Path) -> None:
    dream = '"a ship [fog, rain]" -s 50 -S 1234 -W 512 -H 512 -C 7.5 -A k_lms'
    result = classify_bytes(tmp_path, png_bytes(before=[text_chunk("Dream", dream)]))
    check(result, "invokeai", "a ship")
    fields = result.evidence[0].fields
    assert (fields["seed"], fields["steps"], fields["negative_prompt"]) == (
        "1234",
        "50",
        "fog, rain",
    )


# -- NovelAI -----------------------------------------------------------------------------------

NAI_COMMENT = {
    "prompt": "1girl",
    "uc": "lowres",
    "steps": 28,
    "seed": 77,
    "sampler": "k_euler",
    "noise_schedule": "native",
    "signed_hash": "abc==",
}


def test_novelai_png(tmp_path: Path) -> None:
    chunks = [
        text_chunk(k, v)
        for k, v in {
            "Title": "NovelAI generated image",
            "Description": "1girl",
            "Software": "NovelAI",
            "Source": "NovelAI Diffusion V4.5 C02D4F98",
            "Comment": json.dumps(NAI_COMMENT),
        }.items()
    ]
    result = classify_bytes(tmp_path, png_bytes(before=chunks))
    check(result, "novelai", "1girl")
    fields = result.evidence[0].fields
    assert fields["model"] == "NovelAI Diffusion V4.5 C02D4F98"
    assert fields["signed_hash"].startswith("present")
    assert fields["negative_prompt"] == "lowres"


def test_novelai_legacy_title_and_source(tmp_path: Path) -> None:
    chunks = [
        text_chunk("Title", "AI generated image"),
        text_chunk("Source", "Stable Diffusion 1D44365E"),
        text_chunk("Description", "a cat"),
    ]
    check(classify_bytes(tmp_path, png_bytes(before=chunks)), "novelai", "a cat")


def test_novelai_webp(tmp_path: Path) -> None:
    comment = json.dumps(
        {
            "Comment": json.dumps(NAI_COMMENT),
            "Software": "NovelAI",
            "Description": "\x00\x00\x00\x001girl",
        }
    )
    block = exif_block(
        {
            SOFTWARE: ascii_tag("NovelAI Diffusion V4.5 C02D4F98"),
            IMAGE_DESCRIPTION: ascii_tag("1girl"),
        },
        {USER_COMMENT: (UNDEFINED, user_comment(comment, "ascii"))},
    )
    check(classify_bytes(tmp_path, webp_bytes(exif=block), "a.webp"), "novelai", "1girl")


# -- Fooocus, SwarmUI, Civitai graph, small tools -----------------------------------------------


def test_fooocus_json_and_scheme(tmp_path: Path) -> None:
    params = {
        "prompt": "a goldfish",
        "negative_prompt": "",
        "base_model": "juggernaut",
        "seed": "1",
        "version": "Fooocus v2.4.3",
        "metadata_scheme": "fooocus",
    }
    chunks = [text_chunk("parameters", json.dumps(params)), text_chunk("fooocus_scheme", "fooocus")]
    check(classify_bytes(tmp_path, png_bytes(before=chunks)), "fooocus", "a goldfish")


def test_fooocus_jpeg_software_and_a1111_scheme(tmp_path: Path) -> None:
    block = exif_block(
        {SOFTWARE: ascii_tag("Fooocus v2.5.0")},
        {USER_COMMENT: (UNDEFINED, user_comment(infotext()))},
    )
    check(classify_bytes(tmp_path, jpeg_bytes(exif=block), "a.jpg"), "fooocus", "a red fox")


def test_ruined_fooocus(tmp_path: Path) -> None:
    params = {"Prompt": "a tree", "Negative": "", "seed": 1, "software": "RuinedFooocus"}
    data = png_bytes(before=[text_chunk("parameters", json.dumps(params))])
    check(classify_bytes(tmp_path, data), "ruined-fooocus", "a tree")


SWARM = {
    "sui_image_params": {
        "prompt": "a lake",
        "negativeprompt": "fog",
        "model": "m",
        "seed": 3,
        "swarm_version": "0.9.6.3",
    },
    "sui_extra_data": {},
}


@pytest.mark.parametrize("encoding", ["be", "le"])
def test_swarmui_jpeg_either_byte_order(tmp_path: Path, encoding: str) -> None:
    block = exif_comment(json.dumps(SWARM, indent=2), encoding)
    result = classify_bytes(tmp_path, jpeg_bytes(exif=block), "a.jpg")
    check(result, "swarmui", "a lake")
    assert result.evidence[0].fields["version"] == "0.9.6.3"


def test_swarmui_png_beside_a_comfy_graph(tmp_path: Path) -> None:
    chunks = [text_chunk("prompt", json.dumps(GRAPH)), text_chunk("parameters", json.dumps(SWARM))]
    check(classify_bytes(tmp_path, png_bytes(before=chunks)), "swarmui", "a lake")


def test_swarmui_legacy_model_tag(tmp_path: Path) -> None:
    block = exif_block({MODEL: ascii_tag(json.dumps(SWARM))})
    check(classify_bytes(tmp_path, jpeg_bytes(exif=block), "a.jpg"), "swarmui", "a lake")


def test_civitai_graph_with_extra_metadata(tmp_path: Path) -> None:
    graph = dict(
        GRAPH, extraMetadata=json.dumps({"prompt": "a dragon", "negativePrompt": "x", "seed": 8})
    )
    result = classify_bytes(tmp_path, jpeg_bytes(exif=exif_comment(json.dumps(graph))), "a.jpg")
    check(result, "civitai", "a dragon")
    assert result.evidence[0].fields["seed"] == "8"


def test_tensorart_beats_its_comfy_graph(tmp_path: Path) -> None:
    data = {"prompt": "a road", "negativePrompt": "x", "seed": "-1", "baseModel": {"label": "v16"}}
    chunks = [
        text_chunk("generation_data", json.dumps(data) + "\x00"),
        text_chunk("prompt", json.dumps(GRAPH)),
    ]
    result = classify_bytes(tmp_path, png_bytes(before=chunks))
    check(result, "tensorart", "a road")
    assert result.evidence[0].fields["model"] == "v16"


def test_stability_matrix(tmp_path: Path) -> None:
    chunks = [
        text_chunk("parameters", infotext()),
        text_chunk("smproj", "{}"),
        text_chunk("prompt", json.dumps(GRAPH)),
    ]
    check(classify_bytes(tmp_path, png_bytes(before=chunks)), "stability-matrix", "a red fox")


def test_easy_diffusion_png_and_jpeg(tmp_path: Path) -> None:
    chunks = [
        text_chunk("prompt", "a boat"),
        text_chunk("use_stable_diffusion_model", "sd-v1-4"),
        text_chunk("seed", "12"),
    ]
    check(classify_bytes(tmp_path, png_bytes(before=chunks)), "easy-diffusion", "a boat")
    body = json.dumps({"prompt": "a boat", "use_stable_diffusion_model": "sd-v1-4", "seed": 12})
    check(
        classify_bytes(tmp_path, jpeg_bytes(exif=exif_comment(body)), "a.jpg"),
        "easy-diffusion",
        "a boat",
    )


def test_huggingface_space(tmp_path: Path) -> None:
    params = {
        "prompt": "a sun",
        "negative_prompt": "",
        "resolution": "1024 x 1024",
        "Model": "Animagine",
    }
    data = png_bytes(before=[text_chunk("parameters", json.dumps(params))])
    check(classify_bytes(tmp_path, data), "huggingface-space", "a sun")


# -- Midjourney, Draw Things ---------------------------------------------------------------------

JOB = "d95be554-d446-4c51-ad75-e00d9f9bbb35"


def test_midjourney_png_description(tmp_path: Path) -> None:
    chunks = [
        text_chunk("Description", f"a harbour at dawn --ar 4:5 --v 6 Job ID: {JOB}"),
        text_chunk("Author", "someone"),
    ]
    result = classify_bytes(tmp_path, png_bytes(before=chunks))
    check(result, "midjourney", "a harbour at dawn --ar 4:5 --v 6")
    assert result.evidence[0].fields["job_id"] == JOB


def test_midjourney_xmp(tmp_path: Path) -> None:
    xmp = (
        f"<x:xmpmeta><dc:description>a harbour Job ID: {JOB}</dc:description></x:xmpmeta>".encode()
    )
    check(classify_bytes(tmp_path, jpeg_bytes(xmp=xmp), "a.jpg"), "midjourney")


def test_draw_things_xmp(tmp_path: Path) -> None:
    payload = json.dumps({"c": "a moon", "uc": "noise", "seed": 4, "model": "sd_xl"}).replace(
        '"', "&quot;"
    )
    xmp = (
        '<x:xmpmeta><rdf:Description xmp:CreatorTool="Draw Things">'
        f'<exif:UserComment><rdf:Alt><rdf:li xml:lang="x-default">{payload}</rdf:li></rdf:Alt>'
        "</exif:UserComment></rdf:Description></x:xmpmeta>"
    )
    data = png_bytes(before=[text_chunk("XML:com.adobe.xmp", xmp, "iTXt")])
    result = classify_bytes(tmp_path, data)
    check(result, "drawthings", "a moon")
    assert result.evidence[0].fields["seed"] == "4"


# -- things that are not generator metadata -----------------------------------------------------


def test_camera_exif_and_editor_comments_are_not_generators(tmp_path: Path) -> None:
    block = exif_block(
        {MAKE: ascii_tag("Canon"), MODEL: ascii_tag("EOS 40D"), SOFTWARE: ascii_tag("GIMP 2.10")},
        {USER_COMMENT: (UNDEFINED, user_comment("", "undefined"))},
    )
    assert (
        classify_bytes(
            tmp_path, jpeg_bytes(exif=block, comments=[b"Created with GIMP"]), "a.jpg"
        ).verdict
        == "unknown"
    )
    chunks = [text_chunk("Comment", "GIMP"), text_chunk("Software", "Adobe ImageReady")]
    assert classify_bytes(tmp_path, png_bytes(before=chunks)).verdict == "unknown"


def test_unversioned_infotext_beside_a_comfy_graph_is_comfyui(tmp_path: Path) -> None:
    chunks = [text_chunk("parameters", infotext()), text_chunk("prompt", json.dumps(GRAPH))]
    check(classify_bytes(tmp_path, png_bytes(before=chunks)), "comfyui", "a red fox")
