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
from provenance.reports.answers import finals_text
from provenance.reports.history_tables import events_table, locations_table
from provenance.reports.shortened import LOCATIONS_SHOWN, Ends, ends, present_first
from provenance.store import ApprovalRecord, AssetRecord, ChainReport, LedgerCheck
from provenance.tools import display_name
from provenance.util.names import on_one_line
from provenance.util.stages import human_bytes

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
    if summary.identified:  # only after an upgrade: assets recorded before identity was read
        table.add_row("identified", str(summary.identified))
    for key in ("genai", "not_genai", "unknown", "unreadable"):
        table.add_row(verdict_text(key), str(data[key]))
    for label, text in scan_times(summary):
        table.add_row(label, text)
    return Group(
        table,
        *_listed(summary.problems, "not ingested"),
        *_listed(summary.unreadable_files, "recorded unreadable (an audit blocks them)"),
    )


def scan_times(summary: ScanSummary) -> list[tuple[str, str]]:
    """Each stage's time, then the whole scan's: where a 20 s scan spent its 20 s."""
    walk = next((stage for stage in summary.stages if stage.name == "walk"), None)
    rows = [("walk", f"{walk.done:,} files in {walk.seconds:.2f} s")] if walk else []
    rate = human_bytes(summary.bytes / summary.seconds if summary.seconds else 0.0)
    read = f"{human_bytes(summary.bytes)} in {summary.seconds:.2f} s ({rate}/s)"
    rows.append(("read and recorded", read))
    if summary.fingerprint_seconds:
        took = f"{summary.fingerprinted:,} pictures fingerprinted in"
        rows.append(("likeness stage", f"{took} {summary.fingerprint_seconds:.2f} s"))
        rows += [
            (f"  {stage.name}", f"{stage.done:,} pictures looked at in {stage.seconds:.2f} s")
            for stage in summary.stages
            if stage.unit == "pictures"
        ]
    wall = summary.wall_seconds or summary.seconds + summary.fingerprint_seconds
    rows.append(("total", f"{wall:.2f} s, start to end"))
    return rows


def _listed(files: list[tuple[str, str]], what: str) -> list[RenderableType]:
    """The files (path, why) a scan wants a person to see, at most MAX_PROBLEMS_SHOWN."""
    if not files:
        return []
    lines: list[RenderableType] = [Text(f"{len(files)} file(s) {what}:", style="yellow")]
    # One line each: a name with a newline in it would otherwise print a line of its own,
    # one that reads as another file's problem.
    shown = files[:MAX_PROBLEMS_SHOWN]
    lines += [Text(f"  {on_one_line(path)}: {on_one_line(reason)}") for path, reason in shown]
    if len(files) > MAX_PROBLEMS_SHOWN:
        lines.append(Text(f"  ... and {len(files) - MAX_PROBLEMS_SHOWN} more (see --json)"))
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


def history_view(history: History, *, wide: bool = False, whole: bool = False) -> RenderableType:
    """An asset's story for the terminal: all of it with ``whole``, else its ends (see
    :mod:`.shortened`)."""
    parts: list[RenderableType] = [finals_text(history.finals)] if history.finals else []
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
    ask = f"`provenance history {history.asset.sha256[:12]} --all` (or --json)"
    # Present copies first, as the web page lists them (every place with --all).
    most = len(history.locations) if whole else LOCATIONS_SHOWN
    shown, left_out = present_first(history.locations, most)
    places = locations_table(shown, wide=wide, left_out=left_out, ask=ask)
    events = Ends(history.events, [], 0) if whole else ends(history.events)
    return Group(*parts, places, events_table(events, wide=wide, ask=ask))


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


def needs_list(needs: Iterable[Need[AssetRecord]]) -> Table:
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


