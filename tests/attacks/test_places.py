"""Issue 15: the ``locations`` table edited behind the ledger's back, on SQLite and PostgreSQL.

Where a file lives is what ``history`` tells, what ``purge`` moves (the
present copies) and where a cut's offline media are looked for. Each edit
below is one statement an insider with write access to the database could
run; ``verify`` must exit 1 naming the location. The normal flows that
move, copy, overwrite, remove, quarantine and restore copies verify clean.
"""

from __future__ import annotations

import shutil
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest

from provenance.ingest.scan import scan
from provenance.lifecycle import Lifecycle, approve, purge_expired, restore
from provenance.store import AssetRecord
from tests.support.files import png
from tests.support.lifecycle import Clock, final
from tests.support.tampering import assert_caught, assert_clean, tamper, verify

Make = Callable[..., tuple[Path, AssetRecord]]
WHERE = "asset_sha256=:s AND path=:p"


def _types(lc: Lifecycle, after: int) -> Counter[str]:
    return Counter(e.type for e in lc.ledger.events.list(after=after))


def _head(lc: Lifecycle) -> int:
    return lc.ledger.checkpoints.head()[0]


def test_scans_moves_copies_overwrites_and_removals_verify_clean(
    ledger_url: str, lc: Lifecycle, tmp_path: Path
) -> None:
    show = tmp_path / "show"
    a, b, c = (png(show / f"{name}.png", seed) for name, seed in (("a", 1), ("b", 2), ("c", 3)))
    scan([show], lc.ledger, lc.settings)
    assert_clean(ledger_url)
    before = _head(lc)
    shutil.copy(a, show / "copy-of-a.png")
    a.rename(show / "renamed.png")
    png(b, 4)  # other bytes at the same path
    c.unlink()
    scan([show], lc.ledger, lc.settings)
    assert _types(lc, before) >= Counter(seen=1, moved=1, modified=1, removed=1)
    assert_clean(ledger_url)
    (show / "renamed.png").rename(a)  # back where it first was: that location is present again
    scan([show], lc.ledger, lc.settings)
    assert_clean(ledger_url)


def test_approve_purge_and_restore_verify_clean(
    ledger_url: str, lc: Lifecycle, make_genai: Make, consent: Path, clock: Clock
) -> None:
    kept, _ = make_genai("gen/kept.png", 5)
    approve(lc, [str(kept)], final(consent))
    first, asset = make_genai("gen/expiring.png", 6)
    second = first.parent / "elsewhere" / "expiring.png"
    second.parent.mkdir()
    shutil.copy(first, second)
    scan([second.parent], lc.ledger, lc.settings)
    assert_clean(ledger_url)
    clock.advance(days=31)
    before = _head(lc)
    assert len(purge_expired(lc).moved) == 2
    assert _types(lc, before)["quarantined"] == 2
    assert not lc.ledger.locations.present(asset.sha256)
    assert_clean(ledger_url)
    assert len(restore(lc, [asset.sha256]).restored) == 2
    assert len(lc.ledger.locations.present(asset.sha256)) == 2
    assert_clean(ledger_url)


@pytest.fixture
def two_copies(lc: Lifecycle, make_genai: Make) -> tuple[str, str, str]:
    """A generated asset present at two paths of this host: its sha256 and both paths."""
    path, asset = make_genai("gen/copied.png", 7)
    other = path.parent / "copy" / path.name
    other.parent.mkdir()
    shutil.copy(path, other)
    scan([other.parent], lc.ledger, lc.settings)
    return asset.sha256, str(path), str(other)


def _where(sha: str, host: str, path: str) -> str:
    return f"location {sha[:12]} {host}:{path}"


def test_a_present_copy_marked_gone_is_named(
    ledger_url: str, lc: Lifecycle, two_copies: tuple[str, str, str]
) -> None:
    """What would make ``purge`` skip a copy: the ledger no longer says it is there."""
    sha, path, other = two_copies
    assert_clean(ledger_url)
    tamper(ledger_url, f"UPDATE locations SET present=:no WHERE {WHERE}", no=False, s=sha, p=other)
    assert [loc.path for loc in lc.ledger.locations.present(sha)] == [path]
    found = assert_caught(
        ledger_url, f"{_where(sha, lc.ledger.host, other)} present: ledger says false, events"
        " say true (event"
    )  # fmt: skip
    assert found.count("location ") == 1


def test_a_removed_copy_marked_present_again_is_named(
    ledger_url: str, lc: Lifecycle, two_copies: tuple[str, str, str]
) -> None:
    sha, _, other = two_copies
    Path(other).unlink()
    scan([Path(other).parent], lc.ledger, lc.settings)
    assert_clean(ledger_url)
    tamper(ledger_url, f"UPDATE locations SET present=:yes WHERE {WHERE}", yes=True, s=sha, p=other)
    assert_caught(ledger_url, f"{_where(sha, lc.ledger.host, other)} present: ledger says true")


def test_an_invented_location_is_named(
    ledger_url: str, lc: Lifecycle, two_copies: tuple[str, str, str]
) -> None:
    sha, path, _ = two_copies
    tamper(
        ledger_url,
        "INSERT INTO locations (asset_sha256, host, path, size, mtime_ns, inode, first_seen,"
        " last_seen, present) SELECT asset_sha256, :h, :fake, size, mtime_ns, inode,"
        f" first_seen, last_seen, present FROM locations WHERE {WHERE}",
        h="render07", fake="/farm/hidden.png", s=sha, p=path,
    )  # fmt: skip
    assert_caught(ledger_url, f"{_where(sha, 'render07', '/farm/hidden.png')}: row has no event")


def test_a_moved_path_is_named_on_both_sides(
    ledger_url: str, lc: Lifecycle, two_copies: tuple[str, str, str]
) -> None:
    """``history`` would say the file lives where it never was."""
    sha, path, _ = two_copies
    tamper(ledger_url, f"UPDATE locations SET path=:new WHERE {WHERE}", new="/tmp/x.png", s=sha,
           p=path)  # fmt: skip
    host = lc.ledger.host
    assert_caught(
        ledger_url,
        f"{_where(sha, host, '/tmp/x.png')}: row has no event",
        f"{_where(sha, host, path)}: events say it exists (event",
    )


def test_a_deleted_location_is_named(
    ledger_url: str, lc: Lifecycle, two_copies: tuple[str, str, str]
) -> None:
    sha, path, _ = two_copies
    tamper(ledger_url, f"DELETE FROM locations WHERE {WHERE}", s=sha, p=path)
    found = assert_caught(ledger_url, f"{_where(sha, lc.ledger.host, path)}: events say it exists")
    assert "the ledger has no row" in found


def test_the_json_names_the_table_the_asset_and_the_place(
    ledger_url: str, lc: Lifecycle, two_copies: tuple[str, str, str]
) -> None:
    sha, path, _ = two_copies
    tamper(ledger_url, f"DELETE FROM locations WHERE {WHERE}", s=sha, p=path)
    code, report, _ = verify(ledger_url)
    assert code == 1
    found: list[dict[str, object]] = report["differences"]  # type: ignore[assignment]
    [difference] = found
    assert difference["table"] == "location"
    assert difference["sha256"] == sha
    assert difference["key"] == f"{lc.ledger.host}:{path}"
    assert difference["approval"] is None
