"""The disclosure report's tables, shared by its Markdown and HTML forms.

The report is written for producers. It opens with a **headline**: how much
generated material the title holds in each state, the escalations no
approval clears, and the temporary generated material still present; the
summary of the scope and the ledger follows. The detail tables come after.
Assets are named by file name and shot (:mod:`provenance.lifecycle.naming`);
hashes appear shortened to :data:`SHORT` digits in narrow columns, and in
full once, in the closing *Hashes* table (and everywhere in the JSON form).
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

from provenance.lifecycle.disclosure import DisclosureReport, Escalation, GeneratedAsset
from provenance.store import EventRecord
from provenance.tools import display_name
from provenance.util.names import on_one_line

STATUSES = ("temporary", "approved", "replaced", "expired", "quarantined", "deleted")
SHORT = 12  # digits of a hash shown in tables: unique in any real ledger, and fits a column
NOT_CLEARED = "NOT CLEARED"
HEADLINE_ROWS = 5  # rows a headline table shows, so the summary stays on one printed page

Role = Literal["text", "name", "hash", "path", "date", "alert"]


@dataclass(frozen=True)
class Section:
    """One titled table of the report.

    ``roles`` says, per column, how the page sets it: ``hash`` (a short
    hash, narrow and monospaced), ``path`` (a path or full hash, which may
    wrap anywhere), ``name`` (a file name, kept whole unless it alone is
    wider than the page), ``date`` (dates kept whole), or ``text``. ``alert`` marks the column whose
    ``NOT CLEARED`` cells are shown in red. ``more`` is a closing line, such
    as how many rows a headline table left to the details.
    """

    title: str
    columns: tuple[str, ...]
    rows: Sequence[tuple[str, ...]]
    empty: str = "None."
    roles: tuple[Role, ...] = ()
    more: str = ""

    def role(self, index: int) -> Role:
        """How column ``index`` is set."""
        return self.roles[index] if index < len(self.roles) else "text"

    def shown(self, index: int, cell: str) -> str:
        """``cell`` as the page writes it: a name or path on one line, its breaks and
        controls written ``\\x0a`` (a file named ``a<newline>b.png`` is not ``a b.png``);
        other text as it is."""
        return on_one_line(cell) if self.role(index) in ("name", "path") else cell


def short(sha: str | None) -> str:
    """A hash cut to :data:`SHORT` digits."""
    return (sha or "")[:SHORT]


def heading(report: DisclosureReport) -> str:
    """The report's title line."""
    return f"Generative AI disclosure: {report.scope.title}"


def prepared_line(report: DisclosureReport) -> str:
    """What the report is, and what it is not."""
    return f"Prepared following {report.guidance}; not an official form."


def headline_sentence(report: DisclosureReport) -> str:
    """The headline in one sentence, for a reader who reads nothing else."""
    head = report.headline()
    return (
        f"{sum(head.by_status.values())} generated asset(s); {len(head.not_cleared)}"
        f" escalation(s) not cleared; {len(head.temporary_present)} temporary asset(s)"
        " still present."
    )


def headline_sections(report: DisclosureReport) -> list[Section]:
    """The first page's tables: states, escalations not cleared, temporary material present."""
    head = report.headline()
    states = _states(report)
    counts = (*(str(head.by_status.get(s, 0)) for s in states), str(sum(head.by_status.values())))
    return [
        Section("Generated material by state", (*states, "total"), [counts]),
        _capped(
            "Escalations not cleared",
            ("asset", "shot", "needs", "why", "cleared"),
            [_open_row(e) for e in head.not_cleared],
            ("name", "text", "text", "text", "alert"),
        ),
        _capped(
            "Temporary generated material still present",
            ("asset", "shot", "tool", "expires", "copies present"),
            [_temporary_row(g) for g in head.temporary_present],
            ("name", "text", "text", "text", "text"),
        ),
        _summary(report),
        _assets(report),
    ]


def detail_sections(report: DisclosureReport) -> list[Section]:
    """The tables after the first page, in reading order."""
    names = _names(report)
    return [
        _by_tool(report),
        _generated(report),
        _escalations(report),
        _approvals(report, names),
        _events("Replacements", report, "replacements", REPLACED, _replacement(names)),
        _events("Expiries", report, "expiries", HAPPENED, _happening(names)),
        _events("Quarantine and purges", report, "purges", PURGED, _purge(names)),
        _events(
            "Refused approval attempts", report, "refused_approvals", HAPPENED, _happening(names)
        ),
        _unknown(report),
        _hashes(report),
    ]


def sections(report: DisclosureReport) -> list[Section]:
    """Every table of the report, headline first."""
    return headline_sections(report) + detail_sections(report)


def _states(report: DisclosureReport) -> list[str]:
    seen = report.headline().by_status
    return [*STATUSES, *(s for s in seen if s not in STATUSES)]


