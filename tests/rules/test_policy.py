"""The policy: default decisions for every state, approvals, lapses, and policy files."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from provenance.errors import ConfigError
from provenance.rules.escalations import Flag
from provenance.rules.policy import (
    ApprovalView,
    AssetState,
    Policy,
    decide,
    load_policy,
    parse_policy,
)
from provenance.vocab import Category

NOW = datetime(2026, 11, 25, tzinfo=UTC)
LIKENESS = Flag("talent-likeness", "prompt-screen", "prompt references 'X'")


def approval(
    category: Category, *, days: int | None = None, revoked: bool = False, id: int = 1
) -> ApprovalView:
    expires = NOW + timedelta(days=days) if days is not None else None
    return ApprovalView(
        id,
        category,
        "final",
        "supervisor",
        "consent.pdf",
        "ab" * 32,
        NOW - timedelta(days=1),
        expires,
        revoked,
    )


@pytest.mark.parametrize(
    ("state", "action"),
    [
        (AssetState("genai", "temporary"), "block"),
        (AssetState("genai", "expired"), "block"),
        (AssetState("genai", "quarantined"), "block"),
        (AssetState("genai", "replaced"), "block"),
        (AssetState("unreadable"), "block"),
        (AssetState("unknown"), "warn"),
        (AssetState("not_genai"), "pass"),
    ],
)
def test_defaults(state: AssetState, action: str) -> None:
    assert decide(state, Policy(), NOW).action == action


def test_approved_for_finals_passes_citing_the_approval() -> None:
    decision = decide(
        AssetState("genai", "approved", approvals=[approval("final-deliverable")]), Policy(), NOW
    )
    assert decision.action == "pass"
    assert "supervisor" in decision.reasons[0] and "consent.pdf" in decision.reasons[0]


def test_flag_needs_its_own_approval() -> None:
    state = AssetState(
        "genai", "approved", flags=[LIKENESS], approvals=[approval("final-deliverable")]
    )
    decision = decide(state, Policy(), NOW)
    assert decision.action == "block" and "talent-likeness" in decision.reasons[0]
    both = AssetState(
        "genai",
        "approved",
        flags=[LIKENESS],
        approvals=[approval("final-deliverable"), approval("talent-likeness", id=2)],
    )
    assert decide(both, Policy(), NOW).action == "pass"


def test_revoked_or_lapsed_approvals_do_not_count() -> None:
    for view in (
        approval("final-deliverable", revoked=True),
        approval("final-deliverable", days=-1),
    ):
        assert (
            decide(AssetState("genai", "approved", approvals=[view]), Policy(), NOW).action
            == "block"
        )


def test_approval_lapsing_soon_warns() -> None:
    state = AssetState("genai", "approved", approvals=[approval("final-deliverable", days=3)])
    decision = decide(state, Policy(), NOW)
    assert decision.action == "warn" and any("lapses" in r for r in decision.reasons)


def test_temporary_use_scope_does_not_clear_finals() -> None:
    view = ApprovalView(1, "final-deliverable", "temporary-use", "s", "d", "00" * 32, NOW)
    assert (
        decide(AssetState("genai", "temporary", approvals=[view]), Policy(), NOW).action == "block"
    )


def test_policy_file_overrides(tmp_path: Path) -> None:
    path = tmp_path / "show.toml"
    path.write_text('[provenance]\nunknown = "block"\n[approvals]\nexpiring_within_days = 0\n')
    policy = load_policy(path)
    assert (
        policy.unknown == "block"
        and policy.expiring_within_days == 0
        and policy.source == str(path)
    )
    assert decide(AssetState("unknown"), policy, NOW).action == "block"


@pytest.mark.parametrize(
    ("text", "message", "line"),
    [
        ('[genai]\ntemporary = "allow"\n', "must be one of pass, warn, block", 2),
        ('[genai]\n\ntempory = "pass"\n', "'genai.tempory' (did you mean 'temporary'?)", 3),
        ("[lifecycle]\nx = 1\n", "unknown section [lifecycle]:", 1),
        ("[approval]\nx = 1\n", "[approval] (did you mean 'approvals'?)", 1),
        ("[approvals]\nexpiring_within_days = -2\n", "whole number", 2),
        ("[approvals]\n\nexpiring_within_days = 999999999\n", "days from 0 to 1,000,000", 3),
    ],
)
def test_policy_errors_name_key_and_line(text: str, message: str, line: int) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_policy(text, "show.toml")
    assert message in caught.value.message and f"show.toml:{line}" in caught.value.message


def test_invalid_toml_is_explained() -> None:
    with pytest.raises(ConfigError, match="invalid TOML"):
        parse_policy("[genai\n", "p.toml")


def test_toml_nested_past_the_readers_depth_is_explained() -> None:
    deep = "[genai]\ntemporary = " + "[" * 50_000 + "]" * 50_000 + "\n"
    with pytest.raises(ConfigError, match="nested too deeply"):
        parse_policy(deep, "p.toml")


def test_the_readme_policy_example_parses_as_it_says() -> None:
    """The README's example is a valid policy file that differs from the default as it says."""
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    example = readme.split("# policy.toml:", 1)[1].split("\n", 1)[1].split("```", 1)[0]
    policy = parse_policy(example, "README.md")
    assert (policy.unknown, policy.expiring_within_days) == ("block", 30)
    default = Policy()
    assert dataclasses.replace(policy, unknown="warn", expiring_within_days=14, source="") == (
        dataclasses.replace(default, source="")
    )
