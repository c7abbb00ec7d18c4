"""The state rebuilt from the events equals the rows the real code paths wrote.

Hypothesis drives random sequences of every write the ledger has (record,
and so moves, copies, overwrites, removals and other hosts' copies; approve,
revoke, expiry, expire, flags, replace, quarantine in, restore, delete,
audit) through the ledger's parts, refusals included; after each
sequence the fold of the chain must equal every table, whole
(``state.verify``) and asset by asset (``state.check``). Then the unit tests
of the fold itself, and the upgrade of a ledger written before it.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from provenance.errors import ProvenanceError
from provenance.evidence import Evidence
from provenance.rules.policy import open_status
from provenance.store import (
    ApprovalRequest,
    AuditedFile,
    AuditIn,
    DocumentIn,
    Ledger,
    QuarantineIn,
)
from provenance.store.chain import GENESIS, canonical_json, event_hash
from provenance.store.engine import make_engine
from provenance.store.projection import Projection, compare
from tests.support.factories import fake_sha, observation
from tests.support.old_schema import make_chain_old

LABELS = ("a", "b", "c", "d")
START = datetime(2026, 1, 1, tzinfo=UTC)
VOICE = {"category": "voice", "source": "folder-rule", "reason": "a voice clone"}
DOCUMENT = DocumentIn("consent.pdf", b"%PDF-1.7 consent")

Op = tuple[str, int, int]
ops = st.lists(
    st.tuples(
        st.sampled_from(
            [
                "record",
                "approve",
                "revoke",
                "expiry",
                "expire",
                "flag",
                "replace",
                "quarantine",
                "restore",
                "delete",
                "audit",
                "plain",
                "purge-restore",
                "purge-delete",
                "copy",
                "remove",
                "overwrite",
                "elsewhere",
            ]
        ),
        st.integers(0, 1),  # two assets: operations on the same one are likely
        st.integers(0, 3),
    ),
    max_size=20,
)


def markers(label: str, n: int) -> tuple[Evidence, ...]:
    """``n`` items of evidence, the last naming a file that is not UTF-8 (stored as shown)."""
    return tuple(
        Evidence("generators", "png-parameters", f"parameters in {label}_\udcff{i}.png", "genai",
                 "comfyui", "strong", f"prompt {i}", {"model": f"m{i}", "seed": str(i)})
        for i in range(n)
    )  # fmt: skip


@pytest.fixture
def fresh() -> Iterator[Ledger]:
    with (
        tempfile.TemporaryDirectory() as folder,
        Ledger(f"sqlite:///{folder}/ledger.sqlite3", actor="tester", host="testhost") as opened,
    ):
        yield opened


class Run:
    """Applies one random operation through the ledger's real write paths."""

    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger
        self.now = START

    def apply(self, op: Op) -> None:
        kind, index, n = op
        self.now += timedelta(days=n + 1)
        sha = fake_sha(LABELS[index])
        # A refusal changes nothing, and is itself what the real code does.
        with contextlib.suppress(ProvenanceError):
            getattr(self, f"_{kind.replace('-', '_')}")(sha, LABELS[index], n)

    def _record(self, sha: str, label: str, n: int) -> None:
        seen = observation(label, f"/show/{label}-{n}.png", verdict="genai", tool="comfyui")
        due = self.now + timedelta(days=2)
        self.ledger.record([dataclasses.replace(seen, asset=dataclasses.replace(
            seen.asset, expires_at=due, flags=(VOICE,) * (n % 2), evidence=markers(label, n),
        ))])  # fmt: skip

    def _plain(self, sha: str, label: str, n: int) -> None:
        self.ledger.record([observation(f"plain-{label}", f"/show/plain-{label}-{n}.png")])

    def _copy(self, sha: str, label: str, n: int) -> None:
        """Seen at another path while its other copies are still there (``seen``)."""
        seen = observation(label, f"/copies/{label}-{n}.png", verdict="genai", tool="comfyui")
        self.ledger.record([seen], exists=lambda path: True)

    def _remove(self, sha: str, label: str, n: int) -> None:
        self.ledger.record_removed([f"/show/{label}-{n}.png", f"/copies/{label}-{n}.png"])

    def _overwrite(self, sha: str, label: str, n: int) -> None:
        """Other content written at one of this one's paths (``modified``)."""
        other = LABELS[(LABELS.index(label) + 1) % 2]
        self.ledger.record([observation(other, f"/show/{label}-{n}.png", verdict="genai",
                                        tool="comfyui")])  # fmt: skip

    def _elsewhere(self, sha: str, label: str, n: int) -> None:
        """The same path on another host: another location."""
        seen = observation(label, f"/show/{label}-{n}.png", verdict="genai", tool="comfyui",
                           host="render02")  # fmt: skip
        self.ledger.record([seen])

    def _approve(self, sha: str, label: str, n: int) -> None:
        category = ("final-deliverable", "voice")[n % 2]
        request = ApprovalRequest(sha, None, category, "final", "Jane", "/docs/consent.pdf",  # type: ignore[arg-type]
                                  expires_at=self.now + timedelta(days=n))  # fmt: skip
        self.ledger.approvals.add([request], DOCUMENT, self.now, open_status)

    def _revoke(self, sha: str, label: str, n: int) -> None:
        live = [a for a in self.ledger.approvals.of(sha) if a.revoked_at is None]
        if live:
            self.ledger.approvals.revoke(live[n % len(live)].id, "withdrawn", self.now, open_status)

    def _expiry(self, sha: str, label: str, n: int) -> None:
        self.ledger.genai.set_expiry([sha], self.now + timedelta(days=n - 1), "more", self.now)

    def _expire(self, sha: str, label: str, n: int) -> None:
        self.ledger.genai.expire_due(self.now, open_status)

    def _flag(self, sha: str, label: str, n: int) -> None:
        flag = {
            "category": ("voice", "talent-likeness")[n % 2],
            "source": "prompt-screen",
            "reason": f"r{n}",
        }
        self.ledger.genai.add_flags({sha: [flag]}, "rescreen", self.now, open_status)

    def _replace(self, sha: str, label: str, n: int) -> None:
        other = fake_sha(LABELS[(LABELS.index(label) + 1 + n) % len(LABELS)])
        self.ledger.genai.replace([(sha, other)], "new version", self.now)

    def _quarantine(self, sha: str, label: str, n: int) -> None:
        if sha not in self.ledger.assets.many([sha]):
            return  # purge moves copies of recorded assets only
        entry = QuarantineIn(sha, f"/show/{label}-{n}.png", f"/q/{label}-{n}-{self.now:%s}.png")
        self.ledger.quarantine.add([entry], "expired", self.now)

    def _purge_restore(self, sha: str, label: str, n: int) -> None:
        self._quarantine(sha, label, n)
        self._restore(sha, label, n)

    def _purge_delete(self, sha: str, label: str, n: int) -> None:
        self._quarantine(sha, label, n)
        self._delete(sha, label, n)

    def _restore(self, sha: str, label: str, n: int) -> None:
        held = self.ledger.quarantine.list(sha=sha)
        if held:
            self.ledger.quarantine.restore([held[0].id], self.now, open_status)

    def _delete(self, sha: str, label: str, n: int) -> None:
        held = self.ledger.quarantine.list(sha=sha)
        if held:
            self.ledger.quarantine.delete([held[-1].id], "for good", self.now)

    def _audit(self, sha: str, label: str, n: int) -> None:
        run = AuditIn("/deliveries/x", ("passed", "blocked")[n % 2], 2, 1, 0, 1, "default", sha)
        self.ledger.audits.add(run, [AuditedFile(sha, f"{label}.png", "block", "ledger")])