def _capped(
    title: str, columns: tuple[str, ...], rows: list[tuple[str, ...]], roles: tuple[Role, ...]
) -> Section:
    """A headline table of at most :data:`HEADLINE_ROWS` rows; the rest are in the details."""
    left = len(rows) - HEADLINE_ROWS
    more = f"and {left} more: see the detail tables." if left > 0 else ""
    return Section(title, columns, rows[:HEADLINE_ROWS], roles=roles, more=more)


def _open_row(e: Escalation) -> tuple[str, ...]:
    return (e.item.name, e.item.shot, e.flag.category, _clipped(e.flag.reason), NOT_CLEARED)


def _clipped(text: str, most: int = 80) -> str:
    """Long text cut for the first page (the detail table has it whole)."""
    return text if len(text) <= most else text[: most - 1].rstrip() + "…"


def _temporary_row(g: GeneratedAsset) -> tuple[str, ...]:
    tool = display_name(g.asset.tool) if g.asset.tool else ""
    return (g.name, g.shot, tool, _date(g.asset.expires_at), str(len(g.present_at)))


def _summary(report: DisclosureReport) -> Section:
    """What the report covers and what it rests on: scope, time, ledger, chain."""
    chain = report.chain
    verified = (
        f"verified: {chain['events']} events, head {chain['head_hash']}"
        if chain.get("ok")
        else f"BROKEN at event {chain.get('first_bad_seq')}: {chain.get('problem')}"
    )
    since = _day(report.scope.since) or "the beginning"
    rows = [
        ("Scope", f"{report.scope.describe()}, since {since}"),
        ("Report made (UTC)", _day(report.generated_at)),
        ("Ledger", report.ledger),
        ("Event chain", verified),
        ("Generated files below", _root_line(report)),
    ]
    return Section("Summary", ("item", "value"), rows, roles=("text", "path"))


ASSET_COUNTS = ("assets", "generated by AI", "not generated (positive evidence)",
                "unknown provenance", "unreadable (fail closed)")  # fmt: skip


def _assets(report: DisclosureReport) -> Section:
    """Every asset in scope by verdict, on one line."""
    c = report.counts
    keys = ("assets", "genai", "not_genai", "unknown", "unreadable")
    return Section("Assets in scope", ASSET_COUNTS, [tuple(str(c[k]) for k in keys)])


def _by_tool(report: DisclosureReport) -> Section:
    rows = [
        (display_name(tool), *(str(counts.get(s, 0)) for s in STATUSES), str(counts.total()))
        for tool, counts in report.by_tool()
    ]
    return Section("Generated assets by tool and status", ("tool", *STATUSES, "total"), rows)


def files_root(report: DisclosureReport) -> str:
    """The folder (``host:/path/``) every present copy of a generated asset is below, or ''.

    The tables show places below it, so a column of paths reads as folders of
    the show rather than the same long prefix over and over. Copies on
    several hosts share no folder: then places are shown whole.
    """
    places = [place for g in report.generated for place in g.present_at]
    if not places:
        return ""
    common = posixpath.commonprefix(places)
    return common[: _last_separator(common) + 1]


def _root_line(report: DisclosureReport) -> str:
    if not any(g.present_at for g in report.generated):
        return "(none present)"
    return files_root(report) or "(no common folder: places are shown whole)"


def _where(g: GeneratedAsset, root: str) -> list[str]:
    """Each present copy below the files root: its folder, and its name if not the asset's."""
    shown = []
    for place in g.present_at:
        below = place[len(root) :]
        cut = _last_separator(below) + 1
        folder, name = below[:cut] or "./", below[cut:]
        shown.append(folder if name == g.name else folder + name)
    return shown


def _last_separator(path: str) -> int:
    """Where the last folder separator is (``/``, or ``\\`` on a Windows host), or -1."""
    return max(path.rfind("/"), path.rfind("\\"))


def _generated(report: DisclosureReport) -> Section:
    root = files_root(report)
    rows = [
        (
            g.name,
            g.shot,
            display_name(g.asset.tool) if g.asset.tool else "",
            g.asset.status or "",
            _span(g),
            ", ".join(g.needs) or "nothing",
            "; ".join(_where(g, root)),
            short(g.asset.sha256),
        )
        for g in report.generated
    ]
    columns = ("asset", "shot", "tool", "status", "first seen → expires", "still needs",
               "present in", "sha256")  # fmt: skip
    roles: tuple[Role, ...] = ("name", "text", "text", "text", "date", "text", "name", "hash")
    return Section("Generated assets", columns, rows, roles=roles)


