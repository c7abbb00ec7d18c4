"""Make the demo media in ``sample_assets/``: small, deterministic, with real markers.

Run ``python sample_assets/make_samples.py [--out DIR]`` (default: this folder).
Pictures and sounds come from :mod:`_synth` (named seeds, no clocks), markers
from :mod:`_markers` (each written the way its tool writes it). This module
decides what goes where: the genAI stills, a camera still, a plain PNG, a TIFF
plate sequence, a field-recorder WAV and a vendor hand-off package, plus
``EXPECTED.tsv`` (how ``provenance scan`` should classify each file) and
``README.md`` (what each file is).

Same Pillow build in, same bytes out. PNG and JPEG bytes depend on the zlib
and libjpeg-turbo that Pillow was built with, so ``README.md`` records them.
"""

from __future__ import annotations

import argparse
import io
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import PIL
from _markers import (
    Shot,
    Take,
    a1111_infotext,
    bext_chunk,
    camera_exif,
    comfy_prompt,
    comfy_workflow,
    wav_bytes,
    with_xmp,
    xmp_packet,
)
from _synth import SCENES, add_grain, comp, img2img_look, panned_frames, render, texture, voice
from PIL import Image, ImageEnhance, features
from PIL.PngImagePlugin import PngInfo

HERE = Path(__file__).resolve().parent
Size = tuple[int, int]
GEN_SIZE: Size = (384, 216)  # multiples of 8, as latent-diffusion sizes are
PHOTO_SIZE: Size = (320, 180)
PLATE_SIZE: Size = (256, 144)
FRAMES = range(1001, 1006)
PAN_STEP = 3  # pixels of camera pan per frame in the plate sequence
DELIVERED_PLATES = (1001, 1002, 1003)
COMP_FRAMES = (1001, 1002, 1003, 1004)
GENERATED_FRAME = 1003
AUDIO_RATE = 16_000


@dataclass(frozen=True)
class Sample:
    """One file the script made, and how ``provenance scan`` should classify it."""

    path: str  # relative to the output folder, with forward slashes
    verdict: str  # genai / not_genai / unknown
    tool: str  # canonical tool id, or "" when no tool is claimed
    note: str  # the evidence, one line
    what: str  # what the file is, for README.md


# --- writing ------------------------------------------------------------------------------


def save_png(
    img: Image.Image, path: Path, texts: dict[str, str] | None = None, level: int = 6
) -> None:
    """Write a PNG with these tEXt chunks (Pillow puts them before IDAT) and nothing else."""
    info = PngInfo()
    for key, value in (texts or {}).items():
        info.add_text(key, value)
    path.parent.mkdir(parents=True, exist_ok=True)
    img.save(path, "PNG", pnginfo=info, compress_level=level)


def save_jpeg(
    img: Image.Image, path: Path, exif: Image.Exif | None = None, xmp: bytes = b""
) -> None:
    """Write a baseline JPEG (quality 90) with optional EXIF and XMP packet."""
    stream = io.BytesIO()
    img.save(stream, "JPEG", quality=90, exif=exif.tobytes() if exif else b"")
    write_bytes(path, with_xmp(stream.getvalue(), xmp) if xmp else stream.getvalue())


def save_tiff(img: Image.Image, path: Path, exif: Image.Exif) -> None:
    """Write an uncompressed TIFF (Pillow's own writer, no libtiff) with IFD0 and Exif-IFD tags."""
    path.parent.mkdir(parents=True, exist_ok=True)
    img.save(path, "TIFF", exif=exif.tobytes())  # as bytes: an Exif object loses its Exif IFD here