def asset_list(
    assets: list[AssetRecord], paths: Mapping[str, list[str]], *, wide: bool = False
) -> Table:
    """The ``ls`` table: each asset's name and present path beside a short hash.

    At 80 columns the decisive columns (name, verdict, status) keep their
    words, the tool sits under the verdict, and the path folds onto more
    lines rather than being cut. ``wide`` adds kind, first seen, every
    present path and the whole hash.
    """
    table = Table()
    table.add_column("file (present at)", overflow="fold", ratio=1)
    table.add_column("verdict", no_wrap=True)
    table.add_column("status", no_wrap=True)
    table.add_column("sha256", no_wrap=True)
    if wide:
        table.add_column("kind", no_wrap=True)
        table.add_column("first seen", no_wrap=True)
    for asset in assets:
        verdict = verdict_text(asset.verdict)
        if asset.tool:
            verdict.append(f"\n{asset.tool}", style="dim")
        more = [asset.kind, _when(asset.first_seen.isoformat())] if wide else []
        table.add_row(
            _file_cell(sorted(paths.get(asset.sha256, [])), wide), verdict, asset.status or "",
            asset.sha256 if wide else asset.sha256[:10], *more,
        )  # fmt: skip
    return table


def _file_cell(paths: list[str], wide: bool) -> Text:
    """A file's name in bold and its folder below; every copy with ``wide``, else the first."""
    if not paths:
        return Text("(no copy present)", style="dim")
    cell = Text()
    for path in paths if wide else paths[:1]:
        # One line each: a newline in a name would read as the next line of the cell.
        folder, _, name = on_one_line(path).rpartition("/")
        cell.append(("\n" if cell else "") + name, style="bold")
        cell.append(f"\n{folder}/", style="dim")
    if len(paths) > 1 and not wide:
        cell.append(f"\n(+{len(paths) - 1} more copies)", style="dim")
    return cell


def _alike(like: Likeness) -> str:
    # A master alike by fingerprint in some moments also says when it shows the asset.
    said = [f"d={like.distance}"] if like.distance is not None else []
    if like.shown:
        first = like.shown[0]
        more = f" and {len(like.shown) - 1} more" if len(like.shown) > 1 else ""
        said.append(f"shows it at {first.tc_in}-{first.tc_out}{more}")
    return ", ".join(said) or f"holds it, {like.cover or 0:.0%}"


def similar_list(similar: Sequence[Similar]) -> Table:
    """The ``ls --looks-like`` table: each asset, how alike, and where it is now."""
    table = Table()
    for column in ("sha256", "kind", "verdict", "tool", "status"):
        table.add_column(column)
    for column in ("alike", "present at"):  # folded, never cut: a path is no use half shown
        table.add_column(column, overflow="fold")
    for item in similar:
        like = item.likeness
        alike = _alike(like)
        if item.likeness.moments:
            alike += f", {item.likeness.moments[0]}/{item.likeness.moments[1]} moments"
        a = item.asset
        table.add_row(a.sha256[:12], a.kind, verdict_text(a.verdict), a.tool or "",
                      a.status or "", alike, "\n".join(item.paths))  # fmt: skip
    return table


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


def ledger_check(check: LedgerCheck) -> Text:
    """The chain's line, then one line per row that differs from its events."""
    text = chain_report(check.chain)
    for difference in check.differences:
        text.append(f"\nDIFFERS: {difference.text}", style="bold red")
    if check.differences:
        count = len(check.differences)
        noun = "difference" if count == 1 else "differences"
        text.append(f"\n{count} {noun} between the tables and the events", style="bold red")
    elif check.chain.ok:
        text.append("\nOK: every row is what its events say", style="green")
    return text


def classification_table(rows: Sequence[PathClassification]) -> Table:
    """The ``classify`` table: file, verdict (tool and confidence below), strongest evidence.

    The path folds by whole path (name in bold, folder below) and the
    verdict never wraps, so an 80-column pipe keeps every word readable.
    """
    table = Table()
    table.add_column("file", overflow="fold", ratio=2)
    table.add_column("verdict", no_wrap=True)
    table.add_column("evidence", overflow="fold", ratio=3)
    for row in rows:
        best = row.result.strongest()
        verdict = verdict_text(row.result.verdict)
        for extra in (row.result.tool, row.result.confidence):
            if extra:
                verdict.append(f"\n{extra}", style="dim")
        table.add_row(
            _file_cell([str(row.path)], wide=False),
            verdict,
            _clip(best.detail, 120) if best else "",
        )
    return table
