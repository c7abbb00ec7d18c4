"""Bounded readers for container formats (PNG chunks, JPEG segments, ...).

Each reader walks only the structure it needs, reads only the bytes it needs,
and stops at fixed limits on byte counts, chunk counts and decompressed sizes,
so that a damaged or hostile file ends in a :class:`FormatProblem` instead of
a crash, a hang or unbounded memory.
"""


class FormatProblem(Exception):
    """A container is malformed or exceeds a safety limit."""


class DecoderUnavailable(FormatProblem):
    """The file needs a decoder from an optional extra that is not installed."""


def c_text(data: bytes) -> str:
    """A fixed-size text field as C writes it: up to its first NUL, Latin-1, trimmed."""
    return data.split(b"\x00", 1)[0].decode("latin-1").strip()
