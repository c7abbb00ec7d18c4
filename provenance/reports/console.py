"""Rich renderables for the terminal: scan summaries, histories, asset lists.

Each function takes plain data and returns something ``rich`` can print; the
CLI decides where it goes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from provenance.evidence import Evidence
from provenance.likeness.search import PICTURE_KINDS
from provenance.store import ApprovalRecord, AssetRecord, ChainReport
from provenance.tools import display_name

if TYPE_CHECKING:  # only annotations: `scan` prints its summary without the lifecycle's imports
    from provenance.history import History
    from provenance.ingest.scan import ScanSummary
    from provenance.ingest.survey import PathClassification
    from provenance.lifecycle import Need
    from provenance.likeness.search import Likeness, Similar

VERDICT_STYLE = {
    "genai": "bold red",
    "not_genai": "green",
    "unknown": "yellow",
    "unreadable": "magenta",
}
MAX_PROBLEMS_SHOWN = 20


def verdict_text(verdict: str) -> Text:
    """A verdict, coloured."""
    return Text(verdict, style=VERDICT_STYLE.get(verdict, ""))


def human_bytes(count: float) -> str:
    """1536 -> '1.5 KiB'."""
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if count < 1024 or unit == "TiB":
            return f"{count:.0f} {unit}" if unit == "B" else f"{count:.1f} {unit}"
        count /= 1024
    return f"{count:.1f} TiB"


def scan_summary(summary: ScanSummary) -> RenderableType:
    """The table printed after a scan."""
    data = summary.to_dict()
    table = Table(title="Scan summary", show_header=False, box=None)
    table.add_column(style="bold")
    table.add_column(justify="right")
    for key in (
        "files_seen",
        "newly_ingested",
        "unchanged",
        "copies",
        "modified",
        "moved",
        "removed",
        "skipped",
    ):
        table.add_row(key.replace("_", " "), str(data[key]))
    for key in ("genai", "not_genai", "unknown", "unreadable"):
        table.add_row(verdict_text(key), str(data[key]))
    rate = summary.bytes / summary.seconds if summary.seconds else 0.0
    table.add_row(
        "read", f"{human_bytes(summary.bytes)} in {summary.seconds:.2f} s ({human_bytes(rate)}/s)"
    )
    return Group(table, *_problems(summary.problems))


def _problems(problems: list[tuple[str, str]]) -> list[RenderableType]:
    if not problems:
        return []
    lines: list[RenderableType] = [Text(f"{len(problems)} file(s) not ingested:", style="yellow")]
    lines += [Text(f"  {path}: {reason}") for path, reason in problems[:MAX_PROBLEMS_SHOWN]]
    if len(problems) > MAX_PROBLEMS_SHOWN:
        lines.append(Text(f"  ... and {len(problems) - MAX_PROBLEMS_SHOWN} more (see --json)"))
    return lines


def asset_header(asset: AssetRecord) -> Table:
    """Key facts of an asset as a two-column table."""
    table = Table(show_header=False, box=None)
    table.add_column(style="bold")
    table.add_column()
    table.add_row("sha256", asset.sha256)
    table.add_row("kind", f"{asset.kind} ({asset.mime}{_dims(asset)}), {human_bytes(asset.size)}")
    table.add_row("verdict", verdict_text(asset.verdict))
    if asset.tool:
        table.add_row("tool", f"{display_name(asset.tool)} [{asset.tool}]")
    if asset.confidence:
        table.add_row("confidence", asset.confidence)
    if asset.status:
        table.add_row("status", asset.status)
    if asset.expires_at and asset.status in ("temporary", "expired"):
        table.add_row("expires", _when(asset.expires_at.isoformat()) + " UTC")
    if asset.replaced_by:
        table.add_row("replaced by", asset.replaced_by)
    if asset.prompt:
        table.add_row("prompt", _clip(asset.prompt, 300))
    if asset.problem:
        table.add_row("problem", asset.problem)
    return table


def _dims(asset: AssetRecord) -> str:
    parts = []
    if asset.width and asset.height:
        parts.append(f"{asset.width}x{asset.height}")
    if asset.duration:
        parts.append(f"{asset.duration:.2f} s")
    return (", " + ", ".join(parts)) if parts else ""


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def evidence_table(evidence: Iterable[Evidence]) -> Table:
    """The evidence behind a classification."""
    table = Table(title="Evidence", title_justify="left")
    for column in ("detector", "signal", "kind", "detail"):
        table.add_column(column)
    for item in evidence:
        table.add_row(item.detector, item.signal, item.kind, _clip(item.detail, 160))
    return table


def history_view(history: History) -> RenderableType:
    """An asset's whole story for the terminal."""
    parts: list[RenderableType] = []
    if history.note:
        parts.append(Text(f"Note: {history.note}", style="yellow"))
    parts.append(asset_header(history.asset))
    if history.asset.evidence:
        parts.append(evidence_table(history.asset.evidence))
    else:
        parts.append(
            Text("Evidence: none (no marker, metadata or folder rule says where it came from)")
        )
    parts += _resemblance_parts(history)
    parts += _holding_parts(history)
    parts += _showing_parts(history)
    parts += _lifecycle_parts(history)
    places = Table(title="Locations", title_justify="left")
    for column in ("host", "path", "first seen", "last seen", "present"):
        places.add_column(column)
    for loc in history.locations:
        places.add_row(
            loc.host,
            loc.path,
            _when(loc.first_seen.isoformat()),
            _when(loc.last_seen.isoformat()),
            "yes" if loc.present else "no",
        )
    events = Table(title="Events", title_justify="left")
    for column in ("seq", "when (UTC)", "event", "who", "host", "path", "details"):
        events.add_column(column)
    for ev in history.events:
        details = ", ".join(
            f"{k}={_detail(v)}" for k, v in _shown(ev.details).items() if v is not None
        )
        events.add_row(
            str(ev.seq), _when(ev.at), ev.type, ev.actor, ev.host, ev.path or "", details
        )
    return Group(*parts, places, events)


