#!/usr/bin/env python3
"""Benchmark: ``provenance verify`` (chain check + state rebuild) over 1,000,000 events.

Builds an SQLite ledger of ``--events`` events (default 1,000,000) in bulk,
straight into the schema the ledger creates (not through the CLI): a
realistic mix of what a studio's ledger holds, each event chained and each
row what its events say, so ``verify`` must walk everything and find nothing:

* ``detected`` (a fifth of the events; a third of them generated, with an
  expiry), ``seen`` and ``moved`` (copies and renames of present copies),
  ``removed`` (of present copies), and the ``locations`` rows they imply;
* ``approved`` (and their approval rows), ``expired``, ``expiry-set``;
* audits: an ``audit-recorded`` event (and row) per 2,000 ``audited`` events.

Then times ``provenance verify --json`` (a fresh process, as a user runs it)
against a baseline that reads the whole events table with plain ``sqlite3``,
taking turns, and prints medians and ratios. Target: verify <= 30 s.

``--base-code DIR`` times, in the same turns, the ``verify`` of the code
unpacked at DIR (``git archive main | tar -x -C DIR``): before and after a
change, on the same ledger. Both run from ``/tmp`` with their code first on
``PYTHONPATH``, so each imports the code it is meant to.

    python bench/bench_verify.py [--events 1000000] [--repeat 3] [--base-code DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_scan import interleaved, machine

from provenance.store import Ledger
from provenance.store.chain import GENESIS, details_text, event_hash
from provenance.store.digests import digest_as_stored

START = datetime(2026, 1, 1, tzinfo=UTC)
DOCUMENT = b"%PDF-1.7 signed consent"
# Event types by share of the log; the rest of each step's events are `seen`.
EVIDENCE_SHA256 = digest_as_stored([])  # the row's evidence: none
MIX = {"detected": 0.20, "moved": 0.12, "removed": 0.05, "approved": 0.02, "expired": 0.02,
       "expiry-set": 0.01, "audited": 0.15}  # fmt: skip


def stamp(moment: datetime) -> str:
    """ISO 8601 as events carry it."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def column(moment: datetime) -> str:
    """A UTC time as SQLite stores a ``UTCDateTime`` column."""
    return moment.strftime("%Y-%m-%d %H:%M:%S.%f")


