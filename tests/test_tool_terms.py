"""The tool registry's published terms: every generative tool has them, and none is guessed."""

from __future__ import annotations

import re

from provenance.tools import HOSTED_SERVICE, LOCAL, TERMS, TOOLS, UNKNOWN, UNKNOWN_GENAI, terms

NOT_GENERATIVE = {"camera", "gimp", "adobe-photoshop", "adobe-lightroom", "adobe-express",
                  "field-recorder", "c2pa-test", "none"}  # fmt: skip
SPDX = re.compile(r"^(AGPL|GPL|LGPL)-\d\.\d(-only|-or-later)?$|^(Apache-2\.0|MIT|BSD-\d-Clause)$")


def test_every_generative_tool_has_terms_and_no_other_does() -> None:
    assert set(TERMS) == set(TOOLS) - NOT_GENERATIVE


def test_a_licence_is_an_spdx_id_or_says_what_it_is() -> None:
    phrases = {
        UNKNOWN,
        HOSTED_SERVICE,
        "proprietary app",
        "varies by Space and model",
        "varies by model",
    }
    for tool, published in TERMS.items():
        assert SPDX.match(published.licence) or published.licence in phrases, tool


def test_local_software_has_no_enterprise_tier_and_hosted_says_one_or_unknown() -> None:
    for tool, published in TERMS.items():
        if published.licence == HOSTED_SERVICE:
            assert published.enterprise != LOCAL, tool
        if SPDX.match(published.licence):
            assert published.enterprise == LOCAL, tool


def test_a_tool_not_named_or_not_known_has_unknown_terms() -> None:
    assert terms(None) == terms("no-such-tool") == TERMS[UNKNOWN_GENAI]
    assert terms(None).licence == terms(None).enterprise == UNKNOWN
    assert terms("adobe-firefly").enterprise == "Firefly for Enterprise"