def write_bytes(path: Path, data: bytes) -> None:
    """Write raw bytes, creating folders."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


# --- the samples --------------------------------------------------------------------------


def make_a1111(out: Path) -> Iterator[Sample]:
    """A txt2img PNG from AUTOMATIC1111 with its ``parameters`` chunk."""
    text = a1111_infotext(
        "a lighthouse on a rocky headland at golden hour, calm sea, 35mm photo, highly detailed",
        "blurry, lowres, text, watermark, deformed",
        1_873_402_114,
        GEN_SIZE,
    )
    img = add_grain(render(SCENES["lighthouse"], GEN_SIZE), "a1111/grain")
    save_png(img, out / "genai/sd_a1111.png", {"parameters": text})
    yield Sample(
        "genai/sd_a1111.png",
        "genai",
        "automatic1111",
        "PNG tEXt 'parameters': A1111 infotext, Version: v1.10.1",
        "Stable Diffusion 1.5 txt2img image from AUTOMATIC1111; its generation parameters "
        "in a tEXt chunk.",
    )


def make_comfyui(out: Path) -> Iterator[Sample]:
    """A ComfyUI SaveImage PNG: ``prompt`` and ``workflow`` chunks, compress level 4 as it uses."""
    texts = {"prompt": json.dumps(comfy_prompt()), "workflow": json.dumps(comfy_workflow())}
    img = add_grain(render(SCENES["valley"], GEN_SIZE), "comfy/grain")
    save_png(img, out / "genai/comfyui.png", texts, level=4)
    yield Sample(
        "genai/comfyui.png",
        "genai",
        "comfyui",
        "PNG tEXt 'prompt' (API graph) and 'workflow' (UI graph)",
        "ComfyUI SaveImage output: the node graph (checkpoint, prompts, KSampler, SaveImage) "
        "as JSON.",
    )


def make_firefly(out: Path) -> Iterator[Sample]:
    """A JPEG whose only marker is an XMP packet naming Adobe Firefly."""
    xmp = xmp_packet("Adobe Firefly", "neon city skyline at night, lit windows, violet sky")
    img = add_grain(render(SCENES["city"], GEN_SIZE), "firefly/grain")
    save_jpeg(img, out / "genai/firefly_xmp.jpg", xmp=xmp)
    yield Sample(
        "genai/firefly_xmp.jpg",
        "genai",
        "adobe-firefly",
        "XMP Iptc4xmpExt:DigitalSourceType=trainedAlgorithmicMedia; AISystemUsed and CreatorTool "
        "'Adobe Firefly'; no C2PA",
        "Generated JPEG carrying only XMP: IPTC DigitalSourceType trainedAlgorithmicMedia, "
        "IPTC 2025.1 AISystemUsed and xmp:CreatorTool naming Adobe Firefly. (Real Firefly "
        "downloads also carry a "
        "C2PA manifest; this one does not.)",
    )


def make_camera(out: Path) -> Iterator[Sample]:
    """A set reference still with the EXIF a Canon body writes."""
    shot = Shot(
        make="Canon",
        model="Canon EOS R5",
        serial="032021004417",
        lens="RF24-105mm F4 L IS USM",
        when="2024:09:17 16:40:12",
        shutter=250,
        fnumber=8.0,
        iso=100,
        focal=24,
    )
    img = add_grain(render(SCENES["desert"], PHOTO_SIZE), "camera/grain", 7)
    save_jpeg(img, out / "camera/plate_A001.jpg", exif=camera_exif(shot))
    yield Sample(
        "camera/plate_A001.jpg",
        "not_genai",
        "camera",
        "EXIF Make=Canon, Model=Canon EOS R5, exposure tags",
        "Set reference still with camera EXIF (make, model, time, exposure, lens, body serial).",
    )


def make_plain(out: Path) -> Iterator[Sample]:
    """An ordinary PNG with no markers at all."""
    save_png(texture("texture", PHOTO_SIZE), out / "plain/texture.png")
    yield Sample(
        "plain/texture.png",
        "unknown",
        "",
        "no metadata of any kind",
        "A stone texture with no metadata: its origin cannot be told, so 'unknown', never 'clean'.",
    )


def plate_exif(frame: int) -> Image.Exif:
    """The EXIF a cinema camera writes into each frame (1/48 s: a 180-degree shutter at 24 fps)."""
    shot = Shot(
        make="Blackmagic Design",
        model="Blackmagic Pocket Cinema Camera 6K G2",
        serial="6K2G-4411872",
        lens="Sigma 18-35mm F1.8 DC HSM",
        when="2024:09:17 16:45:03",
        shutter=48,
        fnumber=4.0,
        iso=400,
        focal=35,
        subsec=f"{(frame - FRAMES[0]) * 1000 // 24:03d}",
    )
    return camera_exif(shot)


def make_sequence(out: Path, frames: dict[int, Image.Image]) -> Iterator[Sample]:
    """The plate as a TIFF image sequence with camera EXIF in every frame."""
    for frame, img in frames.items():
        rel = f"sequence/shot010_plate.{frame}.tif"
        save_tiff(img, out / rel, plate_exif(frame))
        yield Sample(
            rel,
            "not_genai",
            "camera",
            "TIFF EXIF Make=Blackmagic Design, Model=Blackmagic Pocket Cinema Camera 6K G2",
            f"Shot 010 camera plate, frame {frame} of five (slow pan, a gull crossing).",
        )


def recorder_wav(key: str, take: int, f0: int, time: str) -> bytes:
    """A take as a Sound Devices 833 writes it: bext with description keys and coding history."""
    stamp = Take(
        description=f"sSPEED=023.976-ND\r\nsTAKE={take:02d}\r\nsSCENE=010\r\nsTAPE=240917\r\n"
        "sTRK1=MixL\r\n",
        originator="Sound Devices 833",
        reference=f"SD833-010-T{take:02d}-{time.replace(':', '')}",
        date="2024-09-17",
        time=time,
        history=f"A=PCM,F={AUDIO_RATE},W=16,M=mono,T=Sound Devices 833\r\n",
    )
    pcm = voice(f"{key}/{take}", f0, AUDIO_RATE)
    return wav_bytes(pcm, bext_chunk(stamp, AUDIO_RATE), AUDIO_RATE)


def make_audio(out: Path) -> Iterator[Sample]:
    """Production sound from a field recorder, as Broadcast WAV."""
    write_bytes(out / "audio/dialogue_take1.wav", recorder_wav("dialogue", 1, 132, "16:45:01"))
    yield Sample(
        "audio/dialogue_take1.wav",
        "not_genai",
        "field-recorder",
        "BWF bext originator 'Sound Devices 833' (field recorder)",
        "One second of production dialogue (mono, 16-bit, 16 kHz) with a Broadcast-WAV bext chunk.",
    )


# --- the hand-off package -----------------------------------------------------------------


def plate_frames() -> dict[int, Image.Image]:
    """Shot 010 plate frames, by frame number."""
    frames = panned_frames(SCENES["coast"], PLATE_SIZE, len(FRAMES), PAN_STEP)
    return dict(zip(FRAMES, frames, strict=True))


COMP_INFOTEXT = a1111_infotext(
    "coastal hills, overcast sky, calm sea, a small drone light, photorealistic plate, film grain",
    "artifacts, seams, blurry, text",
    3407,
    PLATE_SIZE,
    "Denoising strength: 0.35, Mask blur: 4, ",
)


def deliver_comps(out: Path, frames: dict[int, Image.Image]) -> Iterator[Sample]:
    """Comp v003, frames 1001-1004; frame 1003 was regenerated in A1111 (img2img) and says so."""
    for frame in COMP_FRAMES:
        rel = f"deliverables/comp/shot010_comp_v003.{frame}.png"
        img = comp(frames[frame], frame - FRAMES[0])
        if frame != GENERATED_FRAME:
            save_png(img, out / rel)
            yield Sample(
                rel,
                "unknown",
                "",
                "no metadata (comp renders carry none)",
                f"Comp v003 frame {frame}: graded plate plus a CG drone light; no markers.",
            )
            continue
        save_png(img2img_look(img), out / rel, {"parameters": COMP_INFOTEXT})
        yield Sample(
            rel,
            "genai",
            "automatic1111",
            "PNG tEXt 'parameters': A1111 img2img infotext, Denoising strength 0.35",
            f"Comp v003 frame {frame}, regenerated by an A1111 img2img pass.",
        )


def deliver_plates(out: Path) -> Iterator[Sample]:
    """Byte-identical copies of the first plate frames (so run after :func:`make_sequence`)."""
    for frame in DELIVERED_PLATES:
        source = f"sequence/shot010_plate.{frame}.tif"
        rel = f"deliverables/plates/shot010_plate.{frame}.tif"
        write_bytes(out / rel, (out / source).read_bytes())
        yield Sample(
            rel,
            "not_genai",
            "camera",
            f"byte-identical copy of {source}",
            f"Delivered camera plate, frame {frame}: the same bytes as `{source}`.",
        )


def deliver_audio(out: Path) -> Iterator[Sample]:
    """The production mix track of another take."""
    write_bytes(out / "deliverables/audio/mix.wav", recorder_wav("mix", 2, 118, "16:47:40"))
    yield Sample(
        "deliverables/audio/mix.wav",
        "not_genai",
        "field-recorder",
        "BWF bext originator 'Sound Devices 833' (field recorder)",
        "Production mix track, take 2, from the same field recorder.",
    )


VENDOR_README = """SHOT 010 - VENDOR HAND-OFF, PACKAGE shot010_v003
Vendor: Northlight Pixel Works (fictional)
Date: 2024-09-20

