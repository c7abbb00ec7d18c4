"""Issue 15, items 3 and 4: an insider with write access to the database, but no private key.

Each attack is carried out as the issue describes it, on SQLite and on
PostgreSQL: the event chain is rewritten *consistently* (every hash
recomputed, the head moved, see :mod:`tests.support.rewrite`), approvals are
forged or re-pointed, a user is spoofed. Each must be caught: ``verify``
exits 1 naming the event, the audit blocks a file the forgery would have let
through, or the approval is refused or not honoured.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from provenance.cli import cli
from provenance.settings import Settings
from provenance.signing.checkpoints import read_checkpoint
from provenance.signing.machine import machine_key
from provenance.store import Ledger, current_actor
from tests.support.files import png
from tests.support.lifecycle import a1111
from tests.support.rewrite import Row, drop_checkpoints_after, execute, rewrite
from tests.support.scenes import Kept, kept_scene
from tests.support.signing import new_key, public_of


@dataclass
class Scene:
    """A show's ledger after a scan, two signed approvals, a revocation and an audit."""

    url: str
    config: Path
    tmp: Path
    castle: Path
    face: Path
    key: Path
    scratch: Path  # where audits copy their packages: the test's own

    def __call__(
        self, *args: str, code: int | None = 0, env: dict[str, str] | None = None
    ) -> Result:
        options = ["--db", self.url, "--config", str(self.config)]
        result = CliRunner().invoke(cli, [*args, *options], env=env)
        if code is not None:
            assert result.exit_code == code, result.output + result.stderr
        return result

    def approve(self, path: Path, *extra: str, code: int = 0) -> Result:
        return self("approve", str(path), "--category", "final-deliverable", "--approver",
                    "Jane Doe", "--reference", str(self.tmp / "memo.pdf"), *extra,
                    code=code)  # fmt: skip

    def seq_of(self, kind: str, path: Path | None = None) -> int:
        with Ledger(self.url) as ledger:
            sha = _sha(path) if path else None
            return next(
                e.seq for e in ledger.events.list()
                if e.type == kind and (sha is None or e.asset_sha256 == sha)
            )  # fmt: skip

    def verify(self, *extra: str) -> tuple[int, dict[str, Any]]:
        result = self("verify", "--json", *extra, code=None)
        assert result.exit_code in (0, 1), result.output + result.stderr
        return result.exit_code, json.loads(result.stdout)

    def audit(self, *files: Path) -> dict[str, str]:
        package = self.scratch / "package"
        shutil.rmtree(package, ignore_errors=True)
        package.mkdir(parents=True)
        for f in files:
            shutil.copy(f, package / f.name)
        result = self("audit", str(package), "--format", "json", code=None)
        assert result.exit_code in (0, 1), result.output + result.stderr
        return {f["path"]: f["verdict"] for f in json.loads(result.stdout)["files"]}


def _sha(path: Path) -> str:
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()


def build_scene(ledger_url: str, folder: Path) -> Scene:
    """The scene: a scan, two approvals signed by Jane, one of them revoked, and an audit."""
    key = new_key(folder / "keys", "jane")
    allowed = folder / "allowed_signers"
    allowed.write_text(f'"Jane Doe" namespaces="provenance-approval" {public_of(key)}\n')
    config = folder / "provenance.toml"
    config.write_text(
        f'approvers = ["{current_actor()}", "jane"]\nallowed_signers = "{allowed}"\nworkers = 1\n'
    )
    (folder / "memo.pdf").write_bytes(b"%PDF-1.7 approved by Jane Doe\n")
    root = folder / "show"
    castle = png(root / "gen" / "castle.png", 1, a1111("a castle at dusk"))
    face = png(root / "gen" / "face.png", 2, a1111("a face"))
    png(root / "plates" / "plate.png", 3)
    made = Scene(ledger_url, config, folder, castle, face, key, folder / "scratch")
    made("scan", str(root))
    made.approve(castle, "--sign-with", str(key))
    number = json.loads(made.approve(face, "--sign-with", str(key), "--json").stdout)
    made("revoke", str(number["approvals"][0]["id"]), "--reason", "talent withdrew")
    assert made.audit(castle, face) == {"castle.png": "pass", "face.png": "block"}
    shutil.rmtree(made.scratch)
    return made


