"""Identity read late: an asset recorded without media identity gains it, once, by an event."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any, NamedTuple

import psycopg
import pytest

from provenance.reports.event_words import event_words
from provenance.store import Ledger, Observation
from provenance.store.projection import Projection
from provenance.store.records import IDENTITY_FIELDS
from provenance.vocab import EVENT_TYPES
from tests.support.factories import fake_sha, observation
from tests.support.old_schema import make_chain_old
from tests.support.pg_roles import role_logins
from tests.support.rewrite import execute

UMID = "060a2b340101010501010d0013182f765294713483182f760052947134831800"
A001: dict[str, Any] = {"timecode": "01:00:10:00", "tc_rate": 24.0, "tc_start": 3610.0,
                        "tc_length": 2.0, "reel": "A001", "umid": UMID}  # fmt: skip


def everywhere(path: str) -> bool:
    """Every path still exists: a known content at a new path is a copy, not a move."""
    return True


def seen(label: str, path: str, *, generated: bool = False, **identity: object) -> Observation:
    """Video content ``label`` at ``path`` with these identity fields (none: recorded before)."""
    obs = observation(label, path, verdict="genai" if generated else "unknown")
    facts = dataclasses.replace(obs.asset, kind="video", **identity)  # type: ignore[arg-type]
    if generated:
        facts = dataclasses.replace(facts, tool="runway", status="temporary")
    return dataclasses.replace(obs, asset=facts)


def identity(ledger: Ledger, sha: str) -> dict[str, object]:
    asset = ledger.assets.get(sha)
    assert asset is not None
    return {name: getattr(asset, name) for name in IDENTITY_FIELDS}


def kinds(ledger: Ledger, sha: str) -> list[str]:
    return [e.type for e in ledger.events.of(sha)]


def test_the_type_is_in_the_closed_vocabulary() -> None:
    assert "identified" in EVENT_TYPES and len(set(EVENT_TYPES)) == len(EVENT_TYPES)


def test_an_asset_seen_again_at_its_path_gains_its_identity_once(ledger: Ledger) -> None:
    ledger.record(
        [seen("a", "/show/A001.mxf")], everywhere
    )  # as before migration 0011: nothing known
    sha = fake_sha("a")
    [result] = ledger.record([seen("a", "/show/A001.mxf", **A001)], everywhere)
    assert (result.outcome, result.identified) == ("unchanged", True)
    assert identity(ledger, sha) == A001
    assert kinds(ledger, sha) == ["detected", "identified"]
    event = ledger.events.of(sha)[-1]
    assert dict(event.details) == A001 and event.path == "/show/A001.mxf"
    again = ledger.record([seen("a", "/show/A001.mxf", **A001)], everywhere)
    assert not again[0].identified and kinds(ledger, sha) == ["detected", "identified"]
    assert ledger.state.verify().ok
    assert ledger.state.check([sha]) == {}


def test_a_copy_elsewhere_is_seen_then_identified(ledger: Ledger) -> None:
    ledger.record([seen("a", "/show/A001.mxf")], everywhere)
    ledger.record([seen("a", "/backup/A001.mxf", reel="A001", tc_start=3610.0)], everywhere)
    sha = fake_sha("a")
    assert kinds(ledger, sha) == ["detected", "seen", "identified"]
    assert identity(ledger, sha) | {"reel": None, "tc_start": None} == dict.fromkeys(
        IDENTITY_FIELDS
    )  # only what the file said: the rest stays unknown
    assert ledger.state.verify().ok


def test_two_copies_in_one_batch_identify_it_once(ledger: Ledger) -> None:
    ledger.record([seen("a", "/show/A001.mxf")], everywhere)
    results = ledger.record([
        seen("a", "/show/A001.mxf", **A001), seen("a", "/copy/A001.mxf", **A001),
    ], everywhere)  # fmt: skip
    assert [r.identified for r in results] == [True, False]
    assert kinds(ledger, fake_sha("a")).count("identified") == 1
    assert ledger.state.verify().ok


def test_identity_already_recorded_is_never_replaced(ledger: Ledger) -> None:
    ledger.record([seen("a", "/show/A001.mxf", **A001)], everywhere)
    other = A001 | {"reel": "B999", "umid": None}
    [result] = ledger.record([seen("a", "/copy/A001.mxf", **other)], everywhere)
    assert not result.identified
    assert identity(ledger, fake_sha("a")) == A001
    assert kinds(ledger, fake_sha("a")) == ["detected", "seen"]


def test_a_sighting_without_identity_adds_nothing(ledger: Ledger) -> None:
    ledger.record([seen("a", "/show/a.png")])
    [result] = ledger.record([seen("a", "/show/b.png")], everywhere)
    assert not result.identified and kinds(ledger, fake_sha("a")) == ["detected", "seen"]


def test_new_content_carries_its_identity_in_detected_not_identified(ledger: Ledger) -> None:
    [result] = ledger.record([seen("a", "/show/A001.mxf", **A001)], everywhere)
    assert (result.outcome, result.identified) == ("new", False)
    assert kinds(ledger, fake_sha("a")) == ["detected"]


def test_a_filled_identity_edited_in_the_table_is_named_by_verify(ledger: Ledger) -> None:
    ledger.record([seen("a", "/show/A001.mxf")], everywhere)
    ledger.record([seen("a", "/show/A001.mxf", **A001)], everywhere)
    sha = fake_sha("a")
    execute(ledger.url, "UPDATE assets SET reel='B999' WHERE sha256=:s", s=sha)
    [difference] = ledger.state.verify().differences
    assert difference.text == f"asset {sha[:12]} reel: ledger says B999, events say A001 (event 2)"


def test_an_asset_of_a_baselined_older_ledger_gains_identity_and_verifies(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path}/old.sqlite3"
    with Ledger(url, host="testhost") as ledger:
        ledger.record([seen("a", "/show/A001.mxf", generated=True)], everywhere)
    make_chain_old(url)  # its events from before the projection: `init` records a baseline
    upgraded = Ledger.init(url)[0]
    with upgraded:
        again = seen("a", "/show/A001.mxf", generated=True, **A001)
        [result] = upgraded.record([again], everywhere)
        assert result.identified
        assert kinds(upgraded, fake_sha("a")) == ["detected", "state-baseline", "identified"]
        assert identity(upgraded, fake_sha("a")) == A001
        assert upgraded.state.verify().ok


class Event(NamedTuple):
    seq: int
    type: str
    details: str
    asset_sha256: str | None = "ab" * 32
    at: str = "2026-12-06T00:00:00.000000Z"
    actor: str = "tester"
    host: str = "testhost"
    path: str | None = "/show/a.mxf"


def test_the_fold_ignores_an_identified_event_for_an_asset_with_identity() -> None:
    detected = json.dumps({"verdict": "unknown", "tool": None, "status": None, "reel": "A001"})
    late = json.dumps({"reel": "B999", "umid": UMID})
    projection = Projection().fold([Event(1, "detected", detected), Event(2, "identified", late)])
    values = projection.assets["ab" * 32].values
    assert (values["reel"], values["umid"]) == ("A001", None)
    assert not projection.malformed


def test_the_fold_fills_an_empty_identity_from_the_event() -> None:
    detected = json.dumps({"verdict": "unknown", "tool": None, "status": None})
    late = json.dumps({"reel": "B999", "umid": UMID})
    projection = Projection().fold([Event(1, "detected", detected), Event(2, "identified", late)])
    projected = projection.assets["ab" * 32]
    assert (projected.values["reel"], projected.values["umid"]) == ("B999", UMID)
    assert projected.set_by["reel"] == 2


def test_history_says_what_was_identified() -> None:
    words = event_words("identified", A001)
    assert words == (
        "media identity read: reel A001, timecode 01:00:10:00 at 24 fps, UMID 060a2b3401010105..."
    )
    assert event_words("identified", {"tc_start": 3.5, "tc_rate": 48000.0}) == (
        "media identity read: starts 3.5 s"
    )


@pytest.mark.postgres
def test_the_daemon_role_fills_an_empty_identity_and_changes_no_other(pg_schema_url: str) -> None:
    Ledger.init(pg_schema_url)[0].close()
    with role_logins(pg_schema_url) as logins:
        with Ledger(logins.urls["daemon"]) as ledger:
            ledger.record([seen("a", "/show/A001.mxf"), seen("b", "/show/b.mov")], everywhere)
            [result] = ledger.record([seen("a", "/show/A001.mxf", **A001)], everywhere)
            assert result.identified and identity(ledger, fake_sha("a")) == A001
            [event] = ledger.events.list(types=["identified"])
            assert event.actor == logins.logins["daemon"]
            assert ledger.state.verify().ok
        refused = psycopg.errors.InsufficientPrivilege
        for statement, why in [
            ("UPDATE assets SET reel = 'B999' WHERE sha256 = %s", "may not change the media"),
            ("UPDATE assets SET umid = NULL WHERE sha256 = %s", "may not change the media"),
            ("UPDATE assets SET verdict = 'genai' WHERE sha256 = %s", "permission denied"),
        ]:
            with psycopg.connect(logins.dsn("daemon")) as conn, pytest.raises(refused, match=why):
                conn.execute(statement, (fake_sha("a"),))
        with psycopg.connect(logins.dsn("daemon")) as conn:  # control: an empty one it may fill
            done = conn.execute("UPDATE assets SET reel = 'R9' WHERE sha256 = %s", (fake_sha("b"),))
            assert done.rowcount == 1
