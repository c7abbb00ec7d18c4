"""The one-sentence answer every ``history`` opens with, and the view of a file never recorded.

An editor's question is "may this go into the cut?": the answer comes first,
in words and in colour, before the evidence and the story behind it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

if TYPE_CHECKING:
    from provenance.audit.single import FinalsAnswer
    from provenance.history import Unrecorded

STYLES = {"block": "bold red", "warn": "bold yellow", "pass": "bold green"}


def finals_text(answer: FinalsAnswer) -> Text:
    """The answer as one coloured sentence."""
    return Text(answer.sentence, style=STYLES.get(answer.action, "bold"))


def unrecorded_view(answer: Unrecorded) -> RenderableType:
    """A file the ledger has never seen: the answer, what it is, and what it matches."""
    r = answer.result
    facts = Table.grid(padding=(0, 2))
    facts.add_row("file", answer.path)
    facts.add_row("sha256", r.sha256 or "(could not be read)")
    facts.add_row(
        "classified", f"{r.classification or 'unknown'}" + (f" ({r.tool})" if r.tool else "")
    )
    parts: list[RenderableType] = [
        finals_text(answer.finals),
        Text(
            "Not in the ledger: checked as the audit would, and nothing was written.", style="dim"
        ),
        facts,
    ]
    if answer.origin is not None:
        where = f", last present at {answer.origin_path}" if answer.origin_path else ""
        parts.append(
            Text(f"Its origin: {answer.origin.sha256[:12]} ({answer.origin.brief()}){where}")
        )
        parts.append(
            Text(f"Its story: provenance history {answer.origin.sha256[:12]}", style="dim")
        )
    parts.append(Text("Why:"))
    parts += [Text(f"  - {reason}") for reason in r.reasons]
    return Group(*parts)