@settings(max_examples=60, deadline=None)
@given(sequence=ops)
def test_rebuild_equals_the_rows_the_code_wrote(sequence: list[Op]) -> None:
    with (
        tempfile.TemporaryDirectory() as folder,
        Ledger(f"sqlite:///{folder}/l.sqlite3", actor="tester", host="testhost") as ledger,
    ):
        run = Run(ledger)
        for op in [("record", 0, 0), ("record", 1, 1), *sequence]:
            run.apply(op)
        report = ledger.state.verify()
        assert report.chain.ok
        assert report.differences == (), [d.text for d in report.differences]
        assert ledger.state.check([fake_sha(label) for label in LABELS]) == {}


def test_each_kind_of_write_is_covered(fresh: Ledger) -> None:
    """One deterministic sequence that reaches every write (hypothesis may not, every time)."""
    run = Run(fresh)
    for op in [("record", 0, 1), ("record", 1, 0), ("approve", 0, 0), ("approve", 0, 1),
               ("flag", 0, 0), ("revoke", 0, 0), ("expiry", 0, 3), ("expire", 0, 3),
               ("quarantine", 0, 1), ("restore", 0, 0), ("quarantine", 0, 2), ("delete", 0, 0),
               ("replace", 1, 2), ("audit", 1, 1), ("plain", 2, 0), ("record", 3, 0),
               ("quarantine", 3, 0), ("restore", 3, 0)]:  # fmt: skip
        run.apply(op)
    events = {e.type for e in fresh.events.list()}
    assert {"approved", "revoked", "flagged", "expiry-set", "quarantined", "restored",
            "deleted-from-quarantine", "replaced", "audit-recorded"} <= events  # fmt: skip
    report = fresh.state.verify()
    assert report.ok, [d.text for d in report.differences]


