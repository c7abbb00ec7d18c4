"""Checkpoints that sign the range of events their transaction wrote (migration 0016).

A head vouches for every event below it, whoever chained them; a range
vouches that the signing machine's transaction wrote ``first..seq``. So
``verify`` names the events no signed transaction wrote
(:func:`~provenance.lifecycle.anchors.unsigned_ranges`), and each writer
carries ``since``, where the ledger's ranges begin, from a checkpoint it
trusts (:meth:`~provenance.signing.checkpoints.Notary.since`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from provenance.cli import cli
from provenance.lifecycle.anchors import unsigned_ranges
from provenance.settings import Settings
from provenance.signing.checkpoints import (
    Checkpoint,
    Notary,
    notary_for,
    signature_problem,
    write_checkpoint,
)
from provenance.store import Ledger
from tests.support.factories import record_kind as record
from tests.support.files import png
from tests.support.old_schema import insert_fingerprint, insert_generated_image, migrated_to

# -- which events verify names ----------------------------------------------------------------

Transaction = tuple[int, bool]  # how many events it chained, and whether it was signed


def _replayed(legacy: int, transactions: list[Transaction]) -> tuple[list[Checkpoint], set[int]]:
    """The valid checkpoints the writers left, and the events no signed transaction wrote
    that lie where the ranges must cover them (from ``since`` to the newest signed head)."""
    seq, since, checkpoints, unsigned = legacy, None, [], set()
    for count, signed in transactions:
        first, seq = seq + 1, seq + count
        if signed:
            since = since or first
            checkpoints.append(_checkpoint(first, seq, since))
        else:
            unsigned |= set(range(first, seq + 1))
    newest = max((c.seq for c in checkpoints), default=0)
    return checkpoints, {n for n in unsigned if since is not None and since <= n <= newest}


def _checkpoint(first: int, seq: int, since: int) -> Checkpoint:
    return Checkpoint(seq, "h", "2026-12-07T00:00:00Z", "ws-01", "key", "sig", first, since)


def _named(checkpoints: list[Checkpoint]) -> set[int]:
    named: set[int] = set()
    for finding in unsigned_ranges(checkpoints):
        assert finding.fatal and finding.seq is not None
        words = finding.what.split()
        span = words[1] if words[0] == "events" else f"{words[1]}..{words[1]}"
        low, high = (int(n) for n in span.split(".."))
        assert low == finding.seq
        named |= set(range(low, high + 1))
    return named


@given(
    st.integers(0, 5),
    st.lists(st.tuples(st.integers(1, 4), st.booleans()), max_size=12),
)
def test_verify_names_exactly_the_events_no_signed_transaction_wrote(
    legacy: int, transactions: list[Transaction]
) -> None:
    checkpoints, unsigned = _replayed(legacy, transactions)
    assert _named(checkpoints) == unsigned


def test_adjacent_unsigned_events_are_named_as_one_range() -> None:
    findings = unsigned_ranges([_checkpoint(1, 2, 1), _checkpoint(6, 6, 1)])
    assert [f.seq for f in findings] == [3]
    assert findings[0].what.startswith("events 3..5 were written in no signed transaction")


def test_heads_without_a_range_leave_the_events_below_them_to_the_chain() -> None:
    # An upgraded ledger: its heads (0009) vouch for history; ranges begin at since.
    head = Checkpoint(10, "h", "2026-12-01T00:00:00Z", "ws-01", "key", "sig")
    assert not head.ranged
    assert unsigned_ranges([head, _checkpoint(11, 12, 11), _checkpoint(13, 13, 11)]) == []


def test_the_lowest_since_wins() -> None:
    # A writer that trusted no stored checkpoint began its own ranges: the lower since holds.
    found = unsigned_ranges([_checkpoint(20, 21, 20), _checkpoint(5, 6, 5)])
    assert [f.seq for f in found] == [7]


# -- what is signed -----------------------------------------------------------------------------


def test_a_head_alone_is_signed_as_before_ranges() -> None:
    head = Checkpoint(7, "h", "2026-12-01T00:00:00Z", "ws-01", "key", "sig")
    assert head.message() == (
        b'{"at":"2026-12-01T00:00:00Z","hash":"h","host":"ws-01",'
        b'"kind":"provenance-checkpoint","seq":7}'
    )


def test_a_range_is_signed_and_read_back(tmp_path: Path) -> None:
    notary = _notary(tmp_path)
    signed = notary.sign(9, "h", "2026-12-07T00:00:00Z", "ws-01", first=8, since=3)
    assert b'"first":8' in signed.message() and b'"since":3' in signed.message()
    assert Checkpoint.from_dict(signed.to_dict()) == signed
    changed = Checkpoint.from_dict({**signed.to_dict(), "first": 2})
    trusted = notary.trusted()
    assert signature_problem(signed, trusted) is None
    assert "invalid" in (signature_problem(changed, trusted) or "")


def test_a_checkpoint_file_with_a_bad_range_is_refused() -> None:
    data = _checkpoint(3, 4, 1).to_dict()
    for bad in (0, -1, "2", True, 1.5):
        try:
            Checkpoint.from_dict({**data, "first": bad})
        except ValueError as exc:
            assert "first" in str(exc)
        else:
            raise AssertionError(f"first={bad!r} was read")


# -- where a writer takes since from -----------------------------------------------------------


def _notary(folder: Path, name: str = "machine_key", trusted: str | None = None) -> Notary:
    settings = Settings(db="sqlite://", machine_key=str(folder / name), trusted_machines=trusted)
    return notary_for(settings, "sqlite:////ledger.db")


@dataclass
class _Stored:
    """Stored checkpoints as the store hands them to the notary, counting the reads."""

    rows: list[Checkpoint]
    reads: int = 0

    def __call__(self) -> list[Checkpoint]:
        self.reads += 1
        return self.rows


def test_a_writer_with_nothing_trusted_begins_the_ranges(tmp_path: Path) -> None:
    stored = _Stored([])
    assert _notary(tmp_path).since(stored, first=41) == 41


def test_a_writer_carries_since_from_a_trusted_stored_checkpoint_once(tmp_path: Path) -> None:
    other = _notary(tmp_path, "other_key")
    trusted = tmp_path / "trusted_machines"
    trusted.write_text(f'* namespaces="provenance-checkpoint" {other.key.public}\n')
    stored = _Stored([other.sign(30, "h", "at", "ws-02", first=29, since=4)])
    notary = _notary(tmp_path, trusted=str(trusted))
    assert notary.since(stored, first=31) == 4
    assert notary.since(stored, first=35) == 4 and stored.reads == 1


def test_stored_checkpoints_of_untrusted_keys_or_bad_signatures_are_passed_over(
    tmp_path: Path,
) -> None:
    stranger = _notary(tmp_path, "stranger_key").sign(30, "h", "at", "x", first=29, since=25)
    own = _notary(tmp_path)
    good = own.sign(20, "h", "at", "ws-01", first=19, since=2)
    forged = Checkpoint(28, "h", "at", "ws-01", own.key.public, good.signature, 27, 26)
    fresh = _notary(tmp_path)  # the same key, no anchor yet
    assert fresh.since(_Stored([forged, stranger, good]), first=31) == 2


def test_this_machines_anchor_outranks_the_stored_rows(tmp_path: Path) -> None:
    notary = _notary(tmp_path)
    write_checkpoint(notary.anchor, notary.sign(12, "h", "at", "ws-01", first=11, since=3))
    # The insider deleted every checkpoint row: only the anchor still says where ranges begin.
    assert _notary(tmp_path).since(_Stored([]), first=40) == 3


def test_a_since_of_another_ledger_at_the_same_place_is_passed_over(tmp_path: Path) -> None:
    notary = _notary(tmp_path)
    write_checkpoint(notary.anchor, notary.sign(900, "h", "at", "ws-01", first=899, since=500))
    # The ledger was made again at this URL: its chain is shorter than that anchor's since.
    assert _notary(tmp_path).since(_Stored([]), first=5) == 5


# -- ledgers written before ranges, and writes without a notary --------------------------------


def _verify(url: str) -> tuple[int, list[str]]:
    result = CliRunner().invoke(cli, ["verify", "--json", "--db", url])
    assert result.exit_code in (0, 1), result.output + result.stderr
    findings = json.loads(result.stdout)["signatures"]["findings"]
    return result.exit_code, [f["what"] for f in findings if f["fatal"]]


def _scan(url: str, folder: Path, seed: int) -> None:
    png(folder / f"{seed}.png", seed)
    result = CliRunner().invoke(cli, ["scan", str(folder), "--db", url])
    assert result.exit_code == 0, result.output + result.stderr


def test_init_signs_the_baseline_it_chains(old_url: str) -> None:
    with migrated_to(old_url, "0015") as conn:
        insert_generated_image(conn, "a1" * 32, "/show/gen.png")
        insert_fingerprint(conn, "a1" * 32, 5, 9)  # unsealed: init seals it, chaining an event
    result = CliRunner().invoke(cli, ["init", "--db", old_url])
    assert result.exit_code == 0, result.output + result.stderr
    with Ledger(old_url) as ledger:
        (row,) = ledger.checkpoints.all()
        assert (row.first_seq, row.seq, row.since) == (1, ledger.checkpoints.head()[0], 1)
    assert _verify(old_url)[1] == []  # (its asset row has no event: the state check's to name)


def test_history_before_the_first_range_is_vouched_for_by_the_heads(
    ledger_url: str, tmp_path: Path
) -> None:
    with Ledger(ledger_url) as ledger:  # a writer without a notary, as code before 0009 was
        record(ledger, "old plate", verdict="not_genai")
    _scan(ledger_url, tmp_path / "a", 1)
    assert _verify(ledger_url) == (0, [])
    with Ledger(ledger_url) as ledger:  # ... and once the ranges have begun
        before = ledger.checkpoints.head()[0]
        record(ledger, "stray", verdict="not_genai")
        after = ledger.checkpoints.head()[0]
    _scan(ledger_url, tmp_path / "b", 2)
    code, said = _verify(ledger_url)
    span = f"event {after} was" if after == before + 1 else f"events {before + 1}..{after} were"
    assert code == 1 and [w for w in said if w.startswith(f"{span} written in no signed")], said