class Builder:
    """Writes a chained log and the rows it implies, in bulk."""

    def __init__(self, conn: sqlite3.Connection, total: int) -> None:
        self.conn, self.total = conn, total
        self.seq, self.prev = 0, GENESIS
        self.events: list[tuple[object, ...]] = []
        self.assets: list[tuple[object, ...]] = []
        self.approvals: list[tuple[object, ...]] = []
        self.audits: list[tuple[object, ...]] = []
        self.places: dict[tuple[str, str], bool] = {}  # (asset, path) on ws1 -> present
        self.present: list[tuple[str, str]] = []  # the present ones, in no order
        self.generated: list[str] = []  # temporary generated assets, not yet approved or expired
        self.known: list[str] = []
        self.rng = random.Random(15)
        self.audit_id = 0

    def event(self, kind: str, sha: str | None, path: str | None, details: Mapping[str, object],
              at: datetime) -> None:  # fmt: skip
        """Chain one event."""
        self.seq += 1
        text, when = details_text(details), stamp(at)
        digest = event_hash(seq=self.seq, at=when, type=kind, asset_sha256=sha, actor="owner",
                            host="ws1", path=path, details=text, prev_hash=self.prev)  # fmt: skip
        self.events.append((self.seq, when, kind, sha, "owner", "ws1", path, text, self.prev,
                            digest))  # fmt: skip
        self.prev = digest

    def build(self) -> None:
        """The whole log, flushed in batches."""
        kinds, weights = list(MIX), list(MIX.values())
        while self.seq < self.total:
            at = START + timedelta(seconds=self.seq)
            kind = self.rng.choices([*kinds, "seen"], [*weights, 1 - sum(weights)])[0]
            getattr(self, "_" + kind.replace("-", "_"))(at)
            if len(self.events) >= 50_000:
                self.flush()
        self.flush()
        self.conn.executemany(
            "INSERT INTO locations (asset_sha256, host, path, size, mtime_ns, inode, first_seen,"
            " last_seen, present) VALUES (?, 'ws1', ?, 1000, 1, 1, ?, ?, ?)",
            ((sha, path, column(START), column(START), present)
             for (sha, path), present in self.places.items()),
        )  # fmt: skip
        self.conn.execute("INSERT INTO documents VALUES (?, ?, ?, ?, ?, ?)",
                          (_sha(DOCUMENT), "consent.pdf", len(DOCUMENT), DOCUMENT,
                           column(START), "owner"))  # fmt: skip
        self.conn.execute("UPDATE chain_head SET seq = ?, hash = ?", (self.seq, self.prev))
        self.conn.commit()

    def flush(self) -> None:
        """Insert what is pending."""
        c = self.conn
        c.executemany("INSERT INTO events VALUES (?,?,?,?,?,?,?,?,?,?)", self.events)
        c.executemany(
            "INSERT INTO assets (sha256, size, kind, mime, format, width, height, duration,"
            " verdict, tool, confidence, evidence, prompt, problem, status, first_seen,"
            " updated_at, expires_at, flags, replaced_by) VALUES"
            " (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            self.assets,
        )
        c.executemany(
            "INSERT INTO approvals (id, asset_sha256, category, scope, approver, recorded_by, host,"
            " reference_path, reference_sha256, approved_at, expires_at, note, revoked_at,"
            " revoked_by, revoke_reason) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            self.approvals,
        )
        c.executemany("INSERT INTO audits VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", self.audits)
        self.events, self.assets, self.approvals, self.audits = [], [], [], []

    # -- one event of each kind ------------------------------------------------------

    def _detected(self, at: datetime) -> None:
        sha = _sha(str(self.seq).encode())
        genai = self.rng.random() < 1 / 3
        expires = at + timedelta(days=30) if genai else None
        prompt = f"a castle at dusk, take {self.seq}" if genai else None
        details: dict[str, object] = {"verdict": "genai" if genai else "not_genai",
                                      "tool": "comfyui" if genai else None,
                                      "status": "temporary" if genai else None, "kind": "image",
                                      "evidence_sha256": EVIDENCE_SHA256}  # fmt: skip
        if expires is not None:
            details["expires_at"] = stamp(expires)
        if prompt is not None:
            details["prompt_sha256"] = digest_as_stored(prompt)
        path = f"/show/{self.seq}.exr"
        self.event("detected", sha, path, details, at)
        self._open(sha, path)
        self.assets.append((sha, 1000, "image", "image/png", "png", 64, 64, None,
                            details["verdict"], details["tool"], "strong", "[]", prompt, None,
                            details["status"], column(at), column(at),
                            column(expires) if expires else None, None, None))  # fmt: skip
        self.known.append(sha)
        if genai:
            self.generated.append(sha)

    def _seen(self, at: datetime) -> None:
        if not self.known:
            return self._detected(at)
        sha = self.rng.choice(self.known)
        path = f"/copies/{self.seq}.exr"
        self.event("seen", sha, path, {}, at)
        return self._open(sha, path)

    def _moved(self, at: datetime) -> None:
        if not self.present:
            return self._detected(at)
        sha, path = self._close()
        new = f"/moved/{self.seq}.exr"
        self.event("moved", sha, new, {"from": path}, at)
        return self._open(sha, new)

    def _removed(self, at: datetime) -> None:
        if not self.present:
            return self._detected(at)
        sha, path = self._close()
        return self.event("removed", sha, path, {}, at)

    def _open(self, sha: str, path: str) -> None:
        self.places[(sha, path)] = True
        self.present.append((sha, path))

    def _close(self) -> tuple[str, str]:
        """A present copy, taken at random, no longer present."""
        index = self.rng.randrange(len(self.present))
        self.present[index], self.present[-1] = self.present[-1], self.present[index]
        place = self.present.pop()
        self.places[place] = False
        return place

    def _approved(self, at: datetime) -> None:
        if not self.generated:
            return self._detected(at)
        sha = self.generated.pop(self.rng.randrange(len(self.generated)))
        approval = self.seq + 1  # the approved event's own seq: unique
        details = {"approval": approval, "category": "final-deliverable", "scope": "final",
                   "approver": "Jane Doe", "reference": "/docs/consent.pdf",
                   "reference_sha256": _sha(DOCUMENT), "expires_at": None, "note": None,
                   "status": "approved", "previous_status": "temporary",
                   "reason": "written approval", "recorded_by": "owner", "host": "ws1",
                   "approved_at": stamp(at)}  # fmt: skip
        self.event("approved", sha, None, details, at)
        self.approvals.append((approval, sha, "final-deliverable", "final", "Jane Doe", "owner",
                               "ws1", "/docs/consent.pdf", _sha(DOCUMENT), column(at), None,
                               None, None, None, None))  # fmt: skip
        return self._set_status(sha, "approved", at)

    def _expired(self, at: datetime) -> None:
        if not self.generated:
            return self._detected(at)
        sha = self.generated.pop(self.rng.randrange(len(self.generated)))
        details = {"reason": "past its expiry", "status": "expired",
                   "previous_status": "temporary"}  # fmt: skip
        self.event("expired", sha, None, details, at)
        return self._set_status(sha, "expired", at)

    def _expiry_set(self, at: datetime) -> None:
        if not self.generated:
            return self._detected(at)
        sha = self.rng.choice(self.generated)
        later = at + timedelta(days=90)
        details = {"expires_at": stamp(later), "reason": "more time", "status": "temporary",
                   "previous_status": "temporary", "previous_expires_at": None}  # fmt: skip
        self.event("expiry-set", sha, None, details, at)
        return self._update(sha, at, expires_at=column(later))

    def _audited(self, at: datetime) -> None:
        if not self.known:
            return self._detected(at)
        if self.seq // 2000 >= self.audit_id:
            self.audit_id += 1
            run = {"root": "/deliveries/reel", "verdict": "passed", "files": 2000,
                   "passed": 2000, "warned": 0, "blocked": 0, "policy": "built-in default",
                   "report_sha256": _sha(str(self.audit_id).encode())}  # fmt: skip
            who = {"at": stamp(at), "actor": "owner", "host": "ws1"}
            self.event("audit-recorded", None, None, {"audit": self.audit_id} | run | who, at)
            self.audits.append((self.audit_id, column(at), "owner", "ws1", *run.values()))
        details = {"audit": self.audit_id, "package": "/deliveries/reel",
                   "package_path": "shot.exr", "verdict": "pass", "match": "ledger"}  # fmt: skip
        return self.event("audited", self.rng.choice(self.known), None, details, at)

    def _set_status(self, sha: str, status: str, at: datetime) -> None:
        self._update(sha, at, status=status)

    def _update(self, sha: str, at: datetime, **values: object) -> None:
        self.flush()  # the row may be pending
        sets = ", ".join(f"{k} = ?" for k in values)
        self.conn.execute(f"UPDATE assets SET {sets}, updated_at = ? WHERE sha256 = ?",
                          (*values.values(), column(at), sha))  # fmt: skip


