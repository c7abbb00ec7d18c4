"""The ledger facade on SQLite and PostgreSQL: recording, locations, events, queries."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from provenance.errors import AmbiguousTarget, LedgerUnavailable, SchemaOutdated, TargetNotFound
from provenance.store import AssetQuery, Ledger
from provenance.store import schema as schema_module
from provenance.store.engine import missing_sqlite_file
from tests.support.factories import fake_sha, observation
from tests.support.loaded_rows import count_loaded_rows


def _never(_path: str) -> bool:
    return False


def _always(_path: str) -> bool:
    return True


def test_new_asset_is_detected_with_one_event(ledger: Ledger) -> None:
    [result] = ledger.record([observation("a", "/show/a.png", verdict="genai", tool="comfyui")])
    assert result.outcome == "new"
    asset = ledger.assets.resolve(fake_sha("a"))
    assert (asset.verdict, asset.tool, asset.status) == ("genai", "comfyui", "temporary")
    [event] = ledger.events.of(asset.sha256)
    assert (event.type, event.actor, event.host, event.path) == (
        "detected",
        "tester",
        "testhost",
        "/show/a.png",
    )


def test_non_genai_assets_have_no_lifecycle_status(ledger: Ledger) -> None:
    ledger.record([observation("cam", "/plates/a.jpg", verdict="not_genai", tool="camera")])
    assert ledger.assets.resolve(fake_sha("cam")).status is None


def test_rescan_unchanged_adds_nothing_but_last_seen(ledger: Ledger) -> None:
    ledger.record([observation("a", "/show/a.png")])
    first = ledger.locations.of(fake_sha("a"))[0]
    [again] = ledger.record([observation("a", "/show/a.png")])
    assert again.outcome == "unchanged"
    [loc] = ledger.locations.of(fake_sha("a"))
    assert loc.last_seen >= first.last_seen
    assert len(ledger.events.list()) == 1
    assert ledger.assets.totals()["unknown"] == 1


def test_copy_elsewhere_is_seen(ledger: Ledger) -> None:
    ledger.record([observation("a", "/show/a.png")])
    [result] = ledger.record([observation("a", "/show/copy.png")], exists=_always)
    assert result.outcome == "seen"
    assert [loc.present for loc in ledger.locations.of(fake_sha("a"))] == [True, True]
    assert [e.type for e in ledger.events.of(fake_sha("a"))] == ["detected", "seen"]


def test_rename_is_a_move_not_a_new_asset(ledger: Ledger) -> None:
    ledger.record([observation("a", "/show/old.png")])
    [result] = ledger.record([observation("a", "/show/new.png")], exists=_never)
    assert result.outcome == "moved"
    events = ledger.events.of(fake_sha("a"))
    assert [e.type for e in events] == ["detected", "moved"]
    assert events[1].details == {"from": "/show/old.png"}
    present = {loc.path: loc.present for loc in ledger.locations.of(fake_sha("a"))}
    assert present == {"/show/old.png": False, "/show/new.png": True}


def test_new_content_at_known_path_is_modified(ledger: Ledger) -> None:
    ledger.record([observation("v1", "/show/comp.exr")])
    [result] = ledger.record([observation("v2", "/show/comp.exr", mtime_ns=2)])
    assert result.outcome == "new"
    types = [e.type for e in ledger.events.of(fake_sha("v2"))]
    assert types == ["detected", "modified"]
    # the replaced asset's history shows it was replaced at that path
    old = ledger.events.of(fake_sha("v1"))
    assert [e.type for e in old] == ["detected", "modified"]
    assert old[1].details == {"previous": fake_sha("v1")}
    assert ledger.assets.at("/show/comp.exr") is not None
    assert ledger.assets.at("/show/comp.exr").sha256 == fake_sha("v2")  # type: ignore[union-attr]


def test_reverting_to_old_content_is_modified(ledger: Ledger) -> None:
    ledger.record([observation("v1", "/show/comp.exr")])
    ledger.record([observation("v2", "/show/comp.exr")])
    [result] = ledger.record([observation("v1", "/show/comp.exr")])
    assert result.outcome == "modified"
    assert [loc.present for loc in ledger.locations.of(fake_sha("v1"))] == [True]


def test_removed_keeps_asset_and_history(ledger: Ledger) -> None:
    ledger.record([observation("a", "/show/a.png")])
    assert ledger.record_removed(["/show/a.png"]) == 1
    assert ledger.record_removed(["/show/a.png"]) == 0
    assert [e.type for e in ledger.events.of(fake_sha("a"))] == ["detected", "removed"]
    assert ledger.locations.of(fake_sha("a"))[0].present is False
    assert ledger.locations.under("/show") == []


def test_batch_sees_its_own_earlier_items(ledger: Ledger) -> None:
    results = ledger.record(
        [observation("a", "/x/1.png"), observation("a", "/x/2.png")], exists=_always
    )
    assert [r.outcome for r in results] == ["new", "seen"]
    assert ledger.events.verify().ok


def test_copies_of_one_content_are_looked_at_once_a_batch(ledger: Ledger) -> None:
    # Each new copy looked at every known copy: a scan of 20,000 empty files took over 5 minutes.
    looked: list[str] = []

    def exists(path: str) -> bool:
        looked.append(path)
        return True

    copies = [observation("empty", f"/show/f{i:03d}") for i in range(200)]
    results = ledger.record(copies, exists=exists)
    assert [r.outcome for r in results] == ["new"] + ["seen"] * 199
    assert len(looked) <= len(copies)


def test_a_rescan_loads_only_the_locations_it_sees(
    ledger: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Every batch loaded every copy of its contents: a rescan of many copies was quadratic.
    copies = [observation("empty", f"/show/f{i:03d}") for i in range(200)]
    ledger.record(copies, exists=_always)
    loaded = count_loaded_rows(monkeypatch)
    results = ledger.record(copies[:2], exists=_always)
    assert [r.outcome for r in results] == ["unchanged", "unchanged"]
    assert sum(loaded) == 2


def test_two_copies_moved_in_one_batch_each_find_their_own_source(ledger: Ledger) -> None:
    ledger.record([observation("a", "/old/1.png"), observation("a", "/old/2.png")], exists=_always)
    moved = [observation("a", "/new/1.png"), observation("a", "/new/2.png")]
    gone = {"/old/1.png", "/old/2.png"}
    results = ledger.record(moved, exists=lambda path: path not in gone)
    assert [r.outcome for r in results] == ["moved", "moved"]
    assert [e.details for e in ledger.events.of(fake_sha("a"))[2:]] == [
        {"from": "/old/1.png"},
        {"from": "/old/2.png"},
    ]
    assert ledger.events.verify().ok


def test_resolve_by_prefix(ledger: Ledger) -> None:
    ledger.record([observation("a", "/a.png")])
    assert ledger.assets.resolve(fake_sha("a")[:8]).sha256 == fake_sha("a")
    with pytest.raises(TargetNotFound):
        ledger.assets.resolve("ffffffffffff")


def _two_labels_sharing_a_prefix(length: int = 6) -> tuple[str, str, str]:
    seen: dict[str, str] = {}
    for i in range(100_000):
        label = f"x{i}"
        prefix = fake_sha(label)[:length]
        if prefix in seen:
            return seen[prefix], label, prefix
        seen[prefix] = label
    raise AssertionError("no collision found")


def test_ambiguous_prefix(ledger: Ledger) -> None:
    first, second, prefix = _two_labels_sharing_a_prefix()
    ledger.record([observation(first, "/p/1"), observation(second, "/p/2")])
    with pytest.raises(AmbiguousTarget):
        ledger.assets.resolve(prefix)


def test_list_filters(ledger: Ledger) -> None:
    ledger.record(
        [
            observation("g", "/show/genai/g.png", verdict="genai", tool="comfyui"),
            observation("c", "/show/plates/c.jpg", verdict="not_genai", tool="camera"),
            observation("u", "/other/u.png"),
        ]
    )
    assert {a.sha256 for a in ledger.assets.list(AssetQuery(genai=True))} == {fake_sha("g")}
    assert {a.sha256 for a in ledger.assets.list(AssetQuery(genai=False))} == {
        fake_sha("c"),
        fake_sha("u"),
    }
    assert [a.tool for a in ledger.assets.list(AssetQuery(tool="camera"))] == ["camera"]
    assert [a.status for a in ledger.assets.list(AssetQuery(status="temporary"))] == ["temporary"]
    assert len(ledger.assets.list(AssetQuery(path_prefix="/show/"))) == 2
    assert len(ledger.assets.list(AssetQuery(limit=1))) == 1
    later = datetime.now(UTC) + timedelta(hours=1)
    assert ledger.assets.list(AssetQuery(since=later)) == []
    assert len(ledger.assets.list(AssetQuery(verdict="unknown"))) == 1
    assert ledger.assets.count(AssetQuery(genai=False)) == 2
    assert ledger.assets.count(AssetQuery(path_prefix="/show/", limit=1)) == 2


def test_list_by_sha_takes_lists_longer_than_one_in_clause(ledger: Ledger) -> None:
    from provenance.store.chunks import IN_CHUNK

    count = IN_CHUNK + 40
    ledger.record([observation(f"s{i}", f"/show/s{i}.png") for i in range(count + 5)])
    wanted = tuple(fake_sha(f"s{i}") for i in range(count))
    found = ledger.assets.list(AssetQuery(shas=wanted))
    assert {a.sha256 for a in found} == set(wanted)
    newest = ledger.assets.list(AssetQuery(shas=wanted, limit=7))
    assert newest == found[:7]
    everything = ledger.assets.list(AssetQuery())
    assert [a.sha256 for a in found] == [a.sha256 for a in everything if a.sha256 in wanted]
    assert ledger.assets.list(AssetQuery(shas=())) == []
    assert ledger.assets.list(AssetQuery(shas=wanted[:3], verdict="genai")) == []


def test_hosts_are_kept_apart(ledger: Ledger) -> None:
    ledger.record([observation("a", "/mnt/show/a.png", host="ws1")])
    [result] = ledger.record([observation("a", "/mnt/show/a.png", host="ws2")], exists=_never)
    assert result.outcome == "seen"
    assert sorted(loc.host for loc in ledger.locations.of(fake_sha("a"))) == ["ws1", "ws2"]


def test_ledger_without_schema_asks_for_init(pg_schema_url: str) -> None:
    with pytest.raises(SchemaOutdated, match="provenance init"):
        Ledger(pg_schema_url)


def test_sqlite_creates_itself(tmp_path: object) -> None:
    url = f"sqlite:///{tmp_path}/sub/dir/ledger.sqlite3"
    with Ledger(url) as ledger:
        assert ledger.assets.totals() == {"locations": 0, "events": 0}


def test_existing_never_creates_a_sqlite_ledger(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/typo/ledger.sqlite3"
    with pytest.raises(LedgerUnavailable, match="no ledger here") as caught:
        Ledger.existing(url)
    assert str(tmp_path / "typo" / "ledger.sqlite3") in caught.value.message
    assert "provenance scan" in caught.value.message
    assert not (tmp_path / "typo").exists()


def test_existing_opens_what_was_created(ledger_url: str) -> None:
    Ledger(ledger_url).close()  # the fixture's URL: created on SQLite, set up on PostgreSQL
    with Ledger.existing(ledger_url) as ledger:
        assert ledger.assets.totals() == {"locations": 0, "events": 0}


def test_existing_sqlite_file_without_schema_asks_for_init(tmp_path: Path) -> None:
    (tmp_path / "empty.sqlite3").touch()
    with pytest.raises(SchemaOutdated, match="provenance init"):
        Ledger.existing(f"sqlite:///{tmp_path}/empty.sqlite3")


def test_existing_in_memory_ledger_is_not_a_missing_file() -> None:
    assert missing_sqlite_file("sqlite://") is None
    assert missing_sqlite_file("sqlite:///:memory:") is None
    assert missing_sqlite_file("postgresql+psycopg://h/db") is None


def test_older_schema_is_refused(ledger_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # A code revision newer than the database's, whatever the newest migration is.
    monkeypatch.setattr(schema_module, "REVISIONS", (*schema_module.REVISIONS, "9999"))
    with pytest.raises(SchemaOutdated, match="run `provenance init`"):
        Ledger(ledger_url)


def test_newer_schema_is_refused(ledger_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(schema_module, "REVISIONS", ())
    monkeypatch.setattr(schema_module, "head_revision", lambda: "0000")
    with pytest.raises(SchemaOutdated, match="newer than this provenance"):
        Ledger(ledger_url)


def test_unreachable_server_is_one_clear_error() -> None:
    with pytest.raises(LedgerUnavailable) as caught:
        Ledger("postgresql+psycopg://alice:s3cret@127.0.0.1:1/nowhere")
    message = caught.value.message
    assert "s3cret" not in message
    assert "127.0.0.1:1" in message
    assert "check" in message


def test_bad_url_is_a_clear_error() -> None:
    with pytest.raises(LedgerUnavailable, match="not a database URL"):
        Ledger("not a url")