def _detail(value: object) -> str:
    # Flags (in `detected` and `flagged` events) read as "category: reason".
    if isinstance(value, list) and all(isinstance(v, dict) and "category" in v for v in value):
        return "; ".join(f"{v['category']}: {v.get('reason', '')}" for v in value)
    return str(value)


def _resemblance_parts(history: History) -> list[RenderableType]:
    if history.asset.verdict == "genai" and history.asset.kind in PICTURE_KINDS:
        ask = f"provenance ls --looks-like {history.asset.sha256[:12]}"
        return [Text(f"Copies that look like it, whatever their hash: {ask}")]
    if history.not_compared:
        return [Text(f"Likeness: {history.not_compared}", style="yellow")]
    like = history.looks_like
    if like is None:
        return []
    how = f"fingerprint distance {like.distance}"
    if like.moments:
        how = f"{like.moments[0]} of {like.moments[1]} sampled moments alike, median {how}"
    lead = f"Looks like generated asset {like.asset.sha256[:12]} ({like.asset.brief()}), {how}:"
    if like.neighbour:
        lines = [f"{lead} a frame of the same sequence. Frames of a shot look alike, so this"
                 " is most likely its neighbour, not a copy; worth a look."]  # fmt: skip
    else:
        lines = [
            f"{lead} most likely a re-encoded, resized or stripped copy of it, or made from it."
        ]
    if history.asset.verdict == "not_genai":
        lines.append("This file carries evidence of a non-generative origin: it may be that"
                     " asset's source instead (img2img keeps the composition).")  # fmt: skip
    if like.path:
        lines.append(f"Last seen at {like.path}.")
    lines.append(f"Its story: provenance history {like.asset.sha256[:12]}")
    # A likely copy is a finding; a neighbouring frame or a possible source is a question.
    settled = like.neighbour or history.asset.verdict == "not_genai"
    return [Text("\n".join(lines), style="yellow" if settled else "bold red")]


def _holding_parts(history: History) -> list[RenderableType]:
    held = history.holds
    if held is None:
        return []
    turned = ", flopped or flipped" if held.mirrored else ""
    cover = f", covering {held.cover:.0%} of the frame" if held.cover is not None else ""
    return [Text(
        f"Holds generated asset {held.asset.sha256[:12]} ({held.asset.brief()}){cover}{turned}:"
        " reframed, turned or composited into this picture.\n"
        f"Its story: provenance history {held.asset.sha256[:12]}",
        style="bold red",
    )]  # fmt: skip


def _showing_parts(history: History) -> list[RenderableType]:
    if not history.shows:
        return []
    lines = [
        f"Shows generated asset {s.asset.sha256[:12]} ({s.asset.brief()}) at {s.segment.tc_in}"
        f"-{s.segment.tc_out} ({s.segment.start or 0:.1f}-{s.segment.end or 0:.1f} s),"
        f" {'whole frame' if s.segment.kind == 'near' else 'in part of the frame'}"
        for s in history.shows
    ]
    first = history.shows[0].asset.sha256[:12]
    lines.append(f"Its story: provenance history {first}")
    return [Text("\n".join(lines), style="bold red")]