def _span(g: GeneratedAsset) -> str:
    """``2026-12-06 → 2027-01-05``: when it came, and when it expires if it still may."""
    first = _date(g.asset.first_seen)
    if g.asset.status in ("temporary", "expired") and g.asset.expires_at:
        return f"{first} → {_date(g.asset.expires_at)}"
    return first


def _escalations(report: DisclosureReport) -> Section:
    rows = [
        (
            e.item.name,
            e.item.shot,
            e.flag.category,
            e.flag.source,
            e.flag.reason,
            ", ".join(f"#{i}" for i in e.approvals) or NOT_CLEARED,
            short(e.item.asset.sha256),
        )
        for e in report.escalations()
    ]
    columns = ("asset", "shot", "needs", "flagged by", "why", "cleared by approval", "sha256")
    roles: tuple[Role, ...] = ("name", "text", "text", "text", "text", "alert", "hash")
    return Section("Escalations", columns, rows, roles=roles)


def _approvals(report: DisclosureReport, names: dict[str, str]) -> Section:
    rows = [
        (
            f"#{a.id}",
            names.get(a.asset_sha256, short(a.asset_sha256)),
            a.category,
            a.scope,
            a.approver,
            a.reference_path,
            short(a.reference_sha256),
            _date(a.approved_at),
            _date(a.expires_at),
            f"revoked {_day(a.revoked_at)} by {a.revoked_by}: {a.revoke_reason}"
            if a.revoked_at
            else "active",
        )
        for a in report.approvals
    ]
    columns = ("#", "asset", "category", "scope", "approver", "document", "document sha256",
               "approved", "until", "state")  # fmt: skip
    roles: tuple[Role, ...] = ("text", "name", "text", "text", "text", "path", "hash")
    return Section("Approvals", columns, rows, roles=roles)


REPLACED = ("generated asset", "replaced by", "when (UTC)", "who", "reason")
PURGED = ("asset", "action", "when (UTC)", "host", "path", "quarantine path", "who")
HAPPENED = ("asset", "event", "when (UTC)", "who", "host", "reason")
_ROLES: dict[tuple[str, ...], tuple[Role, ...]] = {
    REPLACED: ("name", "name"),
    PURGED: ("name", "text", "text", "text", "path", "path"),
    HAPPENED: ("name",),
}
Row = Callable[[EventRecord], tuple[str, ...]]


def _events(
    title: str, report: DisclosureReport, group: str, columns: tuple[str, ...], row: Row
) -> Section:
    rows = [row(e) for e in report.events.get(group, [])]
    return Section(title, columns, rows, roles=_ROLES[columns])


def _replacement(names: dict[str, str]) -> Row:
    def row(e: EventRecord) -> tuple[str, ...]:
        by = str(e.details.get("by", ""))
        reason = str(e.details.get("reason", ""))
        return (_named(names, e.asset_sha256), _named(names, by), _day(e.at), e.actor, reason)

    return row


def _happening(names: dict[str, str]) -> Row:
    def row(e: EventRecord) -> tuple[str, ...]:
        reason = str(e.details.get("reason", ""))
        return (_named(names, e.asset_sha256), e.type, _day(e.at), e.actor, e.host, reason)

    return row


def _purge(names: dict[str, str]) -> Row:
    def row(e: EventRecord) -> tuple[str, ...]:
        d = e.details
        original = str(d.get("original_path", e.path or ""))
        held = str(d.get("quarantine_path", e.path if e.type == "deleted-from-quarantine" else ""))
        asset = _named(names, e.asset_sha256)
        return (asset, e.type, _day(e.at), e.host, original, held, e.actor)

    return row


def _unknown(report: DisclosureReport) -> Section:
    rows = [(kind, str(n)) for kind, n in report.unknown_by_kind.items()]
    return Section("Unknown provenance by media kind", ("kind", "files"), rows)


def _hashes(report: DisclosureReport) -> Section:
    """Every hash the tables shorten, in full: the generated assets and the documents."""
    rows = [(g.name, "generated asset", g.asset.sha256) for g in report.generated]
    rows += [
        (a.reference_path, f"document of approval #{a.id}", a.reference_sha256)
        for a in report.approvals
    ]
    return Section("Hashes", ("name", "what", "sha256"), rows, roles=("name", "text", "path"))


def _names(report: DisclosureReport) -> dict[str, str]:
    return {g.asset.sha256: g.name for g in report.generated}


def _named(names: dict[str, str], sha: str | None) -> str:
    """An asset's name where the report knows it, else its short hash."""
    return names.get(sha or "", short(sha))


def _date(value: object) -> str:
    """The day alone (``2026-12-06``): what a producer plans by; the JSON has the moment."""
    return _day(value)[:10]


def _day(value: object) -> str:
    if value is None:
        return ""
    text = value.isoformat() if hasattr(value, "isoformat") else str(value)
    return text.replace("T", " ")[:19]
