"""Per-show watchlists for prompt screening.

A watchlist is a plain text file, one entry a line, that names what a prompt
must not reference without approval: talent names, public figures, deceased
people, franchises and other protected works. Each file is tied to one
approval category in the settings. Lines:

* ``# ...`` and blank lines are ignored;
* ``re:<pattern>`` is a regular expression;
* anything else is a literal term, matched as whole words.

Matching ignores case and accents on both sides ("Zoë Saldaña" matches
"zoe saldana"): text is NFKD-normalized, combining marks are dropped, and it
is case-folded before comparison.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from provenance.errors import ConfigError
from provenance.escalations import Category, Flag, as_category

MAX_PROMPT_CHARS = 100_000


def fold(text: str) -> str:
    """Case- and accent-insensitive form of ``text``."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


@dataclass(frozen=True)
class WatchEntry:
    """One compiled watchlist line."""

    label: str
    pattern: re.Pattern[str]


@dataclass(frozen=True)
class Watchlist:
    """A named list of entries and the approval category a hit requires."""

    name: str
    category: Category
    entries: tuple[WatchEntry, ...]

    def hits(self, prompt: str) -> list[str]:
        """Labels of the entries found in ``prompt``."""
        text = fold(prompt[:MAX_PROMPT_CHARS])
        return [entry.label for entry in self.entries if entry.pattern.search(text)]


def parse_watchlist(name: str, category: str, lines: Iterable[str], where: str) -> Watchlist:
    """Compile a watchlist's lines; a bad regex names the file and line."""
    entries = []
    for number, raw in enumerate(lines, start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        entries.append(_entry(line, f"{where}:{number}"))
    return Watchlist(name, as_category(category), tuple(entries))


def _entry(line: str, where: str) -> WatchEntry:
    if line.startswith("re:"):
        source = line[3:].strip()
        try:
            return WatchEntry(source, re.compile(fold(source), re.IGNORECASE))
        except re.error as exc:
            raise ConfigError(
                f"bad regular expression ({exc})", where=where, fix="fix or escape it"
            ) from exc
    words = re.escape(fold(line)).replace(r"\ ", r"\s+")
    return WatchEntry(line, re.compile(rf"(?<!\w){words}(?!\w)"))


def load_watchlist(path: Path, category: str) -> Watchlist:
    """Read a watchlist file."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(
            f"cannot read watchlist ({exc})", where=path, fix="check the watchlists setting"
        ) from exc
    try:
        return parse_watchlist(path.stem, category, text.splitlines(), str(path))
    except ValueError as exc:
        raise ConfigError(str(exc), where=path) from exc


def screen_prompt(prompt: str | None, watchlists: Iterable[Watchlist]) -> list[Flag]:
    """One flag per watchlist entry the prompt references."""
    if not prompt:
        return []
    flags = []
    for watchlist in watchlists:
        for label in watchlist.hits(prompt):
            reason = f"prompt references '{label}' (watchlist {watchlist.name})"
            flags.append(Flag(watchlist.category, "prompt-screen", reason))
    return flags
