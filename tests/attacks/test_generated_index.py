"""Issue 15: the audit's indexes of generated pictures edited behind the ledger's back.

The audit finds a reframed or composited copy of a generated picture through
the fingerprints and local features of every asset whose row says
``genai``. An insider who flips that verdict, or edits or removes the
picture's rows, would let its copies through; ``verify`` names the row, but
the gate must not wait for it. The audit checks what it loads against the
chain (:mod:`provenance.lifecycle.index_check`), on SQLite and PostgreSQL,
whether or not this machine checked the index before.
"""

from __future__ import annotations

import dataclasses
import json
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from provenance.audit.report import AuditReport, FileResult
from provenance.audit.run import AuditOptions, audit
from provenance.history import History, find_history
from provenance.ingest.scan import plan_scan, run_scan, scan
from provenance.lifecycle.index_check import IndexCheck
from provenance.signing.checkpoints import notary_for
from provenance.watchers.chores import Chores
from provenance.watchers.state import DaemonState
from tests.support.matte import Generated, built_matte
from tests.support.reframing import composited, crop, generated_matte, save
from tests.support.scenes import Kept, kept_scene, reopened
from tests.support.tampering import assert_caught, tamper

DISTRUST = "its index of generated pictures"


kept_index = kept_scene("kept_index", built_matte)  # built once a module and backend


@pytest.fixture
def scene(kept_index: Kept[Generated], monkeypatch: pytest.MonkeyPatch) -> Iterator[Generated]:
    """The scanned painting, as built."""
    yield from reopened(kept_index, monkeypatch)


def delivered(scene: Generated, name: str) -> Path:
    """A package of one unseen copy of the painting: ``reframed`` (cropped, re-encoded) or
    ``comp`` (a third of a plate)."""
    package = scene.folder / f"delivery_{name}"
    if name == "reframed":
        save(crop(scene.picture, 0.9, (0.5, 0.5)), package / "shot.jpg", quality=90)
    else:
        save(composited(scene.picture, 3, share=0.3), package / "comp.jpg", quality=90)
    return package


def audited(
    scene: Generated, package: Path, *, fill: bool = True
) -> tuple[AuditReport, FileResult]:
    """The audit of ``package``; ``fill``: fingerprint and describe the generated pictures
    present here that lack rows first (the audit's default)."""
    options = AuditOptions(record=False, references=fill)
    report = audit(package, scene.ledger, scene.settings, options)
    (result,) = report.files
    return report, result


def reasons(result: FileResult) -> str:
    return " | ".join(result.reasons)


def memory_path(scene: Generated, table: str) -> Path:
    anchor = notary_for(scene.settings, scene.ledger.where).anchor
    return anchor.parent / "indexes" / table / anchor.name


def memory_of(scene: Generated, table: str) -> dict[str, object]:
    data: dict[str, object] = json.loads(memory_path(scene, table).read_text())
    return data


@pytest.mark.parametrize("name, kind", [("reframed", "near"), ("comp", "region")])
def test_copies_are_found_and_the_indexes_remembered(
    scene: Generated, name: str, kind: str
) -> None:
    _, result = audited(scene, delivered(scene, name))
    assert (result.verdict, result.match.kind) == ("block", kind), reasons(result)
    assert DISTRUST not in reasons(result)
    table = "fingerprints" if kind == "near" else "features"
    assert list(memory_of(scene, table)["digests"]) == [scene.sha256]  # type: ignore[call-overload]


def test_a_second_audit_checks_nothing_again(
    scene: Generated, monkeypatch: pytest.MonkeyPatch
) -> None:
    package = delivered(scene, "reframed")
    audited(scene, package)

    def no_checking(*_args: object) -> None:
        raise AssertionError("an unchanged index was checked again")

    monkeypatch.setattr(IndexCheck, "_settle", no_checking)
    _, result = audited(scene, package)
    assert (result.verdict, result.match.kind) == ("block", "near")


EDITS = {
    "verdict flipped": (
        "UPDATE assets SET verdict = 'not_genai' WHERE sha256 = :s",
        "differs from its events",
    ),
    "fingerprint edited": (
        "UPDATE fingerprints SET grad = grad + 1 WHERE asset_sha256 = :s",
        "not what their seal says",
    ),
    "fingerprints removed": (
        "DELETE FROM fingerprints WHERE asset_sha256 = :s",
        "not what their seal says, or were removed",
    ),
}


@pytest.mark.parametrize("checked_before", [False, True], ids=["first audit", "checked before"])
@pytest.mark.parametrize("edit", list(EDITS))
def test_an_edited_index_blocks_the_reframed_copy(
    scene: Generated, edit: str, checked_before: bool
) -> None:
    package = delivered(scene, "reframed")
    if checked_before:
        audited(scene, package)
    sql, said = EDITS[edit]
    tamper(scene.settings.db, sql, s=scene.sha256)
    # Not filled again from the painting's file (as where it is on no disk this machine sees)
    report, result = audited(scene, package, fill=False)
    assert result.verdict == "block" and report.verdict == "blocked"
    assert DISTRUST in reasons(result) and said in reasons(result), reasons(result)
    assert scene.sha256[:12] in reasons(result)
    assert_caught(scene.settings.db, scene.sha256[:12])


def test_edited_features_block_the_comp(scene: Generated) -> None:
    package = delivered(scene, "comp")
    audited(scene, package)
    tamper(scene.settings.db, "UPDATE features SET count = count + 1 WHERE asset_sha256 = :s",
           s=scene.sha256)  # fmt: skip
    _, result = audited(scene, package)
    assert result.verdict == "block"
    said = f"local features of generated asset {scene.sha256[:12]} are not what their seal"
    assert said in reasons(result), reasons(result)