Contents
  plates/shot010_plate.1001-1003#.tif      camera originals, Blackmagic Pocket 6K G2, ungraded
  comp/shot010_comp_v003.1001-1004#.png    comp v003: grade, CG drone light, rig removal on 1003
  audio/mix.wav                            production mix, Sound Devices 833, take 2

Notes
  Colour: plates are camera native; comps are graded for review only.
  No generative AI tools were used in this package.
"""


def deliver_readme(out: Path) -> Iterator[Sample]:
    """The vendor's README, whose last claim the audit should disprove."""
    write_bytes(out / "deliverables/README.txt", VENDOR_README.encode("ascii"))
    yield Sample(
        "deliverables/README.txt",
        "unknown",
        "",
        "plain text, not media",
        "The vendor's note. Its claim that no generative AI was used is false on purpose: "
        "frame 1003 "
        "of the comp says otherwise.",
    )


MASTER = "deliverables/edit/shot010_review_master.mp4"
MASTER_SIZE: Size = (384, 216)
MASTER_FPS = 24
MASTER_TIMECODE = "01:00:00:00"


def master_frames() -> list[Image.Image]:
    """Six seconds: two of the coast plate panning, two of the A1111 lighthouse, two more coast.

    The lighthouse is the generated still of ``genai/sd_a1111.png``, graded warmer as the
    editor's look is, and held on screen from 01:00:02:00 to 01:00:04:00.
    """
    coast = panned_frames(SCENES["coast"], MASTER_SIZE, 4 * MASTER_FPS, 1)
    still = add_grain(render(SCENES["lighthouse"], GEN_SIZE), "a1111/grain")
    graded = ImageEnhance.Color(still).enhance(1.15).resize(MASTER_SIZE)
    return coast[: 2 * MASTER_FPS] + [graded] * (2 * MASTER_FPS) + coast[2 * MASTER_FPS :]