kept = kept_scene("kept", build_scene)  # the scene, built once a test module and backend


@pytest.fixture
def scene(kept: Kept[Scene], monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Scene:
    """The scene as built, with this test's own scratch folder."""
    return replace(kept.get(monkeypatch), scratch=tmp_path / "scratch")


def names(report: dict[str, Any], seq: int) -> bool:
    """Whether a fatal finding names event ``seq`` (alone or in a range)."""
    for finding in report["signatures"]["findings"] + report["against"]:
        if not finding["fatal"]:
            continue
        text = finding["what"]
        ranges = [(int(a), int(b)) for a, b in re.findall(r"events (\d+)\.\.(\d+)", text)]
        singles = [int(n) for n in re.findall(r"event (\d+)\b", text)]
        if any(a <= seq <= b for a, b in ranges) or seq in singles:
            return True
    return False


# -- the eight consistent rewrites ---------------------------------------------------------

Edit = Callable[[Scene, list[Row]], tuple[list[Row], int]]


def _at(rows: list[Row], seq: int) -> Row:
    return next(r for r in rows if r["seq"] == seq)


def past_verdict(s: Scene, rows: list[Row]) -> tuple[list[Row], int]:
    seq = s.seq_of("detected", s.face)
    _at(rows, seq)["details"]["verdict"] = "not_genai"
    execute(s.url, "UPDATE assets SET verdict = 'not_genai' WHERE sha256 = :s", s=_sha(s.face))
    return rows, seq


def rename_approver(s: Scene, rows: list[Row]) -> tuple[list[Row], int]:
    seq = s.seq_of("approved", s.castle)
    _at(rows, seq)["details"]["approver"] = "Raj"
    execute(
        s.url, "UPDATE approvals SET approver = 'Raj' WHERE asset_sha256 = :s", s=_sha(s.castle)
    )
    return rows, seq


def drop_revocation_tail(s: Scene, rows: list[Row]) -> tuple[list[Row], int]:
    seq = s.seq_of("revoked", s.face)
    execute(s.url, "UPDATE approvals SET revoked_at = NULL, revoked_by = NULL,"
            " revoke_reason = NULL WHERE asset_sha256 = :s", s=_sha(s.face))  # fmt: skip
    execute(s.url, "UPDATE assets SET status = 'approved' WHERE sha256 = :s", s=_sha(s.face))
    execute(s.url, "DELETE FROM audits")
    return [r for r in rows if r["seq"] < seq], seq


def append_fake_approval(s: Scene, rows: list[Row]) -> tuple[list[Row], int]:
    sha = _sha(s.face)
    execute(s.url, "UPDATE approvals SET revoked_at = NULL WHERE asset_sha256 = :s", s=sha)
    execute(s.url, "UPDATE assets SET status = 'approved' WHERE sha256 = :s", s=sha)
    fake = dict(rows[-1], type="approved", asset_sha256=sha, path=str(s.face),
                details={"approver": "Jane Doe", "category": "final-deliverable"})  # fmt: skip
    return [*rows, fake], len(rows) + 1


def delete_middle_event(s: Scene, rows: list[Row]) -> tuple[list[Row], int]:
    return [r for r in rows if r["seq"] != 2], 2


def reorder_events(s: Scene, rows: list[Row]) -> tuple[list[Row], int]:
    a, b = s.seq_of("approved", s.castle), s.seq_of("approved", s.face)
    rows[a - 1], rows[b - 1] = rows[b - 1], rows[a - 1]
    return rows, a


def change_actor(s: Scene, rows: list[Row]) -> tuple[list[Row], int]:
    seq = s.seq_of("approved", s.castle)
    _at(rows, seq)["actor"] = "jane"
    return rows, seq


def backdate_revocation(s: Scene, rows: list[Row]) -> tuple[list[Row], int]:
    seq = s.seq_of("revoked", s.face)
    _at(rows, seq)["at"] = "2031-01-01T00:00:00+00:00"
    return rows, seq


REWRITES: list[Edit] = [
    past_verdict, rename_approver, drop_revocation_tail, append_fake_approval,
    delete_middle_event, reorder_events, change_actor, backdate_revocation,
]  # fmt: skip


@pytest.mark.parametrize("edit", REWRITES, ids=lambda e: e.__name__)
@pytest.mark.parametrize("checkpoints", ["kept", "dropped after the edit"])
def test_a_consistent_rewrite_is_caught_by_verify(
    scene: Scene, edit: Edit, checkpoints: str
) -> None:
    first = 0

    def edited(rows: list[Row]) -> list[Row]:
        nonlocal first
        rows, first = edit(scene, rows)
        return rows

    rewrite(scene.url, edited)
    if checkpoints != "kept":
        drop_checkpoints_after(scene.url, first - 1)
    code, report = scene.verify()
    assert report["events"] >= 1 and report["problem"] is None  # the chain alone verifies
    assert code == 1 and names(report, first), report["signatures"]


def test_the_local_anchor_catches_a_rewrite_that_drops_every_checkpoint(scene: Scene) -> None:
    rewrite(scene.url, lambda rows: drop_revocation_tail(scene, rows)[0])
    execute(scene.url, "DELETE FROM checkpoints")
    code, report = scene.verify()
    assert code == 1 and names(report, scene_head(scene) + 1)
    assert any("this machine's anchor" in f["what"] for f in report["signatures"]["findings"])


def test_a_deleted_event_under_a_kept_head_is_named_by_its_checkpoint(scene: Scene) -> None:
    head = scene_head(scene)
    execute(scene.url, "DELETE FROM events WHERE seq = :s", s=head)  # the head row stays
    code, report = scene.verify()
    said = [f["what"] for f in report["signatures"]["findings"] if f"{head}" in f["what"]]
    assert code == 1 and names(report, head), said
    assert any(f"event {head} it vouches for is missing" in what for what in said), said
    assert not any(f"events {head + 1}..{head}" in what for what in said), said


def scene_head(scene: Scene) -> int:
    with Ledger(scene.url) as ledger:
        return ledger.checkpoints.head()[0]


@pytest.mark.parametrize("edit", REWRITES, ids=lambda e: e.__name__)
def test_the_audit_blocks_after_any_rewrite(scene: Scene, edit: Edit) -> None:
    # Before the rewrite the castle passed (signed approval) and the face was blocked (revoked).
    rewrite(scene.url, lambda rows: edit(scene, rows)[0])
    assert scene.audit(scene.castle, scene.face) == {"castle.png": "block", "face.png": "block"}


# -- forged approvals, spoofed users, untrusted keys ---------------------------------------


def test_a_forged_approval_row_and_event_without_a_signature_is_not_honoured(scene: Scene) -> None:
    sha = _sha(scene.face)
    execute(scene.url, "UPDATE approvals SET revoked_at = NULL, revoke_reason = NULL,"
            " revoked_by = NULL WHERE asset_sha256 = :s", s=sha)  # fmt: skip
    execute(scene.url, "UPDATE approvals SET signature = NULL WHERE asset_sha256 = :s", s=sha)
    execute(scene.url, "UPDATE assets SET status = 'approved' WHERE sha256 = :s", s=sha)
    assert scene.audit(scene.face)["face.png"] == "block"
    needing = json.loads(scene("ls", "--needs-approval", "--json").stdout)["assets"]
    assert sha in {n["sha256"] for n in needing}
    _, report = scene.verify()
    unsigned = [f for f in report["signatures"]["findings"] if "not signed" in f["what"]]
    assert unsigned and not unsigned[0]["fatal"]
    signatures = report["signatures"]
    assert signatures["honoured"] == signatures["approvals"] - len(unsigned)
    said = scene("verify", code=None).stdout
    honoured = f"{signatures['honoured']} of {signatures['approvals']} approval(s) honoured"
    assert f"NOTE: {honoured}" in said


def test_a_re_pointed_approval_is_badly_signed(scene: Scene) -> None:
    execute(scene.url, "DELETE FROM approvals WHERE asset_sha256 = :s", s=_sha(scene.face))
    execute(scene.url, "UPDATE approvals SET asset_sha256 = :face WHERE asset_sha256 = :castle",
            face=_sha(scene.face), castle=_sha(scene.castle))  # fmt: skip
    code, report = scene.verify()
    assert code == 1 and any("asset is not what was signed" in f["what"]
                             for f in report["signatures"]["findings"])  # fmt: skip
    assert scene.audit(scene.face)["face.png"] == "block"


def test_spoofing_user_jane_without_janes_key_is_refused(scene: Scene, tmp_path: Path) -> None:
    intruder = new_key(tmp_path / "intruder", "raj")
    env = {"USER": "jane", "LOGNAME": "jane"}
    bare = scene.approve(scene.face, code=2)
    assert "must be signed" in bare.stderr and bare.stderr.count("\n") == 1
    forged = scene("approve", str(scene.face), "--category", "final-deliverable", "--approver",
                   "Jane Doe", "--reference", str(scene.tmp / "memo.pdf"), "--sign-with",
                   str(intruder), env=env, code=2)  # fmt: skip
    assert "not allowed for 'Jane Doe' (it is in no allowed_signers line)" in forged.stderr
    assert "--approver must be a name the signing key is listed for" in forged.stderr
    assert scene.audit(scene.face)["face.png"] == "block"


def test_a_signature_by_an_untrusted_key_is_not_honoured(scene: Scene, tmp_path: Path) -> None:
    intruder = new_key(tmp_path / "intruder", "raj")
    message = scene.approve(scene.face, "--approved-at", "2026-12-01T10:00:00", "--print-message")
    signature = tmp_path / "forged.sig"
    from provenance.signing.sshsig import sign_key_file

    signature.write_text(sign_key_file(intruder, message.stdout_bytes,
                                       "provenance-approval"))  # fmt: skip
    refused = scene.approve(scene.face, "--approved-at", "2026-12-01T10:00:00", "--signature",
                            str(signature), code=2)  # fmt: skip
    assert "not allowed" in refused.stderr
    genuine = tmp_path / "genuine.sig"
    genuine.write_text(sign_key_file(scene.key, message.stdout_bytes,
                                     "provenance-approval"))  # fmt: skip
    scene.approve(scene.face, "--approved-at", "2026-12-01T10:00:00", "--signature", str(genuine))
    assert scene.audit(scene.face)["face.png"] == "pass"
    signatures = scene.verify()[1]["signatures"]
    assert signatures["honoured"] == signatures["approvals"] > 0
    said = scene("verify").stdout
    assert f"OK: {signatures['approvals']} approval(s), each signed by a key trusted" in said


# -- events appended without a key, then signed over by a later writer ------------------------


def append_unsigned_approval(scene: Scene) -> int:
    """Append a chained ``approved`` event of the face with database access only; its seq."""
    appended = 0

    def append(rows: list[Row]) -> list[Row]:
        nonlocal appended
        rows, appended = append_fake_approval(scene, rows)
        return rows

    rewrite(scene.url, append)  # the events before are rechained to the same hashes
    return appended


def later_write(scene: Scene, folder: Path) -> None:
    """An honest write by provenance on this machine: its checkpoint signs a head above."""
    png(folder / "more" / "new.png", 9)
    scene("scan", str(folder / "more"))


def test_an_event_appended_without_a_key_is_caught_after_a_later_signed_write(
    scene: Scene, tmp_path: Path
) -> None:
    forged = append_unsigned_approval(scene)
    code, report = scene.verify()
    assert code == 1 and names(report, forged)  # the unsigned tail, as before ranges
    later_write(scene, tmp_path)
    code, report = scene.verify()
    said = [f["what"] for f in report["signatures"]["findings"] if f["fatal"]]
    assert code == 1 and names(report, forged), said
    assert any(f"event {forged} was written in no signed transaction" in w for w in said), said


def test_the_audit_blocks_after_an_event_appended_without_a_key_is_signed_over(
    scene: Scene, tmp_path: Path
) -> None:
    assert scene.audit(scene.castle) == {"castle.png": "pass"}  # this machine remembers ranges
    append_unsigned_approval(scene)
    later_write(scene, tmp_path)
    result = scene.audit(scene.castle)
    assert result == {"castle.png": "block"}
    anchors = Path(scene_key_anchor_folder())
    shutil.rmtree(anchors)  # a machine that remembers nothing checks every range
    assert scene.audit(scene.castle) == {"castle.png": "block"}


def test_a_memory_of_another_ledger_at_the_same_place_is_not_believed(
    scene: Scene, tmp_path: Path
) -> None:
    # This machine once audited a longer ledger at this URL (made again since): its memory
    # says every event up to far past this ledger's head was checked.
    assert scene.audit(scene.castle) == {"castle.png": "pass"}
    (memory,) = (Path(scene_key_anchor_folder()) / "ranges").glob("*.json")
    stale = json.loads(memory.read_text())
    far = scene_head(scene) + 50
    memory.write_text(json.dumps(stale | {"checked": far, "checked_hash": "ab" * 32,
                                          "spans": [[1, far]], "since": 1}))  # fmt: skip
    append_unsigned_approval(scene)
    later_write(scene, tmp_path)
    assert scene.audit(scene.castle) == {"castle.png": "block"}


def test_verify_leaves_this_machine_the_ranges_it_checked(scene: Scene, tmp_path: Path) -> None:
    anchors = Path(scene_key_anchor_folder())
    for memory in (anchors / "ranges").glob("*.json"):
        memory.unlink()
    assert scene.verify()[0] == 0
    (memory,) = (anchors / "ranges").glob("*.json")
    kept = json.loads(memory.read_text())
    head = scene_head(scene)
    assert (kept["since"], kept["checked"], kept["spans"]) == (1, head, [[1, head]])
    # ... so the next audit looks at the later checkpoints only, and still finds a forgery.
    append_unsigned_approval(scene)
    later_write(scene, tmp_path)
    assert scene.audit(scene.castle) == {"castle.png": "block"}


def test_deleting_every_checkpoint_does_not_move_where_ranges_begin(
    scene: Scene, tmp_path: Path
) -> None:
    # The insider also removes every checkpoint, so that the next writer could take the ranges
    # to begin after the forged event: this machine's anchor still says where they begin.
    forged = append_unsigned_approval(scene)
    execute(scene.url, "DELETE FROM checkpoints")
    later_write(scene, tmp_path)
    code, report = scene.verify()
    assert code == 1 and names(report, forged), report["signatures"]
    with Ledger(scene.url) as ledger:
        rows = ledger.checkpoints.all()  # the later write's only: the others were deleted
    assert {r.since for r in rows} == {1} and min(r.first_seq or 0 for r in rows) == forged + 1


def test_honest_writers_leave_no_unsigned_range(scene: Scene, tmp_path: Path) -> None:
    later_write(scene, tmp_path)
    scene("expire", "--dry-run", code=None)
    code, report = scene.verify()
    assert code == 0, report["signatures"]
    with Ledger(scene.url) as ledger:
        rows = ledger.checkpoints.all()
    assert rows and all(r.since == 1 and r.first_seq is not None for r in rows)


# -- anchors outside the database ------------------------------------------------------------


def test_a_checkpoint_exported_before_a_rewrite_fails_verify_against(
    scene: Scene, tmp_path: Path
) -> None:
    anchors = tmp_path / "anchors"
    scene("checkpoint", "--export", str(anchors))
    assert scene.verify("--against", str(anchors))[0] == 0
    rewrite(scene.url, lambda rows: change_actor(scene, rows)[0])
    execute(scene.url, "DELETE FROM checkpoints")
    shutil.rmtree(Path(scene_key_anchor_folder()), ignore_errors=True)
    code, report = scene.verify("--against", str(anchors))
    assert code == 1 and report["against"] and report["against"][0]["fatal"]


def test_an_empty_anchor_folder_proves_nothing(scene: Scene, tmp_path: Path) -> None:
    # The share the checkpoints go to, not mounted: its mount point is an empty folder.
    unmounted = tmp_path / "anchors"
    unmounted.mkdir()
    code, report = scene.verify("--against", str(unmounted))
    assert code == 1
    assert "holds no checkpoint or report" in report["against"][0]["what"]


def test_a_report_made_before_a_rewrite_fails_verify_against(scene: Scene, tmp_path: Path) -> None:
    report = tmp_path / "audit.json"
    package = tmp_path / "pkg"
    package.mkdir()
    shutil.copy(scene.castle, package / "castle.png")
    scene("audit", str(package), "--format", "json", "--output", str(report))
    assert scene.verify("--against", str(report))[0] == 0
    rewrite(scene.url, lambda rows: rename_approver(scene, rows)[0])
    execute(scene.url, "DELETE FROM checkpoints")
    shutil.rmtree(Path(scene_key_anchor_folder()), ignore_errors=True)
    code, found = scene.verify("--against", str(report))
    assert code == 1 and "rewritten" in found["against"][0]["what"]


def test_a_signed_report_says_so_beside_the_ledger_it_came_from(
    scene: Scene, tmp_path: Path
) -> None:
    report = tmp_path / "audit.json"
    package = tmp_path / "pkg"
    package.mkdir()
    shutil.copy(scene.castle, package / "castle.png")
    scene("audit", str(package), "--format", "json", "--output", str(report))
    block = json.loads(report.read_text())["ledger"]
    assert block["signed"] is True and block["url"] == scene.url
    assert {"seq", "hash", "at", "host", "signer", "signature"} <= set(block)


def test_an_unsigned_report_is_no_anchor(tmp_path: Path) -> None:
    report = tmp_path / "audit.json"
    report.write_text(json.dumps({"ledger": {"url": "sqlite:///x", "signed": False}}))
    with pytest.raises(ValueError, match="not signed"):
        read_checkpoint(report)


def test_an_edited_report_fails_verify_against(scene: Scene, tmp_path: Path) -> None:
    report = tmp_path / "audit.json"
    package = tmp_path / "pkg"
    package.mkdir()
    shutil.copy(scene.face, package / "face.png")
    scene("audit", str(package), "--format", "json", "--output", str(report), code=1)
    data = json.loads(report.read_text())
    data["verdict"], data["files"][0]["verdict"] = "passed", "pass"
    report.write_text(json.dumps(data))
    code, found = scene.verify("--against", str(report))
    assert code == 1 and "signature is invalid" in found["against"][0]["what"]


def scene_key_anchor_folder() -> str:
    return os.environ["PROVENANCE_MACHINE_KEY"] + ".anchors"


def test_checkpoints_signed_by_an_untrusted_machine_do_not_count(
    scene: Scene, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The insider rewrites the chain, drops the checkpoints, then lets provenance on a
    # machine of their own sign the new head (any write command does).
    rewrite(scene.url, lambda rows: change_actor(scene, rows)[0])
    execute(scene.url, "DELETE FROM checkpoints")
    own = os.environ["PROVENANCE_MACHINE_KEY"]
    monkeypatch.setenv("PROVENANCE_MACHINE_KEY", str(tmp_path / "insider" / "machine_key"))
    png(tmp_path / "more" / "new.png", 9)
    scene("scan", str(tmp_path / "more"))
    monkeypatch.setenv("PROVENANCE_MACHINE_KEY", own)
    code, report = scene.verify()
    assert code == 1
    assert any("not trusted" in f["what"] for f in report["signatures"]["findings"])


def test_a_second_machine_listed_in_trusted_machines_is_trusted(
    scene: Scene, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    own = os.environ["PROVENANCE_MACHINE_KEY"]
    other = tmp_path / "render-07" / "machine_key"
    monkeypatch.setenv("PROVENANCE_MACHINE_KEY", str(other))
    png(tmp_path / "more" / "new.png", 9)
    scene("scan", str(tmp_path / "more"))
    monkeypatch.setenv("PROVENANCE_MACHINE_KEY", own)
    assert scene.verify()[0] == 1  # not listed yet
    public = machine_key(Settings(db="sqlite://", machine_key=str(other))).public
    trusted = tmp_path / "trusted_machines"
    trusted.write_text(f'* namespaces="provenance-checkpoint" {public}\n')
    scene.config.write_text(scene.config.read_text() + f'trusted_machines = "{trusted}"\n')
    assert scene.verify()[0] == 0


@pytest.mark.skipif(shutil.which("ssh-keygen") is None, reason="ssh-keygen is not installed")
def test_the_readme_flow_signs_the_printed_message_with_ssh_keygen(
    scene: Scene, tmp_path: Path
) -> None:
    at = ("--approved-at", "2026-12-01T10:00:00")
    message = tmp_path / "approval.txt"
    message.write_bytes(scene.approve(scene.face, *at, "--print-message").stdout_bytes)
    subprocess.run(["ssh-keygen", "-q", "-Y", "sign", "-f", str(scene.key), "-n",
                    "provenance-approval", str(message)], check=True, timeout=60)  # fmt: skip
    scene.approve(scene.face, *at, "--signature", f"{message}.sig")
    assert scene.audit(scene.face)["face.png"] == "pass"
