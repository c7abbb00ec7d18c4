"""The README tour and the sample-asset audit, run through the CLI, with volatile text masked.

Each step is one command; its output (stdout, stderr and the exit code) is kept in
``tests/golden/outputs/`` and compared byte for byte. The outputs were first made
before the package was reorganised (issue 12), so a move that changes what a user
sees fails here. Only what differs between two runs on one machine is masked:
times, durations, the temporary root, event hashes and numbers that depend on them.
Run with ``PROVENANCE_UPDATE_GOLDEN=1`` to rewrite the files after a deliberate change.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from click.testing import CliRunner

from tests.support.signing import new_key, public_of

SAMPLES = Path(__file__).resolve().parents[2] / "sample_assets"
GENAI_PNG = "sample_assets/genai/sd_a1111.png"
GENERATED_FRAME = "sample_assets/deliverables/comp/shot010_comp_v003.1003.png"
COMMANDS = (
    "approve",
    "audit",
    "checkpoint",
    "classify",
    "config",
    "config show",
    "document",
    "expire",
    "history",
    "init",
    "ls",
    "policy",
    "policy check",
    "purge",
    "replace",
    "report",
    "rescreen",
    "restore",
    "revoke",
    "scan",
    "service",
    "service install",
    "set-expiry",
    "status",
    "use-log",
    "verify",
    "watch",
)
AUDIT_FORMATS = ("table", "json", "junit", "sarif", "html", "markdown")


@dataclass(frozen=True)
class Step:
    """One command of the tour: a name for its golden file, and its arguments."""

    name: str
    args: tuple[str, ...]
    loose: bool = False
    """The table's width follows a duration, so runs of spaces are compared as one."""


def tour_steps(root: Path) -> Iterator[Step]:
    """The commands, in order: each may depend on what the ones before it recorded."""
    samples = str(root / "sample_assets")
    yield Step("help", ("--help",))
    for command in COMMANDS:
        words = tuple(command.split())
        yield Step("help_" + "_".join(words), (*words, "--help"))
    yield Step("classify", ("classify", samples))
    yield Step("classify_json", ("classify", samples, "--json"))
    yield Step("scan", ("scan", samples), loose=True)
    yield Step("rescan_json", ("scan", samples, "--json"))
    yield Step("history", ("history", str(root / GENAI_PNG)))
    yield Step("history_json", ("history", str(root / GENAI_PNG), "--json"))
    yield Step("history_prefix", ("history", "1e383201b384"))
    yield Step("ls_genai_temporary", ("ls", "--genai", "--status", "temporary"))
    yield Step("ls_deliverables_json", ("ls", samples + "/deliverables", "--json"))
    yield Step("ls_looks_like", ("ls", "--looks-like", "1e383201b384", "--not-genai"))
    yield Step("ls_looks_like_all", ("ls", "--looks-like", "1e383201b384"))
    yield Step("ls_needs_approval", ("ls", "--needs-approval"))
    yield Step("verify", ("verify",))
    yield Step("init_json", ("init", "--json"))
    yield Step("config_show", ("config", "show"))
    yield Step("status", ("status",))
    yield Step("rescreen_dry_run", ("rescreen", "--dry-run"))
    yield Step("policy_check", ("policy", "check"))
    for fmt in AUDIT_FORMATS:
        yield Step(f"audit_{fmt}", ("audit", samples + "/deliverables", "--format", fmt))
    cut = samples + "/cut/shot010_cut"
    marked = str(root / "shot010_marked.otio")
    yield Step("audit_cut", ("audit", cut + ".otio", "--root", samples, "--markers", marked))
    yield Step("audit_cut_edl_json", ("audit", cut + ".edl", "--root", samples, "--json"))
    yield Step("expire_json", ("expire", "--json"))
    yield Step("purge_dry_run", ("purge", "--expired", "--dry-run"))
    for fmt in ("markdown", "html", "json"):
        yield Step(f"report_{fmt}", ("report", "--show", "sample_assets", "--format", fmt))
    reference = str(root / "signed.pdf")
    yield Step(
        "approve",
        ("approve", str(root / GENERATED_FRAME), "--category", "final-deliverable",
         "--approver", "Jane Doe (VFX supervisor)", "--reference", reference,
         "--sign-with", str(root / "home" / ".ssh" / "id_ed25519")),
    )  # fmt: skip
    yield Step("ls_needs_approval_after", ("ls", "--needs-approval", "--json"))
    yield Step("audit_after_approval", ("audit", samples + "/deliverables"))
    yield Step("history_after_approval", ("history", str(root / GENERATED_FRAME)))
    for fmt in ("csv", "json"):
        yield Step(f"use_log_{fmt}", ("use-log", "--show", "sample_assets", "--format", fmt))
    yield Step("verify_json", ("verify", "--json"))
    anchors = str(root / "anchors")
    yield Step("checkpoint_export", ("checkpoint", "--export", anchors))
    yield Step("verify_against", ("verify", "--against", anchors))


