"""``sample_assets/`` is exactly what its script makes, stays small, and carries its markers.

The script is run into temporary folders (twice, to prove it deterministic) and
the committed files are compared with its output, so they never drift from it.
Markers are checked with the project's own container readers and Pillow.
Whether ``provenance scan`` classifies each file as ``EXPECTED.tsv`` says is
tested elsewhere, once the detectors exist.
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from itertools import combinations, pairwise
from pathlib import Path
from typing import Any

import pytest
from PIL import Image, ImageChops, ImageStat

from provenance.files.formats.jpeg import read_jpeg
from provenance.files.formats.png import read_png
from provenance.files.formats.riff import read_riff
from provenance.tools import TOOLS, canonical_tool

SAMPLES = Path(__file__).resolve().parents[1] / "sample_assets"
SCRIPT = SAMPLES / "make_samples.py"
NOT_OUTPUT = {"make_samples.py", "_synth.py", "_markers.py", ".gitignore"}
MAX_TOTAL_BYTES = 3_000_000
BUILD_LINE = re.compile(r"^ {4}(Pillow .+)$", re.MULTILINE)
VIDEO_LINE = re.compile(r"^ {4}(PyAV .+)$", re.MULTILINE)
MASTER = "deliverables/edit/shot010_review_master.mp4"
RDF = "{http://www.w3.org/1999/02/22-rdf-syntax-ns#}"
XMP = "{http://ns.adobe.com/xap/1.0/}"
IPTC_EXT = "{http://iptc.org/std/Iptc4xmpExt/2008-02-29/}"
TRAINED = "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia"
A1111_PNGS = ["genai/sd_a1111.png", "deliverables/comp/shot010_comp_v003.1003.png"]
PLAIN_PNGS = ["plain/texture.png"] + [
    f"deliverables/comp/shot010_comp_v003.{f}.png" for f in (1001, 1002, 1004)
]
SEQUENCE = [f"sequence/shot010_plate.{f}.tif" for f in range(1001, 1006)]
DELIVERED = [f"deliverables/plates/shot010_plate.{f}.tif" for f in (1001, 1002, 1003)]
STILLS = ["genai/sd_a1111.png", "genai/comfyui.png", "genai/firefly_xmp.jpg"]
STILLS += ["camera/plate_A001.jpg", "plain/texture.png", SEQUENCE[0]]
WAVS = ["audio/dialogue_take1.wav", "deliverables/audio/mix.wav"]


def run_script(out: Path) -> None:
    """Run the script as users do, without writing bytecode into the checkout."""
    command = [sys.executable, "-B", str(SCRIPT), "--out", str(out)]
    subprocess.run(command, check=True, capture_output=True, timeout=120)


def tree(root: Path) -> dict[str, bytes]:
    """Every output file under ``root`` (relative posix path -> bytes), scripts excluded."""
    files = {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        if path.is_file() and rel not in NOT_OUTPUT and "__pycache__" not in path.parts:
            files[rel] = path.read_bytes()
    return files


def digests(files: dict[str, bytes]) -> dict[str, str]:
    """sha256 of each file, for readable assertion diffs."""
    return {rel: hashlib.sha256(data).hexdigest() for rel, data in files.items()}


def built_with(root: Path) -> str:
    """The Pillow build recorded in a README.md the script wrote."""
    match = BUILD_LINE.search((root / "README.md").read_text(encoding="utf-8"))
    assert match, "README.md does not record the Pillow build"
    return match.group(1)


def expected_rows(root: Path) -> list[dict[str, str]]:
    """The rows of EXPECTED.tsv."""
    with (root / "EXPECTED.tsv").open(encoding="utf-8", newline="") as stream:
        return list(csv.DictReader(stream, delimiter="\t"))


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh run of the script."""
    out = tmp_path_factory.mktemp("samples")
    run_script(out)
    return out


# --- the script and the committed files -----------------------------------------------------


def test_script_is_deterministic(made: Path, tmp_path: Path) -> None:
    """A second run writes the same bytes."""
    run_script(tmp_path)
    assert digests(tree(tmp_path)) == digests(tree(made))