def _sha(data: bytes) -> str:
    import hashlib

    return hashlib.sha256(data).hexdigest()


def build(path: Path, total: int) -> float:
    """Create the ledger at ``path`` with ``total`` events; returns the seconds it took."""
    started = time.perf_counter()
    Ledger(f"sqlite:///{path}").close()
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = OFF")
    Builder(conn, total).build()
    conn.close()
    return time.perf_counter() - started


def plain_read(path: Path) -> float:
    """The baseline: every event row read with plain sqlite3, in seq order."""
    started = time.perf_counter()
    conn = sqlite3.connect(path)
    count = sum(1 for _ in conn.execute("SELECT * FROM events ORDER BY seq"))
    conn.close()
    assert count > 0
    return time.perf_counter() - started


HERE = Path(__file__).resolve().parent.parent  # this checkout


def verify(path: Path, code: Path = HERE) -> float:
    """``provenance verify --json`` of the code at ``code``, in a fresh process; it must find
    nothing."""
    env = os.environ | {"PYTHONPATH": str(code)}
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "provenance", "verify", "--db", f"sqlite:///{path}", "--json"],
        capture_output=True, text=True, check=False, cwd=tempfile.gettempdir(), env=env,
    )  # fmt: skip
    elapsed = time.perf_counter() - started
    report = json.loads(done.stdout)
    if done.returncode != 0 or not report["ok"]:
        raise SystemExit(f"verify failed: {json.dumps(report)[:2000]}")
    return elapsed


def sizes(path: Path) -> Iterator[str]:
    """How many rows each table holds."""
    conn = sqlite3.connect(path)
    for table in ("events", "assets", "locations", "approvals", "audits"):
        yield f"{table} {conn.execute(f'SELECT count(*) FROM {table}').fetchone()[0]:,}"
    conn.close()


def main() -> None:
    """Build the ledger, then time the baseline and verify, taking turns."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--base-code", type=Path, help="also time the verify of the code here")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-verify-") as work:
        path = Path(work) / "ledger.sqlite3"
        built = build(path, args.events)
        print(machine())
        print(f"built in {built:.1f} s: {', '.join(sizes(path))}")
        other = args.base_code

        def baseline() -> tuple[float, float | None]:
            return plain_read(path), verify(path, other) if other else None

        base, contender = interleaved(baseline, lambda: verify(path), args.repeat, abba=True)
        b, c = statistics.median(r for r, _ in base), statistics.median(contender)
        print(f"sqlite3 read of the events table: {b:.2f} s (median of {args.repeat})")
        if other:
            before = [v for _, v in base if v is not None]
            print(f"verify of the code at {other}: {statistics.median(before):.2f} s,"
                  f" runs {[round(x, 2) for x in before]}")  # fmt: skip
        print(f"provenance verify (chain + rebuild): {c:.2f} s  ratio {c / b:.1f}"
              f"  (target <= 30 s: {'met' if c <= 30 else 'NOT met'})")  # fmt: skip
        print(f"runs: base {[round(r, 2) for r, _ in base]},"
              f" verify {[round(x, 2) for x in contender]}")  # fmt: skip


if __name__ == "__main__":
    main()