def generated_later(scene: Generated) -> str:
    """A second generated painting, scanned: its SHA-256."""
    later = scene.folder / "later" / "matte2.png"
    generated_matte(later, seed=12)
    scan([later.parent], scene.ledger, scene.settings)
    asset = scene.ledger.assets.at(str(later))
    assert asset is not None and asset.verdict == "genai"
    return asset.sha256


def test_the_fingerprints_written_since_are_checked(scene: Generated) -> None:
    """A picture generated, fingerprinted and stripped of its rows between two audits."""
    package = delivered(scene, "reframed")
    audited(scene, package)
    sha = generated_later(scene)
    tamper(scene.settings.db, "DELETE FROM fingerprints WHERE asset_sha256 = :s", s=sha)
    _, result = audited(scene, package, fill=False)
    assert f"generated asset {sha[:12]}" in reasons(result), reasons(result)


def test_removed_fingerprints_of_a_picture_here_are_made_again(scene: Generated) -> None:
    """Where the painting's file is on this machine, the audit fingerprints it again (and seals
    the rows) before the index loads: its copies are found, and the index holds."""
    package = delivered(scene, "reframed")
    audited(scene, package)
    tamper(scene.settings.db, "DELETE FROM fingerprints WHERE asset_sha256 = :s",
           s=scene.sha256)  # fmt: skip
    _, result = audited(scene, package)
    assert (result.verdict, result.match.kind) == ("block", "near")
    assert DISTRUST not in reasons(result)


def test_a_new_generated_picture_is_checked_and_remembered(scene: Generated) -> None:
    package = delivered(scene, "reframed")
    audited(scene, package)
    generated_later(scene)
    _, result = audited(scene, package)
    assert (result.verdict, result.match.kind) == ("block", "near")
    assert DISTRUST not in reasons(result)
    assert len(memory_of(scene, "fingerprints")["digests"]) == 2  # type: ignore[arg-type]


def test_a_memory_of_another_history_is_checked_afresh(
    scene: Generated, monkeypatch: pytest.MonkeyPatch
) -> None:
    package = delivered(scene, "reframed")
    audited(scene, package)
    path = memory_path(scene, "fingerprints")
    data = json.loads(path.read_text())
    path.write_text(json.dumps({**data, "checked_hash": "0" * 64}))
    settled: list[list[str]] = []
    original = IndexCheck._settle

    def spying(self: IndexCheck, table: object, changed: list[str], *rest: object) -> object:
        settled.append(list(changed))
        return original(self, table, changed, *rest)  # type: ignore[arg-type]

    monkeypatch.setattr(IndexCheck, "_settle", spying)
    _, result = audited(scene, package)
    assert (result.verdict, result.match.kind) == ("block", "near")
    assert settled == [[scene.sha256]]


@pytest.mark.parametrize("edited", [False, True], ids=["as sealed", "features edited"])
def test_a_scan_keeps_no_region_check_made_against_an_edited_index(
    scene: Generated, edited: bool, caplog: pytest.LogCaptureFixture
) -> None:
    """The scan's (and the watch daemon's) region checks are kept for audits to reuse: none
    is made against an index the chain does not vouch for."""
    if edited:
        tamper(scene.settings.db, "UPDATE features SET count = count + 1"
               " WHERE asset_sha256 = :s", s=scene.sha256)  # fmt: skip
    package = delivered(scene, "comp")
    scan([package], scene.ledger, scene.settings)
    comp = scene.ledger.assets.at(str(package / "comp.jpg"))
    assert comp is not None
    kept = scene.ledger.regions.many([comp.sha256]).get(comp.sha256)
    if edited:
        assert kept is None and "region checks wait" in caplog.text
    else:
        assert kept is not None and kept.hit == scene.sha256


def test_history_answers_for_a_copy_as_the_gate_does(scene: Generated) -> None:
    """``history FILE`` of a recorded copy loads the index once for its look-alike and its
    answer: checked, so an edited index blocks the answer as it blocks the audit."""
    package = delivered(scene, "reframed")
    scan([package], scene.ledger, scene.settings)
    tamper(scene.settings.db, EDITS["verdict flipped"][0], s=scene.sha256)
    found = find_history(str(package / "shot.jpg"), scene.ledger, scene.settings)
    assert isinstance(found, History) and found.finals is not None
    assert found.finals.action == "block"
    assert any(DISTRUST in reason for reason in found.finals.reasons), found.finals.reasons


def test_the_watch_daemon_says_its_region_checks_wait(scene: Generated) -> None:
    """The daemon's region checks wait while the index is edited, and ``status`` says why
    (a degraded reason); the reason goes once the index is as its seals say again."""
    package = delivered(scene, "comp")
    run_scan(plan_scan([package], scene.settings), scene.ledger, scene.settings, fingerprints=False)
    settings = dataclasses.replace(scene.settings, watch_heartbeat=0.01)
    state = DaemonState(settings.watch_heartbeat)
    chores = Chores(scene.ledger, settings, state)
    edit = "UPDATE features SET count = count + :d WHERE asset_sha256 = :s"
    tamper(scene.settings.db, edit, d=1, s=scene.sha256)
    chores.fingerprint_step(threading.Event())
    (reason,) = state.reasons()
    assert reason.startswith("region checks and master sweeps wait") and DISTRUST[4:] in reason
    tamper(scene.settings.db, edit, d=-1, s=scene.sha256)
    chores.fingerprints.want()
    chores.fingerprint_step(threading.Event())
    assert state.reasons() == []
    comp = scene.ledger.assets.at(str(package / "comp.jpg"))
    assert comp is not None and scene.ledger.regions.many([comp.sha256])[comp.sha256].hit