def test_a_changed_row_is_named_with_both_sides_and_its_event(fresh: Ledger) -> None:
    Run(fresh).apply(("record", 0, 0))
    sha = fake_sha("a")
    engine = make_engine(fresh.url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE assets SET tool='camera' WHERE sha256=:s"), {"s": sha})
    engine.dispose()
    [difference] = fresh.state.verify().differences
    assert difference.text == (f"asset {sha[:12]} tool: ledger says camera, events say comfyui"
                               " (event 1)")  # fmt: skip
    assert difference.asset == sha
    assert list(fresh.state.check([sha])) == [sha]


@dataclasses.dataclass
class _Event:
    seq: int
    type: str
    asset_sha256: str | None
    details: str
    at: str = "2026-01-01T00:00:00.000000Z"
    actor: str = "x"
    host: str = "h"
    path: str | None = None


def test_an_event_from_before_the_projection_asks_for_the_upgrade() -> None:
    old = _Event(1, "detected", "s" * 64, '{"tool":null,"verdict":"genai"}')
    projection = Projection().fold([old])
    row: dict[str, object] = {"verdict": "genai", "tool": None, "status": "temporary", "flags": [],
           "expires_at": None, "replaced_by": None}  # fmt: skip
    [difference] = compare(projection, {"s" * 64: row}, {}, {})
    assert "predate the state projection (event 1)" in difference.text
    assert "provenance init" in difference.text


def test_the_upgrade_records_a_baseline_for_an_older_ledger(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/old.sqlite3"
    with Ledger(url, actor="owner", host="h") as ledger:
        Run(ledger).apply(("record", 0, 0))
        Run(ledger).apply(("audit", 0, 0))
    make_chain_old(url)
    with Ledger(url) as ledger:
        assert "predate the state projection" in ledger.state.verify().differences[0].text
        assert ledger.state.check([fake_sha("a")])  # the audit blocks it until the upgrade
    upgraded, _, _ = Ledger.init(url)
    with upgraded:
        assert upgraded.state.verify().ok
        baselines = upgraded.events.list(types=["state-baseline"])
        assert [e.asset_sha256 for e in baselines] == [fake_sha("a"), None]
        assert baselines[0].details["asset"]["status"] == "temporary"  # type: ignore[index]
        assert upgraded.record_baseline() == 0  # once only
        engine = make_engine(url)
        with engine.begin() as conn:
            conn.execute(text("UPDATE assets SET verdict='not_genai'"))
        engine.dispose()
        [difference] = upgraded.state.verify().differences
        assert "verdict: ledger says not_genai, events say genai" in difference.text


def test_an_older_ledgers_locations_need_no_baseline(tmp_path: Path) -> None:
    """Every writer chained the event of each change of a location's existence or presence:
    an upgraded ledger's locations are rebuilt from the events it already had."""
    url = f"sqlite:///{tmp_path}/old.sqlite3"
    with Ledger(url, actor="owner", host="testhost") as ledger:
        run = Run(ledger)
        for op in [("record", 0, 0), ("record", 0, 1), ("copy", 0, 2), ("remove", 0, 2),
                   ("elsewhere", 0, 1), ("record", 1, 0), ("overwrite", 1, 0),
                   ("quarantine", 0, 1), ("restore", 0, 0), ("quarantine", 0, 1)]:  # fmt: skip
            run.apply(op)
        types = {e.type for e in ledger.events.list()}
        assert {"moved", "seen", "modified", "removed", "restored"} <= types
        places = {(loc.host, loc.path, loc.present) for loc in ledger.locations.of(fake_sha("a"))}
        assert ("testhost", "/show/a-1.png", False) in places  # quarantined again
    make_chain_old(url)
    upgraded, _, _ = Ledger.init(url)
    with upgraded:
        assert upgraded.state.verify().ok
        baselines = upgraded.events.list(types=["state-baseline"])
        assert all("locations" not in e.details for e in baselines)


# Any text, and the lone surrogates a file name that is not UTF-8 decodes to.
names = st.text(
    st.characters(exclude_categories=["Cs"])
    | st.characters(min_codepoint=0xDC80, max_codepoint=0xDCFF),
    max_size=12,
)


@settings(max_examples=300, deadline=None)
@given(
    seq=st.integers(1, 2**62),
    fields=st.tuples(names, names, names, names, names),
    optional=st.tuples(st.none() | names, st.none() | names),
)
def test_the_fast_event_hash_is_the_canonical_json_hash(
    seq: int, fields: tuple[str, ...], optional: tuple[str | None, str | None]
) -> None:
    """``event_hash`` writes the canonical JSON out by hand; it must be byte for byte the same."""
    at, kind, actor, host, details = fields
    asset, path = optional
    content = {"seq": seq, "at": at, "type": kind, "asset": asset, "actor": actor, "host": host,
               "path": path, "details": details, "prev": GENESIS}  # fmt: skip
    body = canonical_json(content)
    expected = hashlib.sha256(body.encode("utf-8")).hexdigest()
    assert event_hash(seq=seq, at=at, type=kind, asset_sha256=asset, actor=actor, host=host,
                      path=path, details=details, prev_hash=GENESIS) == expected  # fmt: skip


def test_who_and_when_come_from_the_details_when_the_server_stamps_the_envelope() -> None:
    """On PostgreSQL the server may set an event's own ``at`` and ``actor``: the row keeps the
    writer's, and the details carry them."""
    details = ('{"approval":7,"approved_at":"2026-01-01T00:00:00.000001Z","category":"voice",'
               '"host":"ws1","recorded_by":"jane","reference":"/d.pdf","reference_sha256":"d",'
               '"scope":"final","status":"approved"}')  # fmt: skip
    event = _Event(3, "approved", "s" * 64, details, at="2026-01-01T00:00:00.250000Z",
                   actor="provenance_daemon")  # fmt: skip
    approval = Projection().fold([event]).approvals[7].values
    assert approval["approved_at"] == "2026-01-01T00:00:00.000001Z"
    assert (approval["recorded_by"], approval["host"]) == ("jane", "ws1")


def test_free_text_naming_a_file_that_is_not_utf8_rebuilds_as_stored(fresh: Ledger) -> None:
    """Notes, reasons and flags are stored as shown (``\\xff``); their events keep the name."""
    Run(fresh).apply(("record", 0, 0))
    sha, name = fake_sha("a"), "shot_\udcff.png"
    flag = {"category": "voice", "source": "prompt-screen", "reason": f"named in {name}"}
    fresh.genai.add_flags({sha: [flag]}, f"rescreen of {name}", START, open_status)
    request = ApprovalRequest(sha, None, "final-deliverable", "final", "Jane", "/docs/c.pdf",
                              note=f"covers {name}")  # fmt: skip
    record = fresh.approvals.add([request], DOCUMENT, START, open_status)[0]
    fresh.approvals.revoke(record.id, f"{name} was recut", START, open_status)
    assert fresh.approvals.get(record.id).note == "covers shot_\\xff.png"  # type: ignore[union-attr]
    report = fresh.state.verify()
    assert report.ok, [d.text for d in report.differences]


def test_a_forged_event_the_fold_cannot_read_is_named_not_a_crash() -> None:
    """An ``approved`` event without an approval number (no code path writes one) is a finding."""

    class Forged:
        seq, at, type, asset_sha256 = 7, "2026-01-01T00:00:00Z", "approved", "ab" * 32
        actor, host, path, details = "x", "h", None, '{"approver": "Jane"}'

    projection = Projection().fold([Forged()])
    [difference] = compare(projection, {}, {}, {})
    assert difference.table == "event" and "event 7 (approved) cannot be read" in difference.text


def _set_evidence(ledger: Ledger, sha: str, value: str) -> None:
    engine = make_engine(ledger.url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE assets SET evidence=:e WHERE sha256=:s"), {"e": value, "s": sha})
    engine.dispose()


def test_evidence_is_compared_by_what_it_says_in_the_order_it_was_found(fresh: Ledger) -> None:
    """Keys in another order say the same; items in another order do not (of equally ranked
    items, a report names the first as the reason)."""
    Run(fresh).apply(("record", 0, 2))
    sha = fake_sha("a")
    stored = [item.to_dict() for item in fresh.assets.many([sha])[sha].evidence]
    assert len(stored) == 2
    _set_evidence(fresh, sha, json.dumps([dict(sorted(i.items(), reverse=True)) for i in stored]))
    assert fresh.state.verify().ok
    _set_evidence(fresh, sha, json.dumps(stored[::-1]))
    [difference] = fresh.state.verify().differences
    assert difference.text.startswith(f"asset {sha[:12]} evidence: the ledger's hashes to ")
    assert difference.text.endswith(" (event 1)")
    assert list(fresh.state.check([sha])) == [sha]


def test_evidence_that_is_not_json_is_named_not_a_crash(fresh: Ledger) -> None:
    Run(fresh).apply(("record", 0, 1))
    _set_evidence(fresh, fake_sha("a"), "[{oops")
    [difference] = fresh.state.verify().differences
    assert "evidence: the ledger's hashes to not JSON: '[{oops'" in difference.text
