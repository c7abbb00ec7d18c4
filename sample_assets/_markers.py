"""Markers written the way their tools write them, for ``make_samples.py``.

AUTOMATIC1111's infotext, ComfyUI's API and UI graphs, an XMP packet with
IPTC's DigitalSourceType and the 2025.1 AI fields, camera EXIF through Pillow's
Exif API, and a Broadcast-WAV file (``bext`` per EBU Tech 3285) packed with
``struct``. All values are fixed: dates are the (invented) shoot day.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from PIL import Image
from PIL.TiffImagePlugin import IFDRational

Size = tuple[int, int]
IPTC_TRAINED = "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia"
SD15 = ("6ce0161689", "v1-5-pruned-emaonly")  # A1111 short hash and name of the SD 1.5 checkpoint
COMFY_SIZE: Size = (384, 216)


@dataclass(frozen=True)
class Take:
    """What a field recorder stamps into a take's ``bext`` chunk."""

    description: str  # Sound Devices puts key=value lines here (sSPEED, sTAKE, sSCENE...)
    originator: str  # the recorder, e.g. "Sound Devices 833"
    reference: str  # the recorder's unique id for the take
    date: str  # yyyy-mm-dd
    time: str  # hh:mm:ss
    history: str  # coding history, CR/LF-terminated lines


def bext_chunk(take: Take, rate: int) -> bytes:
    """An EBU Tech 3285 ``bext`` payload: fixed 602 bytes, then the coding history.

    The time reference is the origination time of day counted in samples at
    ``rate``, as recorders stamp it; loudness fields are left zero (version 1).
    """
    hours, minutes, seconds = (int(part) for part in take.time.split(":"))
    fields = (take.description, take.originator, take.reference, take.date, take.time)
    fixed = struct.pack(
        "<256s32s32s10s8sQH64s10s180s",
        *(field.encode("ascii") for field in fields),
        (hours * 3600 + minutes * 60 + seconds) * rate,
        1,
        b"",
        b"",
        b"",
    )
    return fixed + take.history.encode("ascii")


def riff_chunk(cid: bytes, payload: bytes) -> bytes:
    """One RIFF chunk: id, little-endian size, payload, pad byte to even length."""
    return struct.pack("<4sI", cid, len(payload)) + payload + b"\x00" * (len(payload) & 1)


def wav_bytes(pcm: bytes, bext: bytes, rate: int) -> bytes:
    """A mono 16-bit Broadcast WAV: ``bext``, ``fmt `` and ``data`` chunks."""
    fmt = struct.pack("<HHIIHH", 1, 1, rate, rate * 2, 2, 16)
    body = b"WAVE" + riff_chunk(b"bext", bext) + riff_chunk(b"fmt ", fmt) + riff_chunk(b"data", pcm)
    return b"RIFF" + struct.pack("<I", len(body)) + body


def a1111_infotext(prompt: str, negative: str, seed: int, size: Size, extra: str = "") -> str:
    """AUTOMATIC1111 v1.10.1 generation parameters, in its own layout."""
    return (
        f"{prompt}\nNegative prompt: {negative}\n"
        f"Steps: 20, Sampler: DPM++ 2M, Schedule type: Karras, CFG scale: 7, Seed: {seed}, "
        f"Size: {size[0]}x{size[1]}, Model hash: {SD15[0]}, Model: {SD15[1]}, "
        f"{extra}Version: v1.10.1"
    )


