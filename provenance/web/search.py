"""Searching the ledger from the browser: the form's fields, and results grouped by sequence.

A person searches by what they know: part of a file name or path (a shot's
name is part of its path), a show, the first digits of a hash, a tool, a
lifecycle status or a verdict. Every field narrows the result; an empty form
lists the newest assets. The frames of an image sequence come back as one row
in fileseq notation (``sh010_comp.1001-1096#.exr``), as reports name them.
"""

from __future__ import annotations

import string
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from provenance.files.sequences import group_frames
from provenance.settings import Settings
from provenance.store import AssetQuery, AssetRecord, Ledger
from provenance.tools import UNKNOWN_GENAI, canonical_tool
from provenance.vocab import STATUSES, VERDICTS

PAGE = 200  # assets per search; the page says when there were more
HEX = frozenset(string.hexdigits)
VIEWS = ("table", "grid")


@dataclass(frozen=True)
class SearchForm:
    """What a person asked for, each field as typed (empty: not filtered)."""

    text: str = ""  # part of a file name or path, any case
    show: str = ""
    hash: str = ""  # the first hex digits of a SHA-256
    tool: str = ""
    status: str = ""
    verdict: str = ""
    view: str = "table"

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> SearchForm:
        """The form from a request's query arguments; unknown choices are dropped."""
        status, verdict = args.get("status", ""), args.get("verdict", "")
        return cls(
            text=args.get("q", "").strip(),
            show=args.get("show", "").strip(),
            hash=args.get("hash", "").strip().lower(),
            tool=args.get("tool", "").strip(),
            status=status if status in STATUSES else "",
            verdict=verdict if verdict in VERDICTS else "",
            view=args.get("view") if args.get("view") in VIEWS else "table",  # type: ignore[arg-type]
        )

    def problems(self) -> list[str]:
        """What in the form cannot be searched for, in words."""
        found = []
        if self.hash and not set(self.hash) <= HEX:
            found.append(f"{self.hash!r} is not the start of a hash: use the digits 0-9 and a-f")
        if self.tool and _tool(self.tool) is None:
            found.append(f"no tool is called {self.tool!r}")
        return found


@dataclass(frozen=True)
class ResultRow:
    """One line of results: a lone asset, or the frames of one sequence."""

    label: str  # the path, or the sequence in fileseq notation
    assets: tuple[AssetRecord, ...]
    frames: tuple[int, ...] = ()

    @property
    def first(self) -> AssetRecord:
        """The asset the row links to (a sequence's first frame)."""
        return self.assets[0]

    @property
    def verdicts(self) -> str:
        """``genai`` for a lone asset; ``3 genai, 93 not_genai`` for a sequence."""
        counts = Counter(a.verdict for a in self.assets)
        if len(self.assets) == 1:
            return self.first.verdict
        return ", ".join(f"{n} {verdict}" for verdict, n in counts.most_common())


@dataclass(frozen=True)
class SearchResult:
    """Rows in the ledger's order (newest first), and whether the search stopped at a page."""

    rows: list[ResultRow]
    more: bool


def query_of(form: SearchForm, settings: Settings) -> AssetQuery:
    """The ledger query for the form; a show the settings list means its roots."""
    listed = {entry.name: entry.roots for entry in settings.shows}
    return AssetQuery(
        verdict=form.verdict or None,
        status=form.status or None,
        tool=_tool(form.tool) if form.tool else None,
        path_contains=form.text or None,
        sha_prefix=form.hash or None,
        roots=listed.get(form.show, ()),
        folder=form.show if form.show and form.show not in listed else None,
    )


def search(ledger: Ledger, settings: Settings, form: SearchForm) -> SearchResult:
    """The assets the form asks for, with sequences grouped (nothing when the form is wrong)."""
    if form.problems():
        return SearchResult([], False)
    found = ledger.assets.list(replace(query_of(form, settings), limit=PAGE + 1))
    shown = found[:PAGE]
    paths = ledger.locations.first_present(a.sha256 for a in shown)
    return SearchResult(grouped(shown, paths), len(found) > PAGE)


def grouped(assets: Sequence[AssetRecord], paths: Mapping[str, str]) -> list[ResultRow]:
    """Rows for ``assets``: those whose paths form a sequence share one row.

    Which paths are frames of one sequence is the project's rule
    (:func:`provenance.files.sequences.group_frames`: a frame number after a
    dot, or zero-padded to four digits), as reports apply it.
    """
    by_path = {paths[a.sha256]: a for a in assets if a.sha256 in paths}
    groups = {g.paths[0]: g for g in group_frames(by_path)}
    rows: list[ResultRow] = []
    for asset in assets:
        path = paths.get(asset.sha256)
        group = groups.get(path) if path is not None else None
        if group is not None:
            frames = tuple(by_path[p] for p in group.paths)
            rows.append(ResultRow(group.label, frames, group.frames))
        elif path is None or by_path[path] is not asset:
            # No copy present, or another host holds other content at the same path.
            rows.append(ResultRow(path or f"(no copy present) {asset.sha256[:12]}", (asset,)))
    return rows


def _tool(name: str) -> str | None:
    found = canonical_tool(name)
    return UNKNOWN_GENAI if found is None and name.lower() == UNKNOWN_GENAI else found