def prepare(root: Path) -> dict[str, str]:
    """Copy the samples under ``root`` and return the environment the tour runs in."""
    shutil.copytree(SAMPLES, root / "sample_assets")
    (root / "signed.pdf").write_bytes(b"%PDF-1.4\n% signed approval for shot010\n")
    (root / "home").mkdir()
    key = new_key(root / "home" / ".ssh", "id_ed25519")
    allowed = root / "allowed_signers"
    allowed.write_text(f'"Jane Doe (VFX supervisor)" {public_of(key)}\n', encoding="utf-8")
    (root / "provenance.toml").write_text(
        f'approvers = ["golden"]\nallowed_signers = "{allowed}"\n', encoding="utf-8"
    )
    return {
        "HOME": str(root / "home"),
        "XDG_CONFIG_HOME": str(root / "home" / ".config"),
        "XDG_DATA_HOME": str(root / "home" / ".local" / "share"),
        "PROVENANCE_DB": f"sqlite:///{root}/ledger.sqlite3",
        "PROVENANCE_CONFIG": str(root / "provenance.toml"),
        "USER": "golden",
        "LOGNAME": "golden",
        "COLUMNS": "160",
        "LINES": "50",
        "TZ": "UTC",
        "NO_COLOR": "1",
    }


def run_tour(root: Path, invoke: Callable[[tuple[str, ...]], str]) -> dict[str, str]:
    """Every step's masked output, by name."""
    return {step.name: mask(invoke(step.args), root, step.loose) for step in tour_steps(root)}


def cli_invoker(env: dict[str, str]) -> Callable[[tuple[str, ...]], str]:
    """Run one step through click's runner; stdout, stderr and the exit code as one text."""
    from provenance.cli import cli

    runner = CliRunner()

    def invoke(args: tuple[str, ...]) -> str:
        result = runner.invoke(cli, list(args), env=env, catch_exceptions=False)
        return (
            f"$ provenance {' '.join(args)}\n--- exit {result.exit_code}\n--- stdout\n"
            f"{result.stdout}--- stderr\n{result.stderr}"
        )

    return invoke


_MASKS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"\d{4}-\d\d-\d\d[T ]\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:?\d\d)?"), "<TIME>"),
    (re.compile(r"\b\d{4}-\d\d-\d\d\b"), "<DATE>"),
    (re.compile(r"\b\d+(\.\d+)? ?(s|ms|seconds)\b"), "<DURATION>"),
    (re.compile(r"\d+(\.\d+)? (files?|[KMGT]?i?B)/s\b"), "<RATE>"),
    (re.compile(r'\btime="[\d.]+"'), 'time="<DURATION>"'),
    (re.compile(r'("mtime_ns": )\d+'), r"\1<MTIME>"),
    (re.compile(r'("\w*seconds": )[\d.]+'), r"\1<DURATION>"),
    (re.compile(r'("(?:prev_hash|hash|head_hash)": ")[0-9a-f]{64}"'), r'\1<EVENT-HASH>"'),
    (re.compile(r"\bhead (\d+ )?[0-9a-f]{64}\b"), r"head \1<EVENT-HASH>"),
    (re.compile(r"checkpoint-[0-9a-f]{16}-"), "checkpoint-<LEDGER>-"),
    (re.compile(r"-----BEGIN SSH SIGNATURE-----[^-]*-----END SSH SIGNATURE-----"), "<SIGNATURE>"),
    (re.compile(r"ssh-ed25519 [A-Za-z0-9+/=]+"), "<PUBLIC-KEY>"),
    (re.compile(r"\(ssh-ed25519 \.\.\.\S+\)"), "(<MACHINE-KEY>)"),
)


_STAGES = re.compile(r'"stages": \{[^{}]*\}')
"""An audit's stage timings: every stage's time is masked, whatever its name."""
_TIMING = re.compile(r'(": )[\d.]+')


def _stage_times(found: re.Match[str]) -> str:
    return _TIMING.sub(r"\1<DURATION>", found.group(0))


def mask(text: str, root: Path, loose: bool = False) -> str:
    """The text with what changes from run to run replaced by fixed tokens."""
    text = text.replace(str(root), "<ROOT>")
    text = _STAGES.sub(_stage_times, text)
    for pattern, token in _MASKS:
        text = pattern.sub(token, text)
    return re.sub(" {2,}", " ", text) if loose else text