def deliver_master(out: Path) -> Iterator[Sample]:
    """A review master (H.264 in MP4, start timecode 01:00:00:00) that holds a generated still."""
    import av  # noqa: PLC0415 - only this sample needs PyAV (a core dependency of provenance)

    path = out / MASTER
    path.parent.mkdir(parents=True, exist_ok=True)
    with av.open(str(path), "w", options={"fflags": "+bitexact"}) as container:
        stream = container.add_stream("libx264", rate=MASTER_FPS)
        stream.width, stream.height, stream.pix_fmt = *MASTER_SIZE, "yuv420p"
        stream.thread_count = 1  # one thread: the same bytes on every run
        stream.options = {"crf": "23", "g": "48", "threads": "1"}
        stream.metadata["timecode"] = MASTER_TIMECODE
        for img in master_frames():
            container.mux(stream.encode(av.VideoFrame.from_image(img)))  # type: ignore[no-untyped-call]
        container.mux(stream.encode())
    yield Sample(
        MASTER,
        "unknown",
        "",
        "no metadata (an edit's export carries none)",
        "Review master of shot 010, 6 s from timecode 01:00:00:00: the coast plate, then the "
        "generated lighthouse of `genai/sd_a1111.png` (graded) held from 01:00:02:00 to "
        "01:00:04:00, then the plate again.",
    )


# --- the cut --------------------------------------------------------------------------------

CUT_RATE = 24
CUT_START = "01:00:00:00"
CUT_OTIO = "cut/shot010_cut.otio"
CUT_EDL = "cut/shot010_cut.edl"
# One video track; each event: clip name, media (relative to cut/), source in, record in, frames.
# The comp uses frames 1001-1004, so its generated frame 1003 reaches the cut; the master's
# head (0-1.5 s) is clean, its middle (2-4 s) holds the generated lighthouse.
CUT_EVENTS = (
    ("plate", "../sequence/shot010_plate.[1001-1005].tif", "00:00:00:00", 3),
    ("comp", "../deliverables/comp/shot010_comp_v003.[1001-1004].png", "00:00:00:00", 4),
    ("master head", "../" + MASTER, "01:00:00:00", 36),
    ("master lighthouse", "../" + MASTER, "01:00:02:00", 48),
    ("black", "", "00:00:00:00", 12),
)


def _tc(frames: int) -> str:
    seconds, frame = divmod(frames, CUT_RATE)
    return f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}:{frame:02d}"


def _frames(tc: str) -> int:
    hours, minutes, seconds, frame = (int(p) for p in tc.split(":"))
    return ((hours * 60 + minutes) * 60 + seconds) * CUT_RATE + frame


