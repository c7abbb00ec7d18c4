"""allowed_signers files: principals, quotes, patterns, options, errors naming the line."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from provenance.errors import ConfigError
from provenance.signing.allowed import load, parse

KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOx"
OTHER = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOy"


def test_principals_quotes_and_patterns() -> None:
    allowed = parse(
        f'# approvers\n"Jane Doe (VFX supervisor)",jane@studio {KEY} laptop\n'
        f"*@vendor.example,!intern@vendor.example {OTHER}\n",
        "allowed",
    )
    assert allowed.allows("Jane Doe (VFX supervisor)", KEY, "provenance-approval")
    assert allowed.allows("jane@studio", KEY + " comment", "x")
    assert not allowed.allows("Raj", KEY, "x")
    assert allowed.allows("raj@vendor.example", OTHER, "x")
    assert not allowed.allows("intern@vendor.example", OTHER, "x")
    assert not allowed.allows("jane@studio", OTHER, "x")


def test_namespaces_and_validity_are_honoured() -> None:
    allowed = parse(
        f'jane namespaces="provenance-approval,file",valid-after="20260101",'
        f'valid-before="20270101" {KEY}\n'
        f"ca@x cert-authority {OTHER}\n",
        "allowed",
    )
    inside = datetime(2026, 6, 1, tzinfo=UTC)
    assert allowed.allows("jane", KEY, "provenance-approval", inside)
    assert not allowed.allows("jane", KEY, "git", inside)
    assert not allowed.allows("jane", KEY, "file", datetime(2027, 2, 1, tzinfo=UTC))
    assert not allowed.knows(OTHER, "provenance-approval")  # certificates are not supported


def test_the_principals_a_key_is_listed_for() -> None:
    allowed = parse(
        f'"Jane Doe",jane@studio,!jane@old {KEY}\nvfx-sup namespaces="git" {KEY}\nraj {OTHER}\n',
        "allowed",
    )
    listed = allowed.principals_of(KEY + " laptop", "provenance-approval")
    assert listed == ["Jane Doe", "jane@studio"]
    assert allowed.principals_of(KEY, "git") == ["Jane Doe", "jane@studio", "vfx-sup"]
    assert allowed.principals_of("ssh-ed25519 AAAAnone", "git") == []


def test_a_bad_line_is_named(tmp_path: Path) -> None:
    path = tmp_path / "allowed_signers"
    path.write_text(f"jane {KEY}\njane\n")
    with pytest.raises(ConfigError, match="allowed_signers:2"):
        load(path)
    with pytest.raises(ConfigError, match="cannot read"):
        load(tmp_path / "missing")
    assert load(None).signers == ()


@given(st.text(max_size=200))
def test_parsing_any_text_gives_signers_or_a_config_error(text: str) -> None:
    with contextlib.suppress(ConfigError):
        parse(text, "fuzz")


def test_an_unknown_option_refuses_the_line_as_ssh_keygen_does() -> None:
    # `Jane Doe ssh-ed25519 ...` is principal "Jane" with an option "Doe" to
    # ssh-keygen, which refuses it; trusting the key for "Jane" would be wrong.
    with pytest.raises(ConfigError, match=r'unknown option .Doe.: .* as in "Jane Doe"'):
        parse(f"Jane Doe {KEY}\n", "allowed")
    with pytest.raises(ConfigError, match=r"unknown option .no-touch-required.\)"):
        parse(f"jane no-touch-required {KEY}\n", "allowed")
    allowed = parse(f'jane NAMESPACES="provenance-approval" {KEY}\n', "allowed")
    assert allowed.allows("jane", KEY, "provenance-approval")
