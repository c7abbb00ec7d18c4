"""Rich renderables for ``provenance status``: one panel per watch daemon."""

from __future__ import annotations

from collections.abc import Mapping

from rich.console import Group, RenderableType
from rich.text import Text

from provenance.watchers.status import DaemonStatus, StatusReport, root_rows

HEALTH_STYLE = {"ok": "green", "degraded": "yellow", "stale": "bold red", "failed": "bold red"}
COUNTS_SHOWN = ("ingested", "new", "modified", "moved", "removed", "unreadable", "skipped",
                "errors", "losses", "observer_restarts", "reconciles")  # fmt: skip


def status_view(report: StatusReport) -> RenderableType:
    """Every daemon: who, where, health, roots, backlog and counts."""
    if not report.daemons:
        return Text("No watch daemon has reported to this ledger (start one: provenance watch).")
    return Group(*[_daemon(d) for d in report.daemons])


def _daemon(daemon: DaemonStatus) -> RenderableType:
    record = daemon.record
    health = Text(daemon.health, style=HEALTH_STYLE.get(daemon.health, "dim"))
    title = Text.assemble(
        (f"{record.host}", "bold"), f"  pid {record.pid}  ", health,
        f"  last heartbeat {_ago(daemon.age)}",
    )  # fmt: skip
    parts: list[RenderableType] = [title]
    parts.extend(Text(f"  degraded: {reason}", style="yellow") for reason in daemon.degraded)
    parts.append(_roots(daemon))
    parts.append(Text(f"  queue: {_pairs(record.state.get('queue'))}"))
    parts.append(Text(f"  counts: {_pairs(record.state.get('counts'), COUNTS_SHOWN)}\n"))
    return Group(*parts)


def _roots(daemon: DaemonStatus) -> RenderableType:
    # One line per root, never wrapped inside a path: paths are for copying.
    lines = []
    for root in root_rows(daemon):
        state = str(root.get("state", "?"))
        problem = f" ({root['problem']})" if root.get("problem") else ""
        lines.append(
            Text.assemble(
                f"  {root.get('path', '?')}  ",
                (state + problem, "yellow" if state == "unavailable" else "bold"),
                f"  {root.get('mode', '?')}  last reconcile {_when(root.get('last_reconcile'))}",
            )
        )
        lines.extend(_below(root))
    return Group(*lines)


def _below(root: Mapping[str, object]) -> list[Text]:
    # Shares mounted below a root that are unplugged: nothing there is recorded removed.
    below = root.get("unavailable_below")
    rows = [r for r in below if isinstance(r, Mapping)] if isinstance(below, list) else []
    return [
        Text.assemble(
            f"    {row.get('path', '?')}  ", ("unavailable", "yellow"), f" ({row.get('problem')})"
        )
        for row in rows
    ]


def _pairs(value: object, keys: tuple[str, ...] | None = None) -> str:
    if not isinstance(value, Mapping):
        return "-"
    chosen = keys or tuple(str(k) for k in value)
    return ", ".join(f"{key} {value[key]}" for key in chosen if key in value)


def _when(stamp: object) -> str:
    return str(stamp)[:19].replace("T", " ") + " UTC" if stamp else "never"


def _ago(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f} s ago"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min ago"
    return f"{seconds / 3600:.1f} h ago"