def cut_edl() -> str:
    """The cut as a CMX 3600 EDL, written by hand: one event per clip, black as reel BL."""
    lines = ["TITLE: SHOT010 CUT V1", "FCM: NON-DROP FRAME", ""]
    record = _frames(CUT_START)
    for number, (name, media, source_in, length) in enumerate(CUT_EVENTS, 1):
        src = _frames(source_in)
        reel = "BL" if not media else "AX"
        lines.append(
            f"{number:03d}  {reel:<8} V     C        {_tc(src)} {_tc(src + length)} "
            f"{_tc(record)} {_tc(record + length)}"
        )
        lines.append(f"* FROM CLIP NAME: {name}")
        if media:
            lines.append(f"* FROM CLIP: {media}")
        record += length
    return "\r\n".join(lines) + "\r\n"


def cut_otio() -> str:
    """The same cut as OTIO, plus a second video track: a camera still over a generated one."""
    import opentimelineio as otio  # noqa: PLC0415 - only the cut needs OTIO

    timeline = otio.adapters.read_from_string(cut_edl(), "cmx_3600", rate=CUT_RATE)
    timeline.name = "shot010 cut v1"
    timeline.global_start_time = otio.opentime.from_timecode(CUT_START, CUT_RATE)
    # The Firefly still sits at the end of V1, hidden whole by the camera still on V2.
    v1 = timeline.tracks[0]
    v1.name = "V1"
    v1.source_range = (
        None  # the EDL reader's offset of the record start; OTIO has global_start_time
    )
    v1.append(_still("firefly still", "../genai/firefly_xmp.jpg", 12))
    v2 = otio.schema.Track(name="V2", kind=otio.schema.TrackKind.Video)
    gap = sum(length for *_, length in CUT_EVENTS)
    v2.append(otio.schema.Gap(source_range=_span(0, gap)))
    v2.append(_still("camera still", "../camera/plate_A001.jpg", 12))
    timeline.tracks.append(v2)
    return str(otio.adapters.write_to_string(timeline, "otio_json"))


def _span(start: int, frames: int) -> object:
    import opentimelineio as otio  # noqa: PLC0415

    rt = otio.opentime.RationalTime
    return otio.opentime.TimeRange(rt(start, CUT_RATE), rt(frames, CUT_RATE))


def _still(name: str, media: str, frames: int) -> object:
    import opentimelineio as otio  # noqa: PLC0415

    reference = otio.schema.ExternalReference(target_url=media)
    return otio.schema.Clip(name=name, media_reference=reference, source_range=_span(0, frames))


def make_cut(out: Path) -> Iterator[Sample]:
    """Shot 010's cut, as an EDL and as OTIO, made of the demo media."""
    write_bytes(out / CUT_EDL, cut_edl().encode("ascii"))
    yield Sample(
        CUT_EDL,
        "unknown",
        "",
        "plain text, not media",
        "Shot 010's cut as a CMX 3600 EDL: plate, comp v003 (with its generated frame 1003), "
        "the review master's clean head and its generated lighthouse, and black.",
    )
    write_bytes(out / CUT_OTIO, cut_otio().encode("utf-8"))
    yield Sample(
        CUT_OTIO,
        "unknown",
        "",
        "plain text, not media",
        "The same cut as OpenTimelineIO, plus the Firefly still on V1 hidden by a camera still "
        "on V2.",
    )


def make_deliverables(out: Path, frames: dict[int, Image.Image]) -> Iterator[Sample]:
    """A small vendor package mixing clean files with generated material: a frame, a master."""
    yield from deliver_plates(out)
    yield from deliver_comps(out, frames)
    yield from deliver_audio(out)
    yield from deliver_master(out)
    yield from deliver_readme(out)


# --- manifest and README ------------------------------------------------------------------


def video_build() -> str:
    """The encoder build the master's bytes depend on (PyAV and its FFmpeg)."""
    import av  # noqa: PLC0415 - only the master needs PyAV

    return f"PyAV {av.__version__}, FFmpeg {av.ffmpeg_version_info}"


def pillow_build() -> str:
    """The Pillow build the bytes depend on (its version, zlib and libjpeg-turbo)."""
    return (
        f"Pillow {PIL.__version__}, zlib {features.version('zlib')}, "
        f"libjpeg-turbo {features.version('libjpeg_turbo')}"
    )


