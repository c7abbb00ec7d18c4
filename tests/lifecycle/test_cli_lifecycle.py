"""The lifecycle commands through click's runner: output, JSON, exit codes, confirmation."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from provenance.cli import cli
from provenance.store import Ledger, current_actor
from tests.support.files import png
from tests.support.lifecycle import a1111
from tests.support.signing import approver_key, settings_toml


class Cli:
    """Runs `provenance ...` against one ledger and settings file."""

    def __init__(self, url: str, config: Path) -> None:
        self.options = ["--db", url, "--config", str(config)]
        self.url = url

    def __call__(self, *args: str, code: int = 0, input: str | None = None) -> Result:
        result = CliRunner().invoke(cli, [*args, *self.options], input=input)
        assert result.exit_code == code, result.output + result.stderr
        return result

    def json(self, *args: str) -> Any:
        return json.loads(self(*args, "--json").stdout)

    def events(self, sha: str) -> list[str]:
        with Ledger(self.url) as ledger:
            return [e.type for e in ledger.events.of(sha)]


@pytest.fixture
def run(ledger_url: str, tmp_path: Path) -> Cli:
    config = tmp_path / "provenance.toml"
    names = tmp_path / "talent.txt"
    names.write_text("Zoë Saldaña\n")
    config.write_text(
        f'approvers = ["{current_actor()}"]\nquarantine_dir = "{tmp_path / "q"}"\nworkers = 1\n'
        f"{settings_toml()}"
        f'[[watchlists]]\npath = "{names}"\ncategory = "talent-likeness"\n'
    )
    return Cli(ledger_url, config)


@pytest.fixture
def show(tmp_path: Path, run: Cli) -> Path:
    root = tmp_path / "jobs" / "nightfall"
    png(root / "gen" / "castle.png", 1, a1111("a castle at dusk"))
    png(root / "gen" / "face.png", 2, a1111("portrait of zoe saldana"))
    png(root / "plates" / "plate.png", 3)
    for n in (1001, 1002):
        png(root / "seq" / f"sh010.{n}.png", n, a1111("rain"))
    run("scan", str(root))
    return root


@pytest.fixture
def consent(tmp_path: Path) -> Path:
    path = tmp_path / "consent.pdf"
    path.write_bytes(b"%PDF-1.7 signed consent\n")
    return path


def sha_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def approve(run: Cli, target: str, consent: Path, *extra: str, code: int = 0) -> Result:
    args = ["approve", target, "--category", "final-deliverable", "--approver", "Jane Doe",
            "--sign-with", str(approver_key())]  # fmt: skip
    return run(*args, "--reference", str(consent), *extra, code=code)


def test_approve_history_and_needs_approval(run: Cli, show: Path, consent: Path) -> None:
    face = show / "gen" / "face.png"
    listed = run.json("ls", "--needs-approval")["assets"]
    needing = {n["sha256"]: n["needs_approval"] for n in listed}
    assert needing[sha_of(face)] == ["final-deliverable", "talent-likeness"]
    data = json.loads(approve(run, str(face), consent, "--json").stdout)
    assert data["assets"][0]["status"] == "temporary"  # still needs talent-likeness
    story = run.json("history", str(face))
    assert story["needs_approval"] == ["talent-likeness"]
    assert story["asset"]["flags"][0]["category"] == "talent-likeness"
    assert story["approvals"][0]["reference_sha256"] == sha_of(consent)
    table = run("history", str(face)).stdout
    for words in ("Escalations", "Needs approval before finals: talent-likeness", "Approvals"):
        assert words in table
    run("approve", str(face), "--category", "talent-likeness", "--approver", "Zoë S.",
        "--reference", str(consent), "--expires", "2999-01-01",
        "--sign-with", str(approver_key()))  # fmt: skip
    assert sha_of(face) not in {n["sha256"] for n in run.json("ls", "--needs-approval")["assets"]}
    assert "approved" in run("history", str(face)).stdout


def test_sequence_approval_and_revoke(run: Cli, show: Path, consent: Path) -> None:
    data = json.loads(
        approve(run, str(show / "seq" / "sh010.1001-1002#.png"), consent, "--json").stdout
    )
    assert [a["status"] for a in data["assets"]] == ["approved", "approved"]
    number = data["approvals"][0]["id"]
    out = run("revoke", f"#{number}", "--reason", "director changed the shot").stdout
    assert f"Revoked approval #{number}" in out and "temporary" in out
    result = run("revoke", str(number), "--reason", "again", code=2)
    assert result.stderr.startswith("Error: approval") and "already revoked" in result.stderr


def test_approving_twice_says_so_and_adds_nothing(run: Cli, show: Path, consent: Path) -> None:
    castle = show / "gen" / "castle.png"
    first = json.loads(approve(run, str(castle), consent, "--json").stdout)["approvals"][0]
    again = approve(run, str(castle), consent).stdout
    day = first["approved_at"][:10]
    assert f"castle.png ({sha_of(castle)[:12]}): already approved (approval #{first['id']}" in again
    assert f"by Jane Doe on {day}); nothing done" in again and "Recorded" not in again
    data = json.loads(approve(run, str(castle), consent, "--json").stdout)
    assert data["approvals"] == [] and data["already_approved"][0]["sha256"] == sha_of(castle)
    assert data["already_approved"][0]["approval"]["id"] == first["id"]
    assert run.events(sha_of(castle)).count("approved") == 1
    printed = approve(run, str(castle), consent, "--print-message", code=2).stderr
    assert "already approved" in printed and "nothing to sign" in printed


def test_frames_already_approved_are_listed_and_the_others_approved(
    run: Cli, show: Path, consent: Path
) -> None:
    approve(run, str(show / "seq" / "sh010.1001.png"), consent)
    done = approve(run, str(show / "seq" / "sh010.1001-1002#.png"), consent).stdout
    assert "Recorded 1 approval(s)." in done and "sh010.1002.png" in done
    assert "sh010.1001.png (" in done and "already approved (approval #1 by Jane Doe" in done


def test_revoke_of_a_sequence_revokes_every_frames_approval_at_once(
    run: Cli, show: Path, consent: Path
) -> None:
    frames = str(show / "seq" / "sh010.1001-1002#.png")
    approve(run, frames, consent)
    run("approve", frames, "--category", "voice", "--approver", "Jane Doe", "--reference",
        str(consent), "--sign-with", str(approver_key()))  # fmt: skip
    voice = run.json("revoke", "--of", frames, "--category", "voice", "--reason", "recast")
    assert [a["category"] for a in voice["approvals"]] == ["voice", "voice"]
    assert all(a["revoked_at"] for a in voice["approvals"])
    out = run("revoke", "--of", frames, "--reason", "director dropped the shot").stdout
    assert out.count("Revoked approval #") == 2 and "(final-deliverable)" in out
    assert "is now temporary" in out
    again = run("revoke", "--of", frames, "--reason", "again", code=2).stderr
    assert again.startswith("Error: no approval to revoke")
    both = run("revoke", "1", "--of", frames, "--reason", "x", code=2).stderr
    assert "not both" in both
    sha = sha_of(show / "seq" / "sh010.1001.png")
    assert run.events(sha).count("revoked") == 2


def test_refusals_are_one_line_errors(run: Cli, show: Path, consent: Path, tmp_path: Path) -> None:
    plate = show / "plates" / "plate.png"
    result = approve(run, str(plate), consent, code=2)
    assert result.stderr.count("\n") == 1 and "not a generated asset" in result.stderr
    outsider = tmp_path / "outsider.toml"
    outsider.write_text('approvers = ["somebody-else"]\n')
    refused = CliRunner().invoke(cli, [
        "approve", str(show / "gen" / "castle.png"), "--category", "final-deliverable",
        "--approver", "X", "--reference", str(consent), "--db", run.url, "--config", str(outsider),
    ])  # fmt: skip
    assert refused.exit_code == 2 and "not in the approvers setting" in refused.stderr
    assert run.events(sha_of(show / "gen" / "castle.png"))[-1] == "approval-refused"
    bad_date = approve(run, str(show / "gen" / "castle.png"), consent, "--expires", "soon", code=2)
    assert "not an ISO date" in bad_date.stderr


def test_replace_expire_purge_restore_delete(run: Cli, show: Path, tmp_path: Path) -> None:
    castle, plate = show / "gen" / "castle.png", show / "plates" / "plate.png"
    original, sha = castle.read_bytes(), sha_of(castle)
    assert "replaced by" in run("replace", str(show / "gen" / "face.png"), str(plate)).stdout
    run("set-expiry", str(castle), "--until", "2000-01-01", "--reason", "pulled early", "--force")
    [changed] = run.json("expire")["assets"]
    assert changed["status"] == "expired" and changed["locations"][0]["path"] == str(castle)
    dry = run.json("purge", "--expired", "--dry-run")
    copy = {"sha256": sha, "host": changed["locations"][0]["host"], "path": str(castle)}
    assert dry["would_move"] == [copy | {"present": True}] and castle.exists()
    moved = run.json("purge", "--expired")["moved"]
    assert not castle.exists() and len(moved) == 1
    manifest = (tmp_path / "q" / "manifest.jsonl").read_text().splitlines()
    assert json.loads(manifest[0])["original_path"] == str(castle)
    said = run("restore", sha[:12]).stdout
    assert "Restored" in said and "1 restored asset(s) still past their expiry" in said
    assert castle.read_bytes() == original
    run("purge", "--expired")
    assert "Nothing done" in run("purge", "--delete", input="n\n").stdout
    assert Path(moved[0]["quarantine_path"]).parent.exists()
    assert run.events(sha)[-1] == "quarantined"
    assert "Deleted 1" in run("purge", "--delete", input="y\n").stdout
    assert run.events(sha)[-1] == "deleted-from-quarantine"
    assert run("purge", "--delete", "--yes", code=2).stderr.startswith("Error: nothing")
    assert run("purge", code=2).stderr  # neither --expired nor --delete
    assert "verified" in run("verify").stdout or "OK" in run("verify").stdout


def test_replace_pairs_a_sequence_frame_by_frame(run: Cli, show: Path) -> None:
    for n in (1001, 1002, 1003):
        png(show / "comp" / f"sh010_v2.{n}.png", n + 70)
    png(show / "plates" / "pl.1001.png", 7)
    run("scan", str(show))
    old, comp = str(show / "seq" / "sh010.1001-1002#.png"), show / "comp"
    short = run("replace", old, str(comp / "sh010_v2.1002-1003#.png"), code=2).stderr
    assert short.startswith("Error: NEW has no frame of the same number for sh010.1001.png")
    plates = run("replace", str(show / "plates" / "pl.1001#.png"), str(comp / "sh010_v2.#.png"),
                 code=2).stderr  # fmt: skip
    assert "no frame of this sequence is generated (pl.1001.png)" in plates
    done = run("replace", old, str(comp / "sh010_v2.#.png")).stdout
    assert "Replaced 2 generated asset(s):" in done
    for n in (1001, 1002):
        assert (
            f"sh010.{n}.png ({sha_of(show / 'seq' / f'sh010.{n}.png')[:12]}) replaced by "
            f"sh010_v2.{n}.png ({sha_of(comp / f'sh010_v2.{n}.png')[:12]})" in done
        )
    assert run.events(sha_of(comp / "sh010_v2.1001.png"))[-1] == "replaces"


def test_delete_with_yes_skips_the_question(run: Cli, show: Path) -> None:
    castle = show / "gen" / "castle.png"
    run("set-expiry", str(castle), "--until", "2000-01-01", "--force")
    run("purge", "--expired")
    assert "Deleted 1" in run("purge", "--delete", sha_of_glob(run), "--yes").stdout


def sha_of_glob(run: Cli) -> str:
    with Ledger(run.url) as ledger:
        return ledger.quarantine.list()[0].asset_sha256[:10]


def test_policy_check(run: Cli, tmp_path: Path) -> None:
    good = tmp_path / "show.toml"
    good.write_text('[genai]\ntemporary = "warn"\n[approvals]\nexpiring_within_days = 7\n')
    checked = json.loads(CliRunner().invoke(cli, ["policy", "check", str(good), "--json"]).stdout)
    assert checked["valid"] and checked["genai.temporary"] == "warn"
    bad = tmp_path / "bad.toml"
    bad.write_text('[genai]\n\ntemporary = "allow"\n')
    result = CliRunner().invoke(cli, ["policy", "check", str(bad)])
    assert result.exit_code == 2 and f"{bad}:3" in result.stderr and "temporary" in result.stderr


def test_report_formats_and_document(run: Cli, show: Path, consent: Path, tmp_path: Path) -> None:
    approve(run, str(show / "gen" / "castle.png"), consent)
    for fmt in ("markdown", "html", "json"):
        target = tmp_path / f"report.{fmt}"
        run("report", "--show", "nightfall", "--format", fmt, "--output", str(target))
        assert "nightfall" in target.read_text()
    data = run.json("report", "--show", "nightfall")
    assert data["counts"]["genai"] == 4 and data["approvals"][0]["reference_sha256"] == sha_of(
        consent
    )
    refused = run("report", "--show", "other-show", code=2)
    assert "nothing to report" in refused.stderr
    exported = tmp_path / "exported.pdf"
    run("document", sha_of(consent), "--output", str(exported))
    assert exported.read_bytes() == consent.read_bytes()
    assert run("document", "0" * 64, "--output", str(exported), code=2).stderr.startswith("Error")


def test_report_uses_the_shows_roots_from_the_settings(
    ledger_url: str, tmp_path: Path, run: Cli, show: Path
) -> None:
    elsewhere = tmp_path / "jobs" / "daybreak" / "nightfall"
    png(elsewhere / "ref.png", 9, a1111("a reference"))
    run("scan", str(elsewhere))
    assert run.json("report", "--show", "nightfall")["counts"]["genai"] == 5
    config = tmp_path / "shows.toml"
    config.write_text(f'[[shows]]\nname = "nightfall"\nroots = ["{show}"]\n')
    listed = Cli(ledger_url, config).json("report", "--show", "nightfall")
    assert listed["counts"]["genai"] == 4
    assert listed["scope"] == f"assets seen under {show}"


def test_a_reference_whose_name_is_not_utf8_is_kept_as_shown(
    run: Cli, show: Path, tmp_path: Path
) -> None:
    # Its name went to the database as Python holds it (lone surrogates): approve was a
    # UnicodeEncodeError traceback; and 120 odd bytes shown as \xNN pass the column's width.
    consent = Path(os.fsdecode(bytes(tmp_path) + b"/consent-" + b"\xff" * 120 + b".pdf"))
    consent.write_bytes(b"%PDF-1.7 consent with an odd name\n")
    approve(run, str(show / "gen" / "castle.png"), consent)
    [approval] = run.json("history", str(show / "gen" / "castle.png"))["approvals"]
    assert approval["reference_sha256"] == sha_of(consent)
    exported = tmp_path / "exported.pdf"
    wrote = run("document", sha_of(consent), "--output", str(exported)).stdout
    assert wrote.startswith("Wrote consent-\\xff\\xff") and exported.read_bytes() == (
        consent.read_bytes()
    )


LATIN1 = os.fsdecode("Zoë S.".encode("latin-1"))  # typed in a Latin-1 terminal


@pytest.mark.parametrize("option", ["--approver", "--note", "--reason"])
def test_signed_text_that_is_not_utf8_is_refused_at_the_option(
    run: Cli, show: Path, consent: Path, option: str
) -> None:
    # A signed message is UTF-8: signing it was a UnicodeEncodeError traceback (exit 1).
    castle = str(show / "gen" / "castle.png")
    if option == "--reason":
        approve(run, castle, consent)
        refused = run("revoke", "1", "--reason", LATIN1, code=2)
    else:
        values = {"--approver": "Zoë S.", "--note": "ticket 12", option: LATIN1}
        refused = run("approve", castle, "--category", "voice", "--reference", str(consent),
                      "--approver", values["--approver"], "--note", values["--note"],
                      "--sign-with", str(approver_key()), code=2)  # fmt: skip
    assert f"Error: Invalid value for '{option}': 'Zo\\xeb S.' is not UTF-8 text" in refused.stderr


def test_an_approver_longer_than_the_ledger_keeps_is_refused(
    run: Cli, show: Path, consent: Path
) -> None:
    # PostgreSQL refused the row (varchar(255)): a traceback, exit 1; SQLite kept it whole.
    castle = show / "gen" / "castle.png"
    args = ["approve", str(castle), "--category", "final-deliverable", "--approver", "J" * 300,
            "--reference", str(consent), "--sign-with", str(approver_key())]  # fmt: skip
    refused = run(*args, code=2)
    assert refused.stderr.startswith("Error: the approver's name is 300 characters long")
    assert run.json("history", str(castle))["approvals"] == []


def test_each_refusal_says_what_to_do(run: Cli, show: Path, consent: Path) -> None:
    castle, plate = show / "gen" / "castle.png", show / "plates" / "plate.png"
    number = json.loads(approve(run, str(castle), consent, "--json").stdout)["approvals"][0]["id"]
    run("revoke", str(number), "--reason", "changed")
    face = sha_of(show / "gen" / "face.png")
    run("replace", face, str(plate))
    refusals = {
        "revoked twice": ("revoke", str(number), "--reason", "again"),
        "no expiry": ("set-expiry", str(plate), "--until", "2999-01-01"),
        "expiry of a replaced asset": ("set-expiry", face, "--until", "2999-01-01"),
        "replaced twice": ("replace", face, str(castle)),
        "replacing a plate": ("replace", str(plate), str(castle)),
        "no such document": ("document", "abcdef12", "--output", str(show / "doc.pdf")),
    }
    for why, args in refusals.items():
        [line] = run(*args, code=2).stderr.splitlines()
        what, _, fix = line.partition(". ")
        assert what.startswith("Error: ") and fix.strip(), f"{why}: {line}"


def test_a_name_holding_a_newline_forges_no_line_of_purges_list(run: Cli, tmp_path: Path) -> None:
    forged = "gen.png -> quarantine\n  0123456789ab hero_final.png"  # no "/" in a name
    path = png(tmp_path / "jobs" / forged, 7, a1111("rain"))
    run("scan", str(path.parent))
    sha = sha_of(path)
    run("set-expiry", sha, "--until", "2020-01-01", "--force")
    lines = run("purge", "--expired").stdout.splitlines()
    listed = [line for line in lines if line.startswith("  ") and "0123" in line]  # not tables
    assert len(listed) == 1 and listed[0].startswith(f"  {sha[:12]} ")  # the copy's own line
    assert "quarantine\\x0a  0123456789ab hero_final.png" in listed[0]