def test_committed_files_are_the_script_output(made: Path) -> None:
    """No file missing from or extra to the committed folder."""
    assert sorted(tree(SAMPLES)) == sorted(tree(made))


def test_committed_bytes_match_script(made: Path) -> None:
    """Byte for byte, when this Pillow and PyAV build is the one the files were made with."""
    if built_with(SAMPLES) != built_with(made) or video_build(SAMPLES) != video_build(made):
        pytest.skip(f"samples built with {built_with(SAMPLES)}; this is {built_with(made)}")
    assert digests(tree(SAMPLES)) == digests(tree(made))


@pytest.mark.parametrize("rel", sorted(tree(SAMPLES)) or ["EXPECTED.tsv"])
def test_committed_content_matches_script(made: Path, rel: str) -> None:
    """Any codec build: same pixels and chunks in PNGs, same JPEG metadata, same other bytes."""
    committed, fresh = SAMPLES / rel, made / rel
    if rel.endswith(".png"):
        assert read_png(committed).texts == read_png(fresh).texts
        assert_same_pixels(committed, fresh)
    elif rel.endswith(".jpg"):
        assert read_jpeg(committed).segments == read_jpeg(fresh).segments
    elif rel == "README.md":
        text, again = committed.read_text(encoding="utf-8"), fresh.read_text(encoding="utf-8")
        assert strip_builds(text) == strip_builds(again)
    elif rel.endswith(".mp4") and video_build(SAMPLES) != video_build(made):
        assert video_facts(committed) == video_facts(fresh)
    else:
        assert committed.read_bytes() == fresh.read_bytes()


def strip_builds(text: str) -> str:
    return VIDEO_LINE.sub("", BUILD_LINE.sub("", text))


def video_build(root: Path) -> str:
    """The PyAV build recorded in a README.md the script wrote."""
    match = VIDEO_LINE.search((root / "README.md").read_text(encoding="utf-8"))
    assert match, "README.md does not record the PyAV build"
    return match.group(1)


def video_facts(path: Path) -> tuple[object, ...]:
    """What a master must keep across encoder builds: size, frames, rate, timecode."""
    import av

    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        frames = sum(1 for _ in container.decode(stream))
        return (stream.width, stream.height, frames, stream.average_rate,
                stream.metadata.get("timecode"))  # fmt: skip


def test_the_master_holds_the_generated_lighthouse_from_two_to_four_seconds() -> None:
    assert video_facts(SAMPLES / MASTER) == (384, 216, 144, 24, "01:00:00:00")


def assert_same_pixels(a: Path, b: Path) -> None:
    """Two image files decode to identical pixels."""
    with Image.open(a) as first, Image.open(b) as second:
        assert (first.mode, first.size) == (second.mode, second.size)
        assert first.tobytes() == second.tobytes()


def test_total_size_is_small() -> None:
    """Everything committed stays under 3 MB."""
    assert sum(len(data) for data in tree(SAMPLES).values()) < MAX_TOTAL_BYTES


# --- the manifest ---------------------------------------------------------------------------


def test_manifest_lists_every_sample(made: Path) -> None:
    """EXPECTED.tsv has a row for each file but itself and the README."""
    listed = [row["path"] for row in expected_rows(made)]
    assert sorted(listed) == sorted(set(tree(made)) - {"EXPECTED.tsv", "README.md"})


def test_manifest_rows_are_consistent(made: Path) -> None:
    """Verdicts from the closed set; tools canonical; genAI names a tool, unknown names none."""
    for row in expected_rows(made):
        assert row["verdict"] in ("genai", "not_genai", "unknown"), row
        assert row["tool"] == "" or row["tool"] in TOOLS, row
        assert row["note"], row
        if row["verdict"] == "genai":
            assert row["tool"], row
        if row["verdict"] == "unknown":
            assert row["tool"] == "", row


def test_readme_describes_every_sample(made: Path) -> None:
    """README.md names each file and says the script made it."""
    text = (made / "README.md").read_text(encoding="utf-8")
    assert "made by `make_samples.py`" in text
    for row in expected_rows(made):
        assert f"`{row['path']}`" in text