def write_manifest(out: Path, samples: Iterable[Sample]) -> None:
    """``EXPECTED.tsv``: path, verdict, tool, note; one row per file, sorted by path."""
    rows = ["path\tverdict\ttool\tnote"]
    rows += [
        f"{s.path}\t{s.verdict}\t{s.tool}\t{s.note}" for s in sorted(samples, key=lambda s: s.path)
    ]
    write_bytes(out / "EXPECTED.tsv", ("\n".join(rows) + "\n").encode("utf-8"))


README_HEAD = """# sample_assets

Small demo media for provenance, **all made by `make_samples.py`** in this folder, with its
helpers `_synth.py` (pictures and sounds from named seeds) and `_markers.py` (markers written the
way each tool writes them). Do not edit these files by hand: change the script and run it again.

    python sample_assets/make_samples.py            # rewrites this folder
    python sample_assets/make_samples.py --out DIR  # or writes elsewhere

The script uses only the standard library, Pillow and PyAV, and is deterministic: fixed seeds,
no clocks, the same bytes on every run with the same Pillow and PyAV builds.
`tests/test_sample_assets.py` checks that, and that the files committed here are exactly what
the script makes. PNG and JPEG bytes depend on the zlib and libjpeg-turbo inside Pillow, and the
master's on the FFmpeg and x264 inside PyAV; these files were built with

    {build}
    {video}

`EXPECTED.tsv` lists every sample file (everything here but this README, `EXPECTED.tsv` and
the scripts) with the verdict `provenance scan` should give it (`genai`, `not_genai` or
`unknown`), the canonical tool id (or nothing) and the evidence. The pictures are synthetic;
the names, serial numbers, seeds and dates in the markers are invented, but every marker has
the real layout.

## Files

| file | expected | what it is |
|---|---|---|
"""

README_TAIL = """
## The hand-off package

`deliverables/` is what a vendor might send back for shot 010: three camera plates
(byte-identical copies of `sequence/` frames), four comp frames, the production mix and a
`README.txt`, and a review master of the shot. The vendor says no generative AI was used;
comp frame 1003 carries AUTOMATIC1111 img2img parameters, and the master holds the generated
lighthouse of `genai/sd_a1111.png` from 01:00:02:00 to 01:00:04:00 with no marker at all, so
an audit of the package should flag exactly that frame and that time range of the master.
The other comp frames carry no markers at all and are `unknown`: a render with no metadata
proves nothing either way.

## The cut

`cut/` holds shot 010's cut, as a CMX 3600 EDL and as OpenTimelineIO. It uses the plate, the
comp (whose frame 1003 is generated), the review master twice (its clean head, and its middle,
where the generated lighthouse is held) and black; the OTIO version adds the Firefly still at
the end of V1, hidden whole by the camera still on V2. Its media is outside `cut/`, so it is
audited with `--root sample_assets`: the comp and the master's middle block, the hidden still
is present but covered.
"""


def write_readme(out: Path, samples: Iterable[Sample]) -> None:
    """``README.md``: how the folder was made, and a table of every file in the order made."""
    rows = [
        f"| `{s.path}` | {s.verdict}{f' ({s.tool})' if s.tool else ''} | {s.what} |"
        for s in samples
    ]
    head = README_HEAD.format(build=pillow_build(), video=video_build())
    text = head + "\n".join(rows) + "\n" + README_TAIL
    write_bytes(out / "README.md", text.encode("utf-8"))


def build(out: Path) -> list[Sample]:
    """Write every sample, the manifest and the README under ``out``; return the samples."""
    frames = plate_frames()
    samples = [
        *make_a1111(out),
        *make_comfyui(out),
        *make_firefly(out),
        *make_camera(out),
        *make_plain(out),
        *make_sequence(out, frames),
        *make_audio(out),
        *make_deliverables(out, frames),
        *make_cut(out),
    ]
    write_manifest(out, samples)
    write_readme(out, samples)
    return samples


def main(argv: list[str] | None = None) -> int:
    """Command line: ``make_samples.py [--out DIR]``."""
    parser = argparse.ArgumentParser(description="Make provenance's demo media, deterministically.")
    parser.add_argument(
        "--out", type=Path, default=HERE, help="output folder (default: this script's folder)"
    )
    args = parser.parse_args(argv)
    samples = build(args.out)
    total = sum((args.out / s.path).stat().st_size for s in samples)
    print(f"wrote {len(samples)} samples, {total:,} bytes, to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