def _lifecycle_parts(history: History) -> list[RenderableType]:
    parts: list[RenderableType] = []
    if history.asset.flags:
        flags = Table(title="Escalations (flags)", title_justify="left")
        for column in ("needs", "from", "why"):
            flags.add_column(column)
        for flag in history.asset.flags:
            flags.add_row(str(flag["category"]), str(flag["source"]), str(flag["reason"]))
        parts.append(flags)
    if history.needs:
        needed = ", ".join(history.needs)
        parts.append(Text(f"Needs approval before finals: {needed}", style="bold yellow"))
    if history.approvals:
        parts.append(approvals_table(history.approvals))
    return parts


def approvals_table(approvals: Iterable[ApprovalRecord]) -> Table:
    """Written approvals, with their documents' hashes, revoked ones marked."""
    table = Table(title="Approvals", title_justify="left")
    for column in ("#", "category", "scope", "approver", "document", "approved", "until", "state"):
        table.add_column(column)
    for a in approvals:
        state = f"revoked {a.revoked_at:%Y-%m-%d}: {a.revoke_reason}" if a.revoked_at else "active"
        table.add_row(
            str(a.id),
            a.category,
            a.scope,
            f"{a.approver} (by {a.recorded_by})",
            f"{Path(a.reference_path).name} sha256 {a.reference_sha256[:12]}",
            _when(a.approved_at.isoformat()),
            _when(a.expires_at.isoformat()) if a.expires_at else "",
            state,
        )
    return table


def needs_list(needs: Iterable[Need]) -> Table:
    """The ``ls --needs-approval`` table."""
    table = Table()
    for column in ("sha256", "tool", "status", "needs", "why"):
        table.add_column(column)
    for need in needs:
        why = "; ".join(f.reason for f in need.flags) or "generated material is temporary"
        table.add_row(
            need.asset.sha256[:12],
            need.asset.tool or "",
            need.asset.status or "",
            ", ".join(need.missing),
            _clip(why, 120),
        )
    return table


def _when(stamp: str) -> str:
    return stamp.replace("T", " ")[:19]


def asset_list(assets: list[AssetRecord]) -> Table:
    """The ``ls`` table."""
    table = Table()
    for column in ("sha256", "kind", "verdict", "tool", "status", "first seen"):
        table.add_column(column)
    for asset in assets:
        table.add_row(
            asset.sha256[:12],
            asset.kind,
            verdict_text(asset.verdict),
            asset.tool or "",
            asset.status or "",
            _when(asset.first_seen.isoformat()),
        )
    return table


def _alike(like: Likeness) -> str:
    if like.distance is not None:
        return f"d={like.distance}"
    if like.shown:
        first = like.shown[0]
        more = f" and {len(like.shown) - 1} more" if len(like.shown) > 1 else ""
        return f"shows it at {first.tc_in}-{first.tc_out}{more}"
    return f"holds it, {like.cover or 0:.0%}"


def similar_list(similar: Sequence[Similar]) -> Table:
    """The ``ls --looks-like`` table: each asset, how alike, and where it is now."""
    table = Table()
    for column in ("sha256", "kind", "verdict", "tool", "status", "alike", "present at"):
        table.add_column(column)
    for item in similar:
        like = item.likeness
        alike = _alike(like)
        if item.likeness.moments:
            alike += f", {item.likeness.moments[0]}/{item.likeness.moments[1]} moments"
        a = item.asset
        table.add_row(a.sha256[:12], a.kind, verdict_text(a.verdict), a.tool or "",
                      a.status or "", alike, "\n".join(item.paths))  # fmt: skip
    return table


def _shown(details: Mapping[str, object]) -> dict[str, object]:
    """An event's details as the history table shows them: a signature as ``signed=yes``."""
    shown = {k: v for k, v in details.items() if k not in ("signature", "signed_message")}
    if details.get("signature"):
        shown["signed"] = "yes"
    return shown


def chain_report(report: ChainReport) -> Text:
    """One line saying whether the chain verifies."""
    if report.ok:
        return Text(
            f"OK: {report.events} events verified; head {report.head_seq} {report.head_hash}",
            style="green",
        )
    assert report.problem is not None
    return Text(
        f"BROKEN: {report.problem.problem} (first bad event: {report.problem.seq})",
        style="bold red",
    )


def classification_table(rows: Sequence[PathClassification]) -> Table:
    """The ``classify`` table: path, verdict, tool, confidence, strongest evidence."""
    table = Table()
    for column in ("path", "verdict", "tool", "confidence", "evidence"):
        table.add_column(column, overflow="fold")
    for row in rows:
        best = row.result.strongest()
        table.add_row(
            str(row.path), verdict_text(row.result.verdict), row.result.tool or "",
            row.result.confidence or "", _clip(best.detail, 120) if best else "",
        )  # fmt: skip
    return table