# --- the markers ----------------------------------------------------------------------------


@pytest.mark.parametrize("rel", A1111_PNGS)
def test_a1111_parameters_chunk(made: Path, rel: str) -> None:
    """A tEXt 'parameters' chunk in A1111's layout, its Size the image's own."""
    info = read_png(made / rel)
    (chunk,) = [t for t in info.texts if t.keyword == "parameters"]
    assert chunk.chunk == "tEXt"
    prompt, _, settings = chunk.text.partition("\nNegative prompt: ")
    negative, _, fields = settings.partition("\n")
    assert prompt and negative
    assert fields.startswith("Steps: 20, Sampler: ")
    for field in ("CFG scale: 7", "Seed: ", "Model hash: ", "Model: "):
        assert field in fields
    assert f"Size: {info.width}x{info.height}," in fields
    assert fields.endswith(", Version: v1.10.1")


def comfy_chunks(made: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    """The ComfyUI sample's ``prompt`` and ``workflow`` JSON."""
    info = read_png(made / "genai/comfyui.png")
    assert [(t.chunk, t.keyword) for t in info.texts] == [("tEXt", "prompt"), ("tEXt", "workflow")]
    return json.loads(info.text("prompt") or ""), json.loads(info.text("workflow") or "")


def test_comfyui_prompt_graph(made: Path) -> None:
    """The API graph: the usual nodes, prompt text, and links to nodes that exist."""
    graph, _ = comfy_chunks(made)
    kinds = {node["class_type"] for node in graph.values()}
    assert {"CheckpointLoaderSimple", "CLIPTextEncode", "KSampler", "SaveImage"} <= kinds
    texts = [n["inputs"]["text"] for n in graph.values() if n["class_type"] == "CLIPTextEncode"]
    assert len(texts) == 2 and all(texts)
    for node in graph.values():
        for value in node["inputs"].values():
            if isinstance(value, list):
                assert value[0] in graph
    (latent,) = [n["inputs"] for n in graph.values() if n["class_type"] == "EmptyLatentImage"]
    info = read_png(made / "genai/comfyui.png")
    assert (latent["width"], latent["height"]) == (info.width, info.height)


def test_comfyui_workflow_graph(made: Path) -> None:
    """The UI graph: every link joins an output and an input that name it."""
    _, workflow = comfy_chunks(made)
    nodes = {node["id"]: node for node in workflow["nodes"]}
    assert workflow["last_node_id"] == max(nodes)
    assert workflow["last_link_id"] == len(workflow["links"])
    for link_id, src, src_slot, dst, dst_slot, kind in workflow["links"]:
        assert link_id in nodes[src]["outputs"][src_slot]["links"]
        assert nodes[dst]["inputs"][dst_slot]["link"] == link_id
        assert nodes[dst]["inputs"][dst_slot]["type"] == kind


@pytest.mark.parametrize("rel", PLAIN_PNGS)
def test_plain_pngs_have_no_metadata(made: Path, rel: str) -> None:
    """Only IHDR and IDAT: nothing a detector could read."""
    info = read_png(made / rel)
    assert not info.texts
    assert set(info.chunk_types) == {"IHDR", "IDAT"}


def firefly_xmp(made: Path) -> dict[str, str]:
    """The attributes of the Firefly sample's rdf:Description."""
    info = read_jpeg(made / "genai/firefly_xmp.jpg")
    assert info.xmp is not None and info.exif is None
    packet = info.xmp.decode("utf-8")
    body = packet[packet.index("<x:xmpmeta") : packet.index("</x:xmpmeta>") + len("</x:xmpmeta>")]
    description = ET.fromstring(body).find(f".//{RDF}Description")
    assert description is not None
    return dict(description.attrib)


def test_firefly_xmp_declares_trained_media(made: Path) -> None:
    """IPTC DigitalSourceType trainedAlgorithmicMedia, and Firefly named as the AI system."""
    attrs = firefly_xmp(made)
    assert attrs[f"{IPTC_EXT}DigitalSourceType"] == TRAINED
    assert canonical_tool(attrs[f"{IPTC_EXT}AISystemUsed"]) == "adobe-firefly"
    assert canonical_tool(attrs[f"{XMP}CreatorTool"]) == "adobe-firefly"


@pytest.mark.parametrize("rel", ["camera/plate_A001.jpg", *SEQUENCE, *DELIVERED])
def test_camera_exif(made: Path, rel: str) -> None:
    """Make and Model in IFD0; time, exposure, ISO and body serial in the Exif IFD."""
    with Image.open(made / rel) as img:
        exif = img.getexif()
        exposure = exif.get_ifd(0x8769)
    assert exif[0x010F] and exif[0x0110]
    assert re.fullmatch(r"\d{4}:\d\d:\d\d \d\d:\d\d:\d\d", exposure[0x9003])
    assert 0 < float(exposure[0x829A]) < 1 and float(exposure[0x829D]) > 1
    assert exposure[0x8827] >= 100 and exposure[0xA431]


def test_sequence_has_slight_motion(made: Path) -> None:
    """Consecutive plate frames differ, but only a little."""
    frames = [Image.open(made / rel).convert("L") for rel in SEQUENCE]
    for a, b in pairwise(frames):
        mean = ImageStat.Stat(ImageChops.difference(a, b)).mean[0]
        assert 0.5 < mean < 25


def test_delivered_plates_are_camera_copies(made: Path) -> None:
    """The hand-off plates are the same bytes as the sequence frames."""
    for delivered, original in zip(DELIVERED, SEQUENCE, strict=False):
        assert (made / delivered).read_bytes() == (made / original).read_bytes()


def difference_hash(path: Path) -> int:
    """A 64-bit difference hash: is each 9x8-thumbnail pixel darker than its right neighbour."""
    with Image.open(path) as img:
        small = img.convert("L").resize((9, 8), Image.Resampling.BOX).tobytes()
    bits = [small[row * 9 + col] < small[row * 9 + col + 1] for row in range(8) for col in range(8)]
    return sum(1 << i for i, bit in enumerate(bits) if bit)


def test_stills_are_textured_and_distinct(made: Path) -> None:
    """No flat colours, and no two stills alike to a perceptual hash."""
    for rel in STILLS:
        with Image.open(made / rel) as img:
            assert ImageStat.Stat(img.convert("L")).stddev[0] > 12, rel
    hashes = {rel: difference_hash(made / rel) for rel in STILLS}
    for a, b in combinations(STILLS, 2):
        assert (hashes[a] ^ hashes[b]).bit_count() >= 16, (a, b)


@pytest.mark.parametrize("rel", WAVS)
def test_wav_bext_chunk(made: Path, rel: str) -> None:
    """A Broadcast-WAV bext chunk naming the field recorder, and about 1 s of mono 16-bit PCM."""
    info = read_riff(made / rel)
    assert info.form == "WAVE" and not info.problems
    bext = info.first("bext")
    assert bext is not None and len(bext) > 602
    assert bext[256:288].rstrip(b"\x00") == b"Sound Devices 833"
    assert bext[288:320].rstrip(b"\x00")
    assert re.fullmatch(rb"\d{4}-\d\d-\d\d\d\d:\d\d:\d\d", bext[320:338])
    assert bext[602:].startswith(b"A=PCM,") and bext[602:].endswith(b"\r\n")
    fmt = info.first("fmt ")
    assert fmt is not None
    tag, channels, rate = (
        int.from_bytes(fmt[0:2], "little"),
        fmt[2],
        int.from_bytes(fmt[4:8], "little"),
    )
    assert (tag, channels, fmt[14]) == (1, 1, 16) and 8000 <= rate <= 16000
    (data,) = [c for c in info.chunks if c.cid == "data"]
    assert data.size == 2 * rate


def test_comps_stay_close_to_their_plates(made: Path) -> None:
    """Each comp frame, the generated one too, still looks like its plate to a perceptual hash."""
    for frame in (1001, 1002, 1003, 1004):
        plate = difference_hash(made / f"sequence/shot010_plate.{frame}.tif")
        comp = difference_hash(made / f"deliverables/comp/shot010_comp_v003.{frame}.png")
        assert (plate ^ comp).bit_count() <= 10, frame
