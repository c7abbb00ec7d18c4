"""Events in words: what happened to an asset, as a person would say it.

An event's details are the chain's record (every field, exactly as hashed);
a person wants one line: "audited in deliverables/ (comp/sh010.1003.png):
blocked, exact match". Each event type has a sentence made of the details it
needs; anything else is left to ``--json``. An event type this module does
not know (a newer version wrote it) still reads as its details, in words.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

Details = Mapping[str, object]

VERDICT_WORDS = {"block": "blocked", "warn": "warned", "pass": "passed"}


def _text(details: Details, key: str) -> str:
    value = details.get(key)
    return "" if value is None else str(value)


def _status(details: Details) -> str:
    before, after = _text(details, "previous_status"), _text(details, "status")
    if after and before and before != after:
        return f"{before} -> {after}"
    return after


def _flags(details: Details) -> str:
    flags = details.get("flags")
    if not isinstance(flags, list) or not flags:
        return ""
    named = [
        f"{f.get('category', '?')}" + (f" ({f['reason']})" if f.get("reason") else "")
        for f in flags
        if isinstance(f, dict)
    ]
    return "flagged " + ", ".join(named)


def _join(*parts: str) -> str:
    return "; ".join(part for part in parts if part)


def _detected(d: Details) -> str:
    made = f"{_text(d, 'verdict')}" + (f" ({_text(d, 'tool')})" if d.get("tool") else "")
    expires = f"expires {_text(d, 'expires_at')[:10]}" if d.get("expires_at") else ""
    return _join(made, expires, _flags(d))


def _identified(d: Details) -> str:
    """``media identity read: reel A001, timecode 01:00:10:00 at 24 fps, UMID 060a2b34...``."""
    rate = f" at {_rate(d.get('tc_rate'))} fps" if d.get("tc_rate") and d.get("timecode") else ""
    parts = [
        f"reel {_text(d, 'reel')}" if d.get("reel") else "",
        f"timecode {_text(d, 'timecode')}{rate}" if d.get("timecode") else "",
        f"starts {_text(d, 'tc_start')} s" if d.get("tc_start") and not d.get("timecode") else "",
        f"UMID {_text(d, 'umid')[:16]}..." if d.get("umid") else "",
    ]
    return "media identity read: " + (", ".join(p for p in parts if p) or "nothing")


def _rate(value: object) -> str:
    return f"{value:g}" if isinstance(value, float | int) else str(value)


def _audited(d: Details) -> str:
    verdict = VERDICT_WORDS.get(_text(d, "verdict"), _text(d, "verdict"))
    match = _text(d, "match")
    how = f"{match} match" if match else ""
    where = f"{_text(d, 'package_path')} in {_text(d, 'package')}"
    return _join(f"{verdict} as {where}", how, _on_screen(d), f"audit #{_text(d, 'audit')}")


def _on_screen(d: Details) -> str:
    """``on screen 01:00:03:00-01:00:05:00, ...``: where a delivered video shows the asset."""
    spans = d.get("on_screen")
    if not isinstance(spans, list):
        return ""
    found = [f"{s.get('tc_in')}-{s.get('tc_out')}" for s in spans if isinstance(s, dict)]
    return "on screen " + ", ".join(found) if found else ""


def _signed(d: Details) -> str:
    return "signed" if d.get("signature") else "unsigned"


def _approved(d: Details) -> str:
    lapses = f"lapses {_text(d, 'expires_at')[:10]}" if d.get("expires_at") else ""
    return _join(
        f"approval #{_text(d, 'approval')}: {_text(d, 'category')} ({_text(d, 'scope')})"
        f" by {_text(d, 'approver')}",
        _signed(d),
        lapses,
        _status(d),
    )


def _audit_recorded(d: Details) -> str:
    counts = (
        f"{_text(d, 'files')} files: {_text(d, 'blocked')} blocked, {_text(d, 'warned')} warned"
    )
    return _join(f"audit #{_text(d, 'audit')} of {_text(d, 'root')}: {_text(d, 'verdict')}", counts)


SENTENCES: Mapping[str, Callable[[Details], str]] = {
    "detected": _detected,
    "seen": lambda d: "another copy",
    "moved": lambda d: f"moved from {_text(d, 'from')}",
    "modified": lambda d: f"replaced content {_text(d, 'previous')[:12]} at this path",
    "removed": lambda d: "gone from this path",
    "identified": _identified,
    "audited": _audited,
    "approved": _approved,
    "revoked": lambda d: _join(
        f"approval #{_text(d, 'approval')} revoked: {_text(d, 'reason')}", _signed(d), _status(d)
    ),
    "audit-recorded": _audit_recorded,
    "state-baseline": lambda d: "the row as it stood when the ledger was upgraded (a baseline)",
    "quarantined": lambda d: f"moved to quarantine ({_text(d, 'quarantine_path')})",
    "restored": lambda d: "back from quarantine",
    "deleted-from-quarantine": lambda d: f"deleted from quarantine: {_text(d, 'reason')}",
    "replaced": lambda d: _join(f"replaced by {_text(d, 'by')[:12]}", _text(d, "reason")),
    "replaces": lambda d: _join(f"replaces {_text(d, 'replaces')[:12]}", _text(d, "reason")),
    "expiry-set": lambda d: _join(
        f"expiry set to {_text(d, 'expires_at')[:10]}", _text(d, "reason"), _status(d)
    ),
    "expired": lambda d: _join(_text(d, "reason"), _status(d)),
    "approval-lapsed": lambda d: _join(_text(d, "reason"), _status(d)),
    "flagged": lambda d: _join(_flags(d), _text(d, "reason"), _status(d)),
}


def event_words(kind: str, details: Details) -> str:
    """One line saying what an event of type ``kind`` with these ``details`` means."""
    sentence = SENTENCES.get(kind)
    if sentence is not None:
        return sentence(details)
    return _join(*(f"{key.replace('_', ' ')} {value}" for key, value in details.items() if value))
