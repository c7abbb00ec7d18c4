"""File names that are not UTF-8: held losslessly, stored losslessly, shown escaped.

A POSIX file name is bytes. Python holds a name that is not valid UTF-8 as
a ``str`` with *lone surrogates* (``os.fsdecode``, the ``surrogateescape``
handler: byte ``0xFF`` becomes ``U+DCFF``), so ``os.fsencode`` gives back
the exact bytes, and every ``open``, ``stat`` and ``walk`` works on it. Such
a string cannot be encoded as UTF-8, so it can neither be written to a
database nor printed as it is. Two forms, each for one purpose:

* **stored** (:func:`to_stored`, :func:`from_stored`): each lone surrogate
  becomes :data:`MARK` followed by the byte in two hex digits, and a
  :data:`MARK` in a name becomes two. ``MARK`` is U+10FFFF, a Unicode
  noncharacter no real name carries, valid UTF-8 for SQLite and PostgreSQL.
  Lossless both ways; names that are UTF-8 (and hold no ``MARK``) are stored
  as they are.
* **shown** (:func:`shown`, :func:`shown_in_json`): each undecodable byte as
  ``\\xNN``, the way Python writes bytes, in tables, logs and errors; and in
  JSON text the same characters, escaped as JSON wants (``\\\\xNN``), so a
  reader of the JSON sees what a reader of the table sees.
"""

from __future__ import annotations

import codecs
import json
import re

MARK = "\U0010ffff"
_SURROGATE = re.compile("[\udc80-\udcff]")
_STORED = re.compile(f"{MARK}({MARK}|[0-9a-f]{{2}})")


def _byte(char: str) -> int:
    return ord(char) - 0xDC00


def to_stored(name: str) -> str:
    """The name as text any database takes, losslessly (see the module's docstring)."""
    if MARK in name:
        name = name.replace(MARK, MARK + MARK)
    return _SURROGATE.sub(lambda m: f"{MARK}{_byte(m.group()):02x}", name)


def from_stored(text: str) -> str:
    """The name :func:`to_stored` was given."""
    if MARK not in text:
        return text
    return _STORED.sub(lambda m: MARK if m.group(1) == MARK else chr(0xDC00 + int(m.group(1), 16)),
                       text)  # fmt: skip


def shown(text: str) -> str:
    """The text with each undecodable byte of a name written ``\\xNN`` (for people), and each
    NUL as ``\\x00`` (no one reads it, and PostgreSQL's text refuses it)."""
    text = _SURROGATE.sub(lambda m: f"\\x{_byte(m.group()):02x}", text)
    return text.replace("\x00", "\\x00") if "\x00" in text else text


def shown_in_json(text: str) -> str:
    """JSON text whose strings, once decoded, read as :func:`shown` writes them.

    Lone surrogates only occur inside JSON strings (``ensure_ascii=False``
    leaves them raw), where a backslash must itself be escaped. Text that is all ASCII
    (most reports) holds none: it is given back without a search.
    """
    if text.isascii():
        return text
    return _SURROGATE.sub(lambda m: f"\\\\x{_byte(m.group()):02x}", text)


# What a terminal obeys instead of printing: C0 controls (ESC starts its
# escape sequences; BS and CR overwrite what was printed), DEL, and the C1
# controls (U+009B alone starts a sequence). A file name may hold any of them.
# Also the bidirectional controls (embeddings, overrides, isolates, marks): a
# terminal that lays out right-to-left text shows what follows one reversed,
# so "comp\u202egnp.rxe" reads "compexr.png", a name the file does not have.
_BIDI = "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
_CONTROL = re.compile(f"[\x00-\x08\x0b-\x1f\x7f-\x9f{_BIDI}]")
# And Unicode's own line and paragraph separators, where a line must stay one.
_CONTROL_OR_BREAK = re.compile(f"[\x00-\x1f\x7f-\x9f\u2028\u2029{_BIDI}]")


_BIDI_ONLY = re.compile(f"[{_BIDI}]")


def bidi_shown(text: str) -> str:
    """``text`` with each bidirectional control written ``\\uNNNN``: for pages (HTML, Markdown).

    A browser honours them as a terminal does, so a name holding U+202E is
    shown reversed. The markup of a page never holds one, so a whole
    rendered document is passed through, as :func:`xml_safe` does for XML.
    """
    return _BIDI_ONLY.sub(_escaped_char, text)


def on_terminal(text: str) -> str:
    """``text`` as :func:`shown` writes it, and each control character written ``\\xNN`` too
    (a bidirectional one ``\\uNNNN``), newline and tab excepted (text laid out in lines and
    columns needs them).

    A name that holds ``ESC [2J`` or ``ESC ]`` is a command to the terminal
    that prints it: it could clear the screen, recolour a BLOCKED verdict or
    retitle the window. Escaped, it is only odd-looking text.
    """
    return _CONTROL.sub(_escaped_char, shown(text))


def on_one_line(text: str) -> str:
    """:func:`on_terminal`, with newlines, tabs and Unicode's line separators (U+2028,
    U+2029) escaped too: for what must stay one line (an ``Error:`` line, which a name with a
    newline in it would split; an EDL's event)."""
    return _CONTROL_OR_BREAK.sub(_escaped_char, shown(text))


# What XML 1.0 cannot carry at all, escaped or not: C0 controls but tab, LF
# and CR, and the two noncharacters U+FFFE and U+FFFF.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def xml_safe(text: str) -> str:
    """XML text with names as :func:`shown` writes them, and each character XML 1.0 forbids
    written the same way (``\\x1b``, ``\\uffff``).

    A file name may hold any byte but ``/`` and NUL: ElementTree escapes
    markup, but writes an ESC or a form feed as it is, and no XML parser
    reads the document then (a CI server drops the whole JUnit report). The
    characters are never markup, so the serialized document is escaped as a
    whole.
    """
    return _NOT_XML.sub(_escaped_char, shown(text))


def _escaped_char(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def escape_surrogates(text: str) -> str:
    """JSON text with lone surrogates as ``\\udcNN`` escapes: still the same JSON, now UTF-8."""
    return _SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def shown_values(value: object) -> object:
    """``value`` (JSON-ready data) with every string in it as :func:`shown` writes it."""
    if isinstance(value, str):
        return shown(value)
    if isinstance(value, dict):
        return {shown(str(k)): shown_values(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [shown_values(item) for item in value]
    return value


def data_shown(data: dict[str, object]) -> dict[str, object]:
    """JSON-ready ``data`` with names as shown, through its JSON text (faster than a walk in
    Python for a report of thousands of files): what a signed report signs and carries."""
    shown_data: dict[str, object] = json.loads(shown_in_json(json.dumps(data, ensure_ascii=False)))
    return shown_data


def json_shown(value: object) -> str:
    """JSON of ``value`` with names as shown: what the ledger's JSON columns store."""
    return json.dumps(shown_values(value))


SHOWN_ERRORS = "provenance-shown"
"""The codec error handler (see :func:`register_shown_errors`) that writes names as shown."""


def _write_shown(error: UnicodeError) -> tuple[str, int]:
    if not isinstance(error, UnicodeEncodeError):
        raise error
    return shown(error.object[error.start : error.end]), error.end


def register_shown_errors() -> str:
    """Register :data:`SHOWN_ERRORS` (idempotent): a stream using it prints names as shown.

    A lone surrogate written to a stream with this handler comes out as
    ``\\xNN`` instead of failing the whole write; other unencodable text still
    fails as it would.
    """
    codecs.register_error(SHOWN_ERRORS, _write_shown)
    return SHOWN_ERRORS