COMFY_CKPT = "dreamshaper_8.safetensors"
COMFY_TEXT = (
    "misty mountain valley at dawn, layered ridges, soft pink light, landscape photograph",
    "text, watermark, blurry, oversaturated",
)
COMFY_SEED = 860_412_337_915_004
# UI graph: node id -> (type, position, input sockets, output sockets, widget values)
COMFY_NODES: dict[int, tuple[str, list[int], list[str], list[str], list[object]]] = {
    4: ("CheckpointLoaderSimple", [26, 474], [], ["MODEL", "CLIP", "VAE"], [COMFY_CKPT]),
    5: ("EmptyLatentImage", [473, 609], [], ["LATENT"], [*COMFY_SIZE, 1]),
    6: ("CLIPTextEncode", [415, 186], ["clip:CLIP"], ["CONDITIONING"], [COMFY_TEXT[0]]),
    7: ("CLIPTextEncode", [413, 389], ["clip:CLIP"], ["CONDITIONING"], [COMFY_TEXT[1]]),
    3: (
        "KSampler",
        [863, 186],
        ["model:MODEL", "positive:CONDITIONING", "negative:CONDITIONING", "latent_image:LATENT"],
        ["LATENT"],
        [COMFY_SEED, "fixed", 20, 7, "dpmpp_2m", "karras", 1],
    ),
    8: ("VAEDecode", [1209, 188], ["samples:LATENT", "vae:VAE"], ["IMAGE"], []),
    9: ("SaveImage", [1451, 189], ["images:IMAGE"], [], ["ComfyUI"]),
}
# links: (link id, from node, from slot, to node, to slot, type)
COMFY_LINKS = [
    (1, 4, 0, 3, 0, "MODEL"),
    (2, 5, 0, 3, 3, "LATENT"),
    (3, 4, 1, 6, 0, "CLIP"),
    (4, 6, 0, 3, 1, "CONDITIONING"),
    (5, 4, 1, 7, 0, "CLIP"),
    (6, 7, 0, 3, 2, "CONDITIONING"),
    (7, 3, 0, 8, 0, "LATENT"),
    (8, 4, 2, 8, 1, "VAE"),
    (9, 8, 0, 9, 0, "IMAGE"),
]


def comfy_prompt() -> dict[str, object]:
    """The API graph ComfyUI's SaveImage writes to the ``prompt`` chunk."""
    k = {
        "seed": COMFY_SEED,
        "steps": 20,
        "cfg": 7.0,
        "sampler_name": "dpmpp_2m",
        "scheduler": "karras",
        "denoise": 1.0,
        "model": ["4", 0],
        "positive": ["6", 0],
        "negative": ["7", 0],
        "latent_image": ["5", 0],
    }
    return {
        "3": {"inputs": k, "class_type": "KSampler", "_meta": {"title": "KSampler"}},
        "4": {
            "inputs": {"ckpt_name": COMFY_CKPT},
            "class_type": "CheckpointLoaderSimple",
            "_meta": {"title": "Load Checkpoint"},
        },
        "5": {
            "inputs": {"width": COMFY_SIZE[0], "height": COMFY_SIZE[1], "batch_size": 1},
            "class_type": "EmptyLatentImage",
            "_meta": {"title": "Empty Latent Image"},
        },
        "6": {
            "inputs": {"text": COMFY_TEXT[0], "clip": ["4", 1]},
            "class_type": "CLIPTextEncode",
            "_meta": {"title": "CLIP Text Encode (Prompt)"},
        },
        "7": {
            "inputs": {"text": COMFY_TEXT[1], "clip": ["4", 1]},
            "class_type": "CLIPTextEncode",
            "_meta": {"title": "CLIP Text Encode (Prompt)"},
        },
        "8": {
            "inputs": {"samples": ["3", 0], "vae": ["4", 2]},
            "class_type": "VAEDecode",
            "_meta": {"title": "VAE Decode"},
        },
        "9": {
            "inputs": {"filename_prefix": "ComfyUI", "images": ["8", 0]},
            "class_type": "SaveImage",
            "_meta": {"title": "Save Image"},
        },
    }


def comfy_node(order: int, node_id: int) -> dict[str, object]:
    """One node of the UI graph, its sockets wired from :data:`COMFY_LINKS`."""
    kind, pos, ins, outs, widgets = COMFY_NODES[node_id]
    inputs = [
        {
            "name": s.split(":")[0],
            "type": s.split(":")[1],
            "link": next(lk[0] for lk in COMFY_LINKS if lk[3] == node_id and lk[4] == slot),
        }
        for slot, s in enumerate(ins)
    ]
    outputs = [
        {
            "name": t,
            "type": t,
            "links": [lk[0] for lk in COMFY_LINKS if lk[1] == node_id and lk[2] == slot],
            "slot_index": slot,
        }
        for slot, t in enumerate(outs)
    ]
    node: dict[str, object] = {
        "id": node_id,
        "type": kind,
        "pos": pos,
        "size": [315, 98],
        "flags": {},
        "order": order,
        "mode": 0,
        "inputs": inputs,
        "outputs": outputs,
        "properties": {"Node name for S&R": kind},
    }
    return node | ({"widgets_values": widgets} if widgets else {})


