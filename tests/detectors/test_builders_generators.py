"""The generator-detector tests' file builders build valid files."""

from __future__ import annotations

import io

from PIL import Image

from tests.detectors.builders_generators import (
    ascii_tag,
    exif_block,
    filtered_png,
    jpeg_bytes,
    png_bytes,
    split_png,
    stealth_image,
    text_chunk,
    webp_bytes,
)


def test_png_builder_places_chunks_around_idat() -> None:
    data = png_bytes(before=[text_chunk("a", "1")], after=[text_chunk("b", "2")])
    types = [part[4:8] for part in split_png(data)[1:]]
    assert types.index(b"tEXt") < types.index(b"IDAT") < len(types) - 2
    assert Image.open(io.BytesIO(data)).size == (8, 8)


def test_filtered_png_decodes_like_the_source() -> None:
    image = Image.effect_noise((9, 7), 60).convert("RGBA")
    decoded = Image.open(io.BytesIO(filtered_png(image)))
    assert decoded.tobytes() == image.tobytes()


def test_jpeg_and_webp_builders_make_readable_files() -> None:
    block = exif_block({0x010F: ascii_tag("Maker")})
    assert Image.open(io.BytesIO(jpeg_bytes(exif=block))).getexif()[0x010F] == "Maker"
    assert Image.open(io.BytesIO(webp_bytes(exif=block))).getexif()[0x010F] == "Maker"


def test_stealth_image_sets_only_low_bits() -> None:
    image = stealth_image(b"hello", "stealth_pnginfo")
    alphas = {image.getpixel((x, 0))[3] for x in range(3)}  # type: ignore[index]
    assert alphas <= {254, 255}
