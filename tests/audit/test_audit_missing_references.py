"""The gate does not pass silently when generated assets' references are missing.

A generated matte painting is recorded the way the watch daemon records it
(examined, then :func:`~provenance.ingest.record.record_examined`), without the
deferred stage that fingerprints and describes it. A package then holds a
resized copy of it and a composite of it, with no marker left. Before this
change both passed with a "provenance unknown" warning (exit 0).

* Recorded on this host, the audit fingerprints and describes the painting
  itself, stores both, and the copy and the comp block.
* Recorded on another workstation, or its file gone, the audit cannot: the
  package's own result says how many generated assets were not compared, why
  and what to do, in every format; a warning by default, a block under
  ``--strict`` or the policy's ``incomplete_references = "block"``.
* On a complete ledger there is no such note, and nothing is decoded for it.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from PIL.PngImagePlugin import PngInfo

from provenance.cli import cli
from provenance.ingest.examine import examine
from provenance.ingest.record import record_examined
from provenance.ingest.scan import scan
from provenance.likeness.retry import ATTEMPTS, noted
from provenance.settings import Settings
from provenance.store import FeatureIn, FingerprintIn, Ledger
from tests.support.json_schemas import problems
from tests.support.reframing import composited, save, scale, textured

A1111 = "a ruined abbey, matte painting\nSteps: 20, Sampler: Euler a, Seed: 7, Model: sdxl"
FORMATS = ("json", "markdown", "html", "junit", "sarif")


@dataclass(frozen=True)
class Delivery:
    """A generated painting (not recorded yet), and a package holding a copy and a comp of it."""

    settings: Settings
    painting: Path
    package: Path

    def record(self, ledger: Ledger) -> str:
        """Record the painting as the watch daemon does, on ``ledger``'s host; its sha256."""
        (recorded,) = record_examined([examine(self.painting, self.settings, ledger.host)], ledger)
        assert recorded.verdict == "genai" and recorded.sha256 is not None
        return recorded.sha256

    def audit(self, *args: str) -> Result:
        return CliRunner().invoke(
            cli, ["audit", str(self.package), *args, "--db", self.settings.db]
        )

    def report(self, *args: str) -> tuple[int, dict[str, Any]]:
        """The exit code and the JSON report of an audit with ``args``."""
        done = self.audit("--json", *args)
        assert done.exit_code in (0, 1), done.output
        report = json.loads(done.stdout)
        assert problems("audit", report) == []
        return done.exit_code, report


@pytest.fixture
def delivery(settings: Settings, tmp_path: Path) -> Delivery:
    still = textured(11, (640, 360))
    info = PngInfo()
    info.add_text("parameters", A1111)
    painting = save(still, tmp_path / "genai" / "matte.png", pnginfo=info)
    package = tmp_path / "package"
    save(scale(still, 0.5), package / "matte_small.jpg", quality=90)
    save(composited(still, 3, share=0.25, plate=(960, 540)), package / "sh020_comp.jpg",
         quality=90)  # fmt: skip
    return Delivery(settings, painting, package)


@pytest.fixture
def here(ledger_url: str) -> Iterator[Ledger]:
    """The ledger as this host's commands open it (the ``ledger`` fixture is another host's)."""
    with Ledger(ledger_url) as opened:
        yield opened