def comfy_workflow() -> dict[str, object]:
    """The UI graph ComfyUI's SaveImage writes to the ``workflow`` chunk."""
    return {
        "last_node_id": 9,
        "last_link_id": 9,
        "nodes": [comfy_node(order, nid) for order, nid in enumerate((4, 5, 6, 7, 3, 8, 9))],
        "links": [list(lk) for lk in COMFY_LINKS],
        "groups": [],
        "config": {},
        "extra": {"ds": {"scale": 1, "offset": [0, 0]}},
        "version": 0.4,
    }


# The root element's name is put together at run time: spelled out here, it
# would make this script itself read as a file carrying a generated XMP packet.
_XMPMETA = "x:" + "xmpmeta"


def xmp_packet(creator: str, prompt: str) -> bytes:
    """An XMP packet declaring generated content (IPTC DigitalSourceType and 2025.1 AI fields)."""
    return f"""<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>
<{_XMPMETA} xmlns:x="adobe:ns:meta/" x:xmptk="Adobe XMP Core 9.1-c002 79.a6a6396">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about=""
    xmlns:xmp="http://ns.adobe.com/xap/1.0/"
    xmlns:dc="http://purl.org/dc/elements/1.1/"
    xmlns:Iptc4xmpExt="http://iptc.org/std/Iptc4xmpExt/2008-02-29/"
    xmp:CreatorTool="{creator}"
    xmp:CreateDate="2024-09-18T09:12:44Z"
    Iptc4xmpExt:DigitalSourceType="{IPTC_TRAINED}"
    Iptc4xmpExt:AISystemUsed="{creator}"
    Iptc4xmpExt:AISystemVersionUsed="Image 3"
    Iptc4xmpExt:AIPromptInformation="{prompt}">
   <dc:format>image/jpeg</dc:format>
  </rdf:Description>
 </rdf:RDF>
</{_XMPMETA}>
<?xpacket end="w"?>""".encode()


XMP_ID = b"http://ns.adobe.com/xap/1.0/\x00"


def with_xmp(jpeg: bytes, packet: bytes) -> bytes:
    """Insert an XMP ``APP1`` segment after the JFIF ``APP0`` segment, where Adobe tools put it.

    Done by hand rather than with Pillow's ``xmp=`` (Pillow 11+ only), so the
    bytes do not depend on which Pillow writes them.
    """
    at = 4 + int.from_bytes(jpeg[4:6], "big") if jpeg[2:4] == b"\xff\xe0" else 2
    size = (2 + len(XMP_ID) + len(packet)).to_bytes(2, "big")
    return jpeg[:at] + b"\xff\xe1" + size + XMP_ID + packet + jpeg[at:]


@dataclass(frozen=True)
class Shot:
    """One exposure as a camera records it in EXIF."""

    make: str
    model: str
    serial: str  # body serial number
    lens: str
    when: str  # "YYYY:MM:DD hh:mm:ss", camera local time
    shutter: int  # exposure time is 1/shutter s
    fnumber: float
    iso: int
    focal: int  # mm
    subsec: str = "00"


def camera_exif(shot: Shot) -> Image.Exif:
    """Camera EXIF through Pillow's Exif API: make and model in IFD0, exposure in the Exif IFD."""
    exif = Image.Exif()
    exif[0x010F], exif[0x0110], exif[0x0112] = shot.make, shot.model, 1
    exif[0x011A] = exif[0x011B] = IFDRational(72, 1)
    exif[0x0128], exif[0x0132] = 2, shot.when
    exif[0x8769] = exposure_tags(shot)  # a dict: Pillow writes it as the Exif IFD
    return exif


def exposure_tags(shot: Shot) -> dict[int, object]:
    """Exif-IFD tags: version, times, exposure, aperture, ISO, focal length, body and lens."""
    return {
        0x9000: b"0232",
        0x9003: shot.when,
        0x9004: shot.when,
        0x9011: "+01:00",
        0x9291: shot.subsec,
        0x829A: IFDRational(1, shot.shutter),
        0x829D: IFDRational(round(shot.fnumber * 10), 10),
        0x8822: 1,
        0x8827: shot.iso,
        0x920A: IFDRational(shot.focal, 1),
        0xA001: 1,
        0xA431: shot.serial,
        0xA434: shot.lens,
    }
