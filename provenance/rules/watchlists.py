r"""Per-show watchlists for prompt screening.

A watchlist is a plain text file, one entry a line, that names what a prompt
must not reference without approval: talent names, public figures, deceased
people, franchises and other protected works. Each file is tied to one
approval category in the settings. Lines:

* ``# ...`` and blank lines are ignored;
* ``re:<pattern>`` is a regular expression (Python's syntax);
* anything else is a literal term, matched as whole words.

Matching ignores case and accents on both sides ("Zoë Saldaña" matches
"zoe saldana"): text is NFKD-normalized, combining marks are dropped, and it
is case-folded before comparison.

The prompt comes from the file, so from whoever made it; the expressions
come from the show. A backtracking engine takes exponential time on some
expressions that look harmless (``(\w+\s?)+ in the style of`` took 10 s on
a prompt of 25 letters, and as long as it likes on a longer one): a crafted
prompt would hold the daemon or an audit for ever. So ``re:`` lines run on
the ``regex`` module, whose searches take a timeout, within one budget per
prompt (:data:`REGEX_SECONDS`, every list together). A prompt the budget
could not screen fails closed: the watchlist's category is flagged, saying
which line it could not finish, as a hit would be. Literal terms are escaped
words without nested repeats, safe on the standard ``re``.
"""

from __future__ import annotations

import re
import time
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import regex

from provenance.errors import ConfigError
from provenance.files.opening import read_regular
from provenance.rules.escalations import Flag
from provenance.vocab import Category, as_category

MAX_PROMPT_CHARS = 100_000
MAX_WATCHLIST_BYTES = 16 * 1024 * 1024  # names and phrases, one a line
REGEX_SECONDS = 2.0  # every re: line of every list, for one prompt


def fold(text: str) -> str:
    """Case- and accent-insensitive form of ``text``."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


@dataclass(frozen=True)
class WatchEntry:
    """One compiled watchlist line: a term (``pattern``) or a ``re:`` line (``expression``)."""

    label: str
    pattern: re.Pattern[str] | None = None
    expression: regex.Pattern[str] | None = None

    @property
    def literal(self) -> bool:
        """A term, matched as whole words (not a ``re:`` line)."""
        return self.expression is None

    def found(self, text: str, deadline: float) -> bool | None:
        """Whether the entry is in ``text``; None where a ``re:`` line ran out of time."""
        if self.pattern is not None:
            return self.pattern.search(text) is not None
        assert self.expression is not None  # one of the two, by construction
        left = deadline - time.monotonic()
        if left <= 0:
            return None
        try:
            return self.expression.search(text, timeout=left) is not None
        except TimeoutError:
            return None


@dataclass(frozen=True)
class Screening:
    """What one list found in a prompt, and the first line it could not finish (if any)."""

    hits: list[str]
    unfinished: str | None = None


@dataclass(frozen=True, eq=False)
class Watchlist:
    """A named list of entries and the approval category a hit requires.

    Compared and hashed by identity: a loaded list stands for its file as it
    was when read (see :func:`provenance.rules.flagging.watchlists`), and screening
    caches results per list, where hashing thousands of entries at every
    lookup would cost more than the screening it saves.
    """

    name: str
    category: Category
    entries: tuple[WatchEntry, ...]
    by_first_word: Mapping[str, tuple[int, ...]] = field(init=False, repr=False)
    always: tuple[int, ...] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        # A term matches only where its first word is a whole word of the
        # prompt (terms match as whole words), so terms are filed by first
        # word and a prompt is searched only for the terms whose first word
        # it contains: a list of a thousand names costs a few lookups a
        # prompt, not a thousand searches. Terms that start with no word
        # character, and every `re:` line, are always searched. Entries are
        # filed by position, so hits keep the list's order.
        filed: dict[str, list[int]] = {}
        always: list[int] = []
        for position, entry in enumerate(self.entries):
            first = _first_word(entry)
            if first is None:
                always.append(position)
            else:
                filed.setdefault(first, []).append(position)
        object.__setattr__(self, "by_first_word", {k: tuple(v) for k, v in filed.items()})
        object.__setattr__(self, "always", tuple(always))

    def screen(self, prompt: str, deadline: float) -> Screening:
        """The entries found in ``prompt``, in the list's order; ``re:`` lines until
        ``deadline`` (:func:`time.monotonic`)."""
        text = fold(prompt[:MAX_PROMPT_CHARS])
        words = set(WORD.findall(text))
        candidates = {i for w in words for i in self.by_first_word.get(w, ())}
        candidates.update(self.always)
        hits: list[str] = []
        unfinished = None
        for entry in (self.entries[i] for i in sorted(candidates)):
            found = entry.found(text, deadline)
            if found:
                hits.append(entry.label)
            elif found is None and unfinished is None:
                unfinished = entry.label
        return Screening(hits, unfinished)

    def hits(self, prompt: str) -> list[str]:
        """Labels of the entries found in ``prompt``, in the list's order (``re:`` lines
        within :data:`REGEX_SECONDS`)."""
        return self.screen(prompt, time.monotonic() + REGEX_SECONDS).hits


WORD = re.compile(r"\w+")


def _first_word(entry: WatchEntry) -> str | None:
    if not entry.literal:
        return None
    folded = fold(entry.label)
    first = WORD.match(folded)
    return first.group(0) if first else None


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
            return WatchEntry(source, expression=regex.compile(fold(source), regex.IGNORECASE))
        except regex.error as exc:
            raise ConfigError(
                f"bad regular expression ({exc})", where=where, fix="fix or escape it"
            ) from exc
    words = re.escape(fold(line)).replace(r"\ ", r"\s+")
    return WatchEntry(line, re.compile(rf"(?<!\w){words}(?!\w)"))


def load_watchlist(path: Path, category: str) -> Watchlist:
    """Read a watchlist file."""
    try:
        text = read_regular(path, MAX_WATCHLIST_BYTES).decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(
            f"cannot read watchlist ({exc})", where=path, fix="check the watchlists setting"
        ) from exc
    try:
        return parse_watchlist(path.stem, category, text.splitlines(), str(path))
    except ValueError as exc:
        raise ConfigError(str(exc), where=path) from exc


def screen_prompt(prompt: str | None, watchlists: Iterable[Watchlist]) -> list[Flag]:
    """One flag per watchlist entry the prompt references, and one per list that could not
    screen it within :data:`REGEX_SECONDS` (failing closed)."""
    if not prompt:
        return []
    deadline = time.monotonic() + REGEX_SECONDS
    flags = []
    for watchlist in watchlists:
        screening = watchlist.screen(prompt, deadline)
        for label in screening.hits:
            reason = f"prompt references '{label}' (watchlist {watchlist.name})"
            flags.append(Flag(watchlist.category, "prompt-screen", reason))
        if screening.unfinished is not None:
            reason = (
                f"prompt could not be screened against 're:{screening.unfinished}' (watchlist"
                f" {watchlist.name}) within {REGEX_SECONDS:g} s: treated as a reference until"
                " someone reads it (a simpler expression screens it in time)"
            )
            flags.append(Flag(watchlist.category, "prompt-screen", reason))
    return flags