def _files(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {f["path"]: f for f in report["files"]}


def test_an_asset_recorded_here_unfingerprinted_is_done_by_the_audit_and_its_copies_block(
    delivery: Delivery, here: Ledger
) -> None:
    sha = delivery.record(here)
    assert here.fingerprints.status_of(sha) is None and here.features.status_of(sha) is None
    code, report = delivery.report("--no-record")
    files = _files(report)
    assert files["matte_small.jpg"]["match"]["kind"] == "near", files
    assert files["matte_small.jpg"]["match"]["sha256"] == sha
    assert files["sh020_comp.jpg"]["match"]["kind"] == "region", files
    assert files["sh020_comp.jpg"]["match"]["sha256"] == sha
    assert {f["verdict"] for f in files.values()} == {"block"}
    assert code == 1 and report["verdict"] == "blocked"
    assert report["package"] == {"verdict": "pass", "reasons": [], "unreferenced": []}
    # stored as the deferred stage stores them, --no-record or not (only the audit row is not)
    assert here.fingerprints.status_of(sha) == "ok" and here.features.status_of(sha) == "ok"
    assert here.audits.list(10, None) == []


def test_an_asset_recorded_on_another_host_is_counted_and_warns(
    delivery: Delivery, ledger: Ledger, here: Ledger
) -> None:
    sha = delivery.record(ledger)  # the fixture's ledger is host "testhost"
    assert ledger.host != here.host
    code, report = delivery.report()
    assert code == 0 and report["verdict"] == "pass"
    assert {f["verdict"] for f in report["files"]} == {"warn"}  # provenance unknown, as before
    package = report["package"]
    assert package["verdict"] == "warn"
    first, fix = package["reasons"]
    assert first.startswith("1 generated asset could not be compared with this package")
    assert "testhost" in fix and "run `provenance scan` on the host that holds them" in fix
    (omitted,) = package["unreferenced"]
    assert omitted["sha256"] == sha and omitted["why"] == "elsewhere"
    assert omitted["locations"] == [
        {"host": "testhost", "path": str(delivery.painting), "present": True}
    ]
    assert ledger.fingerprints.status_of(sha) is None  # nothing read from another host's path


def test_strict_or_the_policy_blocks_on_it(
    delivery: Delivery, ledger: Ledger, tmp_path: Path
) -> None:
    delivery.record(ledger)
    code, report = delivery.report("--strict")
    assert code == 1 and report["verdict"] == "blocked"
    assert report["package"]["verdict"] == "warn"
    policy = tmp_path / "policy.toml"
    policy.write_text('[provenance]\nincomplete_references = "block"\n', encoding="utf-8")
    code, report = delivery.report("--policy", str(policy))
    assert code == 1 and report["verdict"] == "blocked"
    assert report["package"]["verdict"] == "block"
    assert report["summary"]["block"] == 0  # no file blocks: the package does


def test_a_file_gone_since_it_was_recorded_is_counted_as_failed_here(
    delivery: Delivery, here: Ledger
) -> None:
    sha = delivery.record(here)
    delivery.painting.unlink()  # the ledger still says present: no scan saw it go
    code, report = delivery.report()
    assert code == 0 and report["package"]["verdict"] == "warn"
    (omitted,) = report["package"]["unreferenced"]
    assert omitted["sha256"] == sha and omitted["why"] == "failed"
    assert report["package"]["reasons"][1].startswith("1 failed to fingerprint or describe here")


def test_every_format_says_it(delivery: Delivery, ledger: Ledger, tmp_path: Path) -> None:
    delivery.record(ledger)
    outputs = [f"{fmt}={tmp_path / f'report.{fmt}'}" for fmt in FORMATS]
    done = delivery.audit(*[a for o in outputs for a in ("--output", o)])
    assert done.exit_code == 0, done.output
    text = {fmt: (tmp_path / f"report.{fmt}").read_text(encoding="utf-8") for fmt in FORMATS}
    said = "1 generated asset could not be compared with this package"
    assert all(said in text[fmt] for fmt in FORMATS), [f for f in FORMATS if said not in text[f]]
    assert "## Package" in text["markdown"]
    case = ET.fromstring(text["junit"]).find(".//testcase[@name='(the package as a whole)']")
    assert case is not None and case.findtext("system-out", "").startswith("WARNING: 1 gener")
    (result,) = [r for r in json.loads(text["sarif"])["runs"][0]["results"] if "locations" not in r]
    assert result["level"] == "warning" and result["properties"]["unreferenced"]
    table = delivery.audit()
    assert f"package: warn: {said}" in " ".join(table.stdout.split())


def test_a_complete_ledger_says_nothing_and_decodes_nothing_for_it(
    delivery: Delivery, here: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    scan([delivery.painting.parent], here, delivery.settings)

    def refused(*_args: object) -> None:
        raise AssertionError("a complete ledger's audit computed references")

    monkeypatch.setattr("provenance.likeness.stage.fill_references", refused)
    code, report = delivery.report()
    assert code == 1 and report["package"] == {"verdict": "pass", "reasons": [], "unreferenced": []}
    assert "Package" not in delivery.audit("--format", "markdown").stdout
    assert "package:" not in delivery.audit().stdout


def test_an_asset_that_failed_too_often_is_not_decoded_again(
    delivery: Delivery, here: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    sha = delivery.record(here)
    here.fingerprints.save([FingerprintIn(sha, "error", reason=noted("worker killed", ATTEMPTS))])
    asked: list[list[str]] = []
    monkeypatch.setattr(
        "provenance.likeness.stage.fill_references", lambda _ledger, shas: asked.append(shas)
    )
    code, report = delivery.report()
    assert asked == [] and code == 0
    assert report["package"]["unreferenced"][0]["why"] == "failed"


def test_a_stored_failed_description_is_described_again_by_the_audit(
    delivery: Delivery, here: Ledger
) -> None:
    sha = delivery.record(here)
    here.features.save([FeatureIn(sha, "error", reason=noted("worker killed", 1))])
    code, report = delivery.report()
    assert _files(report)["sh020_comp.jpg"]["match"]["kind"] == "region"
    assert code == 1 and report["package"]["unreferenced"] == []
    assert here.features.status_of(sha) == "ok"


def test_history_of_a_file_says_what_its_answer_was_not_compared_with(
    delivery: Delivery, here: Ledger
) -> None:
    # history writes nothing, so it does not compute the painting's references: its answer
    # on a copy says the comparison lacked them, and that an audit or a scan computes them.
    sha = delivery.record(here)
    copy = delivery.package / "matte_small.jpg"
    done = CliRunner().invoke(cli, ["history", str(copy), "--json", "--db", delivery.settings.db])
    assert done.exit_code == 0, done.output
    answer = json.loads(done.stdout)["finals"]
    assert answer["action"] == "warn"
    assert any(r.startswith("1 generated asset could not be compared") for r in answer["reasons"])
    assert any("not computed by this look" in r for r in answer["reasons"]), answer
    assert here.fingerprints.status_of(sha) is None  # a look writes nothing
    delivery.report("--no-record")  # the audit computes them; the look then says nothing more
    done = CliRunner().invoke(cli, ["history", str(copy), "--json", "--db", delivery.settings.db])
    answer = json.loads(done.stdout)["finals"]
    assert answer["action"] == "block"
    assert not any("could not be compared" in r for r in answer["reasons"]), answer


def _more_paintings(delivery: Delivery, here: Ledger, many: int) -> list[str]:
    """``many`` more generated paintings recorded on this host, unfingerprinted: their sha256."""
    shas = []
    for seed in range(many):
        info = PngInfo()
        info.add_text("parameters", A1111)
        path = save(textured(40 + seed, (320, 180)), delivery.painting.parent / f"{seed}.png",
                    pnginfo=info)  # fmt: skip
        (recorded,) = record_examined([examine(path, delivery.settings, here.host)], here)
        assert recorded.sha256 is not None
        shas.append(recorded.sha256)
    return shas


def _postponing(
    delivery: Delivery, here: Ledger, monkeypatch: pytest.MonkeyPatch, limit: str, value: float
) -> tuple[list[str], dict[str, str], dict[str, Any]]:
    """Three unfingerprinted paintings audited with the audit's ``limit`` set to ``value``:
    their sha256, each one's ``why`` in the package's result, and that result."""
    shas = _more_paintings(delivery, here, 3)
    monkeypatch.setattr(f"provenance.audit.references.{limit}", value)
    code, report = delivery.report("--no-record")
    package = report["package"]
    assert code == 0 and package["verdict"] == "warn"
    return shas, {o["sha256"]: o["why"] for o in package["unreferenced"]}, package


def test_past_the_audits_count_the_rest_is_postponed_and_warns(
    delivery: Delivery, here: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    shas, whys, package = _postponing(delivery, here, monkeypatch, "FILL_LIMIT", 1)
    assert len(whys) == 2 and set(whys) < set(shas)
    assert set(whys.values()) == {"postponed"}
    (done,) = set(shas) - set(whys)  # the first in sha256 order was computed, and stored
    assert here.fingerprints.status_of(done) == "ok" and here.features.status_of(done) == "ok"
    assert "run `provenance scan`" in package["reasons"][1]


def test_past_the_audits_time_what_was_not_reached_is_postponed(
    delivery: Delivery, here: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    shas, whys, package = _postponing(delivery, here, monkeypatch, "FILL_SECONDS", 0.0)
    assert set(whys) == set(shas)  # none was described before the time ran out
    assert set(whys.values()) == {"postponed"}  # none "failed": none was tried and failed
    first = next(sha for sha in shas if here.fingerprints.status_of(sha) == "ok")
    assert here.features.status_of(first) is None  # fingerprinted, then the time was up
    assert "0 s of work" in package["reasons"][1]
