"""How a file name that is not UTF-8 appears in output.

POSIX names are bytes. Python decodes them with ``surrogateescape``: a byte
that is not UTF-8 becomes a lone surrogate, which round-trips to the file
but cannot be written as UTF-8. Written raw, it makes a ``--json`` document
invalid. Every output therefore shows such a byte as the four characters
``\\xNN`` (the escape Python itself uses), and a name that is UTF-8 is shown
unchanged.
"""

from __future__ import annotations

from collections.abc import Mapping


def shown(text: str) -> str:
    """``text`` with every undecodable byte written as ``\\xNN``; valid text unchanged."""
    if text.isascii():
        return text
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        try:
            raw = text.encode("utf-8", "surrogateescape")
        except UnicodeEncodeError:  # a surrogate that came from elsewhere than a name
            return text.encode("utf-8", "backslashreplace").decode("utf-8")
        return raw.decode("utf-8", "backslashreplace")
    return text


def shown_data(data: object) -> object:
    """A JSON-ready structure with :func:`shown` applied to every string in it, keys too."""
    if isinstance(data, str):
        return shown(data)
    if isinstance(data, Mapping):
        return {shown_data(k): shown_data(v) for k, v in data.items()}
    if isinstance(data, list | tuple):
        return [shown_data(item) for item in data]
    return data
